"""The accumulator's fast paths (text and argument pieces) build what the general merge builds."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from assistants_events.assistants import models as m
from assistants_events.assistants.accumulate import (
    _merge_list,
    _MessageBuilder,
    _StepBuilder,
    merge_delta,
)

pieces = st.text(max_size=5)

text_part = st.builds(
    lambda index, value: {"index": index, "type": "text", "text": {"value": value}},
    st.integers(0, 2),
    pieces,
)
annotated_part = st.builds(
    lambda index, value: {
        "index": index, "type": "text",
        "text": {"value": value, "annotations": [{"index": 0, "type": "file_path", "text": "t"}]},
    },
    st.integers(0, 2),
    pieces,
)  # fmt: skip
image_part = st.builds(
    lambda index: {"index": index, "type": "image_file", "image_file": {"file_id": "f"}},
    st.integers(0, 2),
)
message_delta = st.lists(st.one_of(text_part, text_part, annotated_part, image_part),
                         min_size=1, max_size=2)  # fmt: skip


def _message_payload(parts: list[Any]) -> dict[str, Any]:
    return {"id": "msg", "object": "thread.message.delta", "delta": {"content": parts}}


@settings(max_examples=300)
@given(st.lists(message_delta, max_size=25))
def test_message_text_pieces_give_what_the_general_merge_gives(deltas: list[Any]) -> None:
    builder = _MessageBuilder(m.Message, "thread.message.created")
    expected: list[Any] = []
    for parts in deltas:
        builder.delta(copy.deepcopy(_message_payload(parts)))
        for part in copy.deepcopy(parts):
            _merge_list(expected, [part])
    assert builder.json().get("content", []) == expected


def _call(index: int, function: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"index": index, "type": "function", "function": function, **extra}


argument_call = st.builds(
    lambda i, piece: _call(i, {"arguments": piece}), st.integers(0, 2), pieces
)
opening_call = st.builds(
    lambda i: _call(i, {"name": "f", "arguments": "", "output": None}, id=f"call_{i}"),
    st.integers(0, 2),
)
code_call = st.builds(
    lambda i, piece: {"index": i, "type": "code_interpreter", "code_interpreter": {"input": piece}},
    st.integers(0, 2),
    pieces,
)
step_delta = st.lists(st.one_of(argument_call, argument_call, opening_call, code_call),
                      min_size=1, max_size=2)  # fmt: skip


@settings(max_examples=300)
@given(st.lists(step_delta, max_size=25))
def test_argument_pieces_give_what_the_general_merge_gives(deltas: list[Any]) -> None:
    builder = _StepBuilder(m.RunStep, "thread.run.step.created")
    expected: dict[str, Any] = {}
    for calls in deltas:
        details = {"type": "tool_calls", "tool_calls": calls}
        builder.delta(copy.deepcopy({"id": "step", "delta": {"step_details": details}}))
        merge_delta(expected, copy.deepcopy(details))
    assert builder.json()["step_details"] == (expected or {"type": "tool_calls", "tool_calls": []})


@given(st.lists(message_delta, min_size=1, max_size=10))
def test_a_status_event_after_pieces_sees_the_joined_text(deltas: list[Any]) -> None:
    builder = _MessageBuilder(m.Message, "thread.message.created")
    expected: list[Any] = []
    for parts in deltas:
        builder.delta(copy.deepcopy(_message_payload(parts)))
        for part in copy.deepcopy(parts):
            _merge_list(expected, [part])
    builder.status({"id": "msg", "status": "in_progress"}, "thread.message.in_progress")
    assert builder.parts.get("content", []) == expected


def test_thousands_of_pieces_join_in_arrival_order() -> None:
    builder = _MessageBuilder(m.Message, "thread.message.created")
    builder.delta(_message_payload([{"index": 0, "type": "text", "text": {"value": "",
                                     "annotations": []}}]))  # fmt: skip
    words = [f"w{i} " for i in range(1000)]
    for word in words:
        builder.delta(_message_payload([{"index": 0, "type": "text", "text": {"value": word}}]))
    assert builder.json()["content"][0]["text"]["value"] == "".join(words)
