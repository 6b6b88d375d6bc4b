"""Deltas fold into snapshots: nulls never erase, bad indexes and deep nesting are typed errors."""

from __future__ import annotations

import inspect
import json
import sys
from typing import Any

import pytest

import assistants_events as ae
from assistants_events import models as m
from assistants_events.assistants.accumulate import merge_delta


def sse(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {data if isinstance(data, str) else json.dumps(data)}\n\n"


MESSAGE = {"id": "m", "object": "thread.message", "status": "in_progress", "content": []}
STEP = {
    "id": "s", "object": "thread.run.step", "status": "in_progress",
    "step_details": {"type": "tool_calls", "tool_calls": []},
}  # fmt: skip


def step_delta(*calls: dict[str, Any]) -> str:
    return sse(
        "thread.run.step.delta",
        {"id": "s", "delta": {"step_details": {"type": "tool_calls", "tool_calls": list(calls)}}},
    )


class Lenient(ae.EventHandler):
    strict = False


def test_null_id_in_a_later_delta_keeps_the_accumulated_id() -> None:
    call: dict[str, Any] = {}
    merge_delta(call, {"index": 0, "id": "call_1", "type": "function"})
    merge_delta(call, {"index": 0, "id": None, "type": "function", "function": {"arguments": "{"}})
    assert call == {"index": 0, "id": "call_1", "type": "function", "function": {"arguments": "{"}}


async def test_explicit_nulls_in_built_in_tool_deltas_do_not_erase_what_arrived() -> None:
    search = {"index": 0, "id": "call_1", "type": "azure_ai_search"}
    body = sse("thread.run.step.created", STEP) + "".join((
        step_delta({**search, "azure_ai_search": {"input": None, "output": None}}),
        step_delta({**search, "azure_ai_search": {"input": "weather"}}),
        step_delta({**search, "azure_ai_search": {"input": None, "output": "found"}}),
    ))  # fmt: skip
    result = await Lenient().consume(body.encode())
    (call,) = result.run_steps[0].tool_calls
    assert isinstance(call, dict)  # a tool type the library does not model stays plain JSON
    assert call["azure_ai_search"] == {"input": "weather", "output": "found"}


async def test_function_delta_with_null_id_and_output_keeps_both() -> None:
    function = {"index": 0, "type": "function"}
    body = sse("thread.run.step.created", STEP) + "".join((
        step_delta({**function, "id": "call_1", "function": {"name": "f", "arguments": "",
                                                             "output": None}}),
        step_delta({**function, "id": None, "function": {"name": None, "arguments": "{}",
                                                         "output": None}}),
    ))  # fmt: skip
    result = await Lenient().consume(body.encode())
    (call,) = result.run_steps[0].tool_calls
    assert isinstance(call, m.FunctionToolCall)
    assert (call.id, call.function.name, call.function.arguments) == ("call_1", "f", "{}")


def text_delta(index: int, value: str) -> str:
    part = {"index": index, "type": "text", "text": {"value": value}}
    return sse("thread.message.delta", {"id": "m", "delta": {"content": [part]}})


@pytest.mark.parametrize("before", [[], [text_delta(0, "Hi")]], ids=["first", "after-text"])
async def test_negative_content_index_is_a_decode_error(before: list[str]) -> None:
    body = sse("thread.message.created", MESSAGE) + "".join(before) + text_delta(-1, "x")
    with pytest.raises(ae.EventDecodeError, match="negative 'index' -1"):
        await Lenient().consume(body.encode())


async def test_negative_tool_call_index_is_a_decode_error() -> None:
    body = sse("thread.run.step.created", STEP) + step_delta(
        {"index": -2, "id": "c", "type": "function", "function": {"arguments": ""}}
    )
    with pytest.raises(ae.EventDecodeError, match=r"thread\.run\.step\.delta"):
        await Lenient().consume(body.encode())


async def test_deeply_nested_step_data_is_a_decode_error_when_its_snapshot_is_read() -> None:
    nested = '{"a":' * 200 + "1" + "}" * 200
    function = '{"name": "f", "arguments": "{}"}'
    call = (
        f'{{"index": 0, "id": "c", "type": "function", "function": {function}, "extra": {nested}}}'
    )
    completed = (
        '{"id": "s", "object": "thread.run.step", "status": "completed", '
        f'"step_details": {{"type": "tool_calls", "tool_calls": [{call}]}}}}'
    )
    body = sse("thread.run.step.created", STEP) + sse("thread.run.step.completed", completed)
    result = await Lenient().consume(body.encode())
    # Where the interpreter gives up differs by version (3.12 stopped counting C calls
    # against the limit): a limit just above this test's frames, below the nesting,
    # makes building the snapshot the step that recurses too deeply on every version.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 150)
    try:
        with pytest.raises(ae.EventDecodeError, match="nested too deeply"):
            result.run_steps  # noqa: B018 - reading builds it
    finally:
        sys.setrecursionlimit(limit)
