"""The converter's fast paths build exactly what the detailed path builds, or step aside."""

from __future__ import annotations

from typing import Any

import cattrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistants_events import jsonlib
from assistants_events import models as m
from assistants_events.assistants.convert import converter, fast_message_delta, fast_step_delta

detailed = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)


def slow(value: Any, cls: type) -> Any:
    # The generated function the fast path stands in front of.
    return cattrs.gen.make_dict_structure_fn(cls, converter)(value, cls)


_text = st.one_of(st.none(), st.text(max_size=8), st.integers())
_text_part = st.fixed_dictionaries(
    {"index": st.integers(0, 3), "type": st.just("text")},
    optional={"text": st.fixed_dictionaries({}, optional={"value": _text,
                                                           "annotations": st.just([])})},
)  # fmt: skip
_message_delta = st.fixed_dictionaries(
    {"id": st.one_of(st.text(max_size=5), st.integers()),
     "delta": st.fixed_dictionaries({}, optional={"content": st.lists(_text_part, max_size=3),
                                                  "role": st.sampled_from(["assistant", 3])})},
    optional={"object": st.just("thread.message.delta")},
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_message_delta)
def test_fast_message_delta_equals_the_detailed_structure(value: dict[str, Any]) -> None:
    built = fast_message_delta(value)
    try:
        expected = slow(value, m.MessageDelta)
    except Exception:
        assert built is None  # whatever the detailed path rejects, the fast path leaves to it
        return
    assert built is None or built == expected


_function = st.fixed_dictionaries(
    {}, optional={"name": _text, "arguments": _text, "output": st.none()}
)
_call = st.fixed_dictionaries(
    {"index": st.integers(0, 3), "type": st.just("function")},
    optional={"id": st.one_of(st.none(), st.text(max_size=4)), "function": _function},
)
_step_delta = st.fixed_dictionaries(
    {"id": st.text(max_size=5),
     "delta": st.fixed_dictionaries({"step_details": st.fixed_dictionaries(
         {"type": st.just("tool_calls"), "tool_calls": st.lists(_call, max_size=3)})})},
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_step_delta)
def test_fast_step_delta_equals_the_detailed_structure(value: dict[str, Any]) -> None:
    built = fast_step_delta(value)
    try:
        expected = slow(value, m.RunStepDelta)
    except Exception:
        assert built is None
        return
    assert built is None or built == expected


@pytest.mark.parametrize(
    "value",
    [
        {"id": "m", "delta": {"content": [{"index": 0, "type": "image_file",
                                           "image_file": {"file_id": "f"}}]}},
        {"id": "m", "delta": {"content": [{"index": 0, "type": "text", "text": {
            "value": "x", "annotations": [{"index": 0, "type": "file_path", "text": "t"}]}}]}},
    ],
)  # fmt: skip
def test_fast_path_leaves_other_shapes_to_the_detailed_path(value: dict[str, Any]) -> None:
    assert fast_message_delta(value) is None
    assert isinstance(converter.structure(value, m.MessageDelta), m.MessageDelta)


@pytest.mark.parametrize("text", ['"\\ud800"', "123456789012345678901234567890", "NaN"])
def test_json_decoding_accepts_what_the_standard_library_accepts(text: str) -> None:
    import json

    assert repr(jsonlib.loads(text)) == repr(json.loads(text))


def test_huge_integer_in_a_delta_is_never_a_silent_float() -> None:
    import assistants_events as ae

    huge = 123456789012345678901234567890
    raw = f'{{"id":"m","delta":{{"content":[{{"index":{huge},"type":"text"}}]}}}}'
    if jsonlib.BACKEND == "orjson":  # orjson's float is refused by the strict converter
        with pytest.raises(ae.EventDecodeError, match="index"):
            _ = ae.Event(ae.MESSAGE_DELTA, raw).data
    else:  # msgspec and json decode it exactly
        assert ae.Event(ae.MESSAGE_DELTA, raw).data.delta.content[0].index == huge


def test_invalid_json_is_a_value_error_whatever_the_backend() -> None:
    with pytest.raises(ValueError):
        jsonlib.loads("{nope")
