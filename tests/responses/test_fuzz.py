"""Mangled streams: only typed errors, and the fast path finds exactly what the plain one does."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from assistants_events.errors import AssistantsEventsError
from assistants_events.lifecycle import Quirk, Violation
from assistants_events.responses.accumulate import Accumulator
from assistants_events.responses.lifecycle import ResponsesLifecycle

from .script import Script, call_json, message_json


class _Plain(ResponsesLifecycle):
    fast_path = False


def _events() -> list[dict[str, Any]]:
    script = Script().start()
    script.message("msg_1", 0, ["Hel", "lo", " wor", "ld"])
    script.function_call("fc_1", 1, "call_1", "f", ['{"a"', ":", "1}"])
    script.add("keepalive")
    output = [message_json("msg_1", "Hello world"), call_json("fc_1", "call_1", "f", '{"a":1}',
                                                               "completed")]  # fmt: skip
    return script.completed(output=output).events


EVENTS = _events()

_mutation: st.SearchStrategy[tuple[str, int, object]] = st.tuples(
    st.sampled_from(["drop", "duplicate", "swap", "renumber", "corrupt"]),
    st.integers(min_value=0, max_value=len(EVENTS) - 1),
    st.sampled_from([None, 7, "x", True, [], {}]),
)


def _mangle(mutations: list[tuple[str, int, Any]]) -> list[dict[str, Any]]:
    events = copy.deepcopy(EVENTS)
    for kind, at, value in mutations:
        at %= len(events)
        if kind == "drop":
            del events[at]
        elif kind == "duplicate":
            events.insert(at, copy.deepcopy(events[at]))
        elif kind == "swap" and at + 1 < len(events):
            events[at], events[at + 1] = events[at + 1], events[at]
        elif kind == "renumber":
            events[at]["sequence_number"] = value
        elif kind == "corrupt":
            key = sorted(k for k in events[at] if k != "type")[0] if len(events[at]) > 1 else "x"
            events[at][key] = value
        if not events:
            break
    return events


def _findings(cls: type[ResponsesLifecycle], events: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []

    def violation(v: Violation) -> None:
        found.append(f"violation {v.error}")

    def quirk(q: Quirk) -> None:
        found.append(f"quirk {q}")

    lifecycle = cls(False, violation, quirk)
    accumulator = Accumulator()
    try:
        for event in events:
            lifecycle.observe(event["type"], event)
            accumulator.add(event["type"], event)
        lifecycle.end()
        accumulator.items()
    except AssistantsEventsError as exc:  # typed errors only; anything else fails the test
        found.append(f"error {type(exc).__name__}: {exc}")
    return found


@settings(max_examples=300, deadline=None)
@given(st.lists(_mutation, max_size=4))
def test_mangled_streams_raise_only_typed_errors_and_both_paths_agree(
    mutations: list[tuple[str, int, Any]],
) -> None:
    events = _mangle(mutations)
    assert _findings(ResponsesLifecycle, events) == _findings(_Plain, events)


def test_the_unmangled_stream_has_only_its_keepalive_quirk_on_either_path() -> None:
    assert (
        _findings(ResponsesLifecycle, EVENTS)
        == _findings(_Plain, EVENTS)
        == [
            "quirk keepalive resp_1: a keepalive event carries a sequence_number of its own "
            "[keepalive-sequence-number]"
        ]
    )
