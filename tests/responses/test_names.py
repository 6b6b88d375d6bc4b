from __future__ import annotations

import typing

from openai.types.responses import ResponseStreamEvent

from assistants_events.responses import names
from assistants_events.responses.convert import EVENT_MODELS


def _sdk_event_names() -> set[str]:
    union = typing.get_args(ResponseStreamEvent)[0]
    return {
        typing.get_args(member.model_fields["type"].annotation)[0]
        for member in typing.get_args(union)
    }


def test_response_events_are_exactly_the_sdk_stream_event_union() -> None:
    assert _sdk_event_names() == names.RESPONSE_EVENTS
    assert len(names.RESPONSE_EVENTS) == 59


def test_every_name_constant_is_a_response_event_or_keepalive() -> None:
    constants = {
        value for key, value in vars(names).items() if key.isupper() and isinstance(value, str)
    }
    assert constants == names.RESPONSE_EVENTS | {names.KEEPALIVE}


def test_keepalive_is_not_a_response_event() -> None:
    assert names.KEEPALIVE not in names.RESPONSE_EVENTS


def test_delta_events_are_the_names_ending_in_delta() -> None:
    assert {e for e in names.RESPONSE_EVENTS if e.endswith(".delta")} == names.DELTA_EVENTS


def test_terminal_events_are_lifecycle_events() -> None:
    assert set(names.RESPONSE_LIFECYCLE_EVENTS) >= names.TERMINAL_RESPONSE_EVENTS


def test_every_response_event_has_a_payload_model() -> None:
    assert set(EVENT_MODELS) == names.RESPONSE_EVENTS
