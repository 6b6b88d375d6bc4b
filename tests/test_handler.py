"""`consume()` end to end: results, errors, continuation across streams."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

import assistants_events as ae
from assistants_events import models as m
from tests.conftest import sse


class Recorder(ae.EventHandler):
    def __init__(self) -> None:
        self.names: list[str] = []
        self.text: list[str] = []

    @ae.on("*")
    def record(self, event: ae.Event) -> None:
        self.names.append(event.name)

    @ae.on("thread.message.delta")
    async def on_text(self, event: ae.Event) -> None:
        self.text.append(event.data.delta.content[0].text.value)


async def test_text_run_gives_the_final_message_and_usage(text_run: bytes) -> None:
    bot = Recorder()
    result = await bot.consume(text_run)
    assert result.done and result.run is not None and result.run.status == "completed"
    assert result.text == "Hello " * 50 and "".join(bot.text) == result.text
    assert result.usage == m.Usage(120, 50, 170)
    assert [msg.id for msg in result.messages] == ["msg_abc123"]
    assert bot.names[0] == "thread.run.created" and bot.names[-1] == "done"


async def test_tool_call_stream_stops_waiting_for_outputs(tool_call_run: bytes) -> None:
    result = await Recorder().consume(tool_call_run)
    assert result.run is not None and result.run.status == "requires_action"
    assert [c.id for c in result.run.tool_calls] == ["call_0", "call_1"]


async def test_accumulated_arguments_equal_the_required_action(tool_call_run: bytes) -> None:
    result = await Recorder().consume(tool_call_run)
    (step,) = result.run_steps
    assert result.run is not None
    calls = [c for c in step.tool_calls if isinstance(c, m.FunctionToolCall)]
    assert len(calls) == len(step.tool_calls)
    streamed = [(c.id, c.function.name, c.function.arguments) for c in calls]
    required = [(c.id, c.function.name, c.function.arguments) for c in result.run.tool_calls]
    assert streamed == required


async def test_second_stream_continues_the_same_run(
    tool_call_run: bytes, after_tool_outputs: bytes
) -> None:
    bot = Recorder()
    await bot.consume(tool_call_run)
    result = await bot.consume(after_tool_outputs)
    assert result.run is not None and result.run.status == "completed"
    assert result.text == "It is sunny in Paris and rainy in Tokyo."
    assert [s.id for s in result.run_steps] == ["step_tools", "step_final"]
    assert result.run_steps[0].status == "completed"
    # the tool calls streamed in the first body survive the empty list of the completion
    assert len(result.run_steps[0].tool_calls) == 2


async def test_submit_stream_alone_is_accepted_mid_run(after_tool_outputs: bytes) -> None:
    result = await Recorder().consume(after_tool_outputs)
    assert result.run is not None and result.run.status == "completed"


async def test_snapshot_is_the_message_after_each_delta(text_run: bytes) -> None:
    lengths: list[int] = []

    class Bot(ae.EventHandler):
        @ae.on("thread.message.delta")
        def snap(self, event: ae.Event) -> None:
            lengths.append(len(event.snapshot.text))

    await Bot().consume(text_run)
    assert lengths == [6 * i for i in range(1, 51)]


async def test_kept_events_keep_their_own_snapshot(text_run: bytes) -> None:
    kept: list[ae.Event] = []

    class Bot(ae.EventHandler):
        @ae.on("thread.message.delta")
        def keep(self, event: ae.Event) -> None:
            kept.append(event)

    await Bot().consume(text_run)
    assert [len(e.snapshot.text) for e in kept[:3]] == [6, 12, 18]


async def test_code_interpreter_deltas_accumulate(code_interpreter_run: bytes) -> None:
    seen: list[m.RunStep] = []

    class Bot(ae.EventHandler):
        @ae.on("thread.run.step.delta")
        def snap(self, event: ae.Event) -> None:
            seen.append(event.snapshot)

    result = await Bot().consume(code_interpreter_run)
    streamed = seen[-1].tool_calls
    code = streamed[0]
    assert isinstance(code, m.CodeInterpreterToolCall)
    assert code.code_interpreter.input == "import math\nprint(math.pi)"
    assert [type(o) for o in code.code_interpreter.outputs] == [
        m.CodeLogsOutput, m.CodeImageOutput,
    ]  # fmt: skip
    assert isinstance(streamed[1], m.FileSearchToolCall)
    assert result.run_steps[0].tool_calls == streamed


async def test_message_deltas_accumulate_annotations_and_parts(
    code_interpreter_run: bytes,
) -> None:
    snapshots: list[m.Message] = []

    class Bot(ae.EventHandler):
        @ae.on("thread.message.delta")
        def snap(self, event: ae.Event) -> None:
            snapshots.append(event.snapshot)

    result = await Bot().consume(code_interpreter_run)
    built = snapshots[-1]
    assert built.content == result.messages[0].content
    text = built.content[0]
    assert isinstance(text, m.TextContent)
    citation = text.text.annotations[0]
    assert isinstance(citation, m.FileCitationAnnotation)
    assert citation.file_citation.file_id == "file_doc"


async def test_any_chunking_gives_the_same_result(tool_call_run: bytes) -> None:
    whole = await Recorder().consume(tool_call_run)
    bot = Recorder()
    pieces = [tool_call_run[i : i + 7] for i in range(0, len(tool_call_run), 7)]
    assert await bot.consume(pieces) == whole


async def test_async_iterable_chunks_are_read(text_run: bytes) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(text_run), 4096):
            yield text_run[i : i + 4096]

    assert (await Recorder().consume(chunks())).text == "Hello " * 50


async def test_error_event_is_dispatched_then_raised() -> None:
    seen: list[ae.ErrorObject] = []

    class Bot(ae.EventHandler):
        @ae.on("error")
        def err(self, event: ae.Event) -> None:
            seen.append(event.data)

    body = sse("error", '{"error":{"message":"overloaded","type":"server_error","code":null}}')
    with pytest.raises(ae.StreamError, match="overloaded") as info:
        await Bot().consume(body)
    assert seen == [info.value.error]


async def test_handler_exception_propagates_with_the_event_name(text_run: bytes) -> None:
    class Bot(ae.EventHandler):
        @ae.on("thread.message.completed")
        def boom(self, event: ae.Event) -> None:
            raise ValueError("bad handler")

    with pytest.raises(ae.HandlerError, match=r"thread\.message\.completed") as info:
        await Bot().consume(text_run)
    assert isinstance(info.value.__cause__, ValueError)


async def test_cancelled_error_in_a_handler_is_not_caught(text_run: bytes) -> None:
    class Bot(ae.EventHandler):
        @ae.on("thread.message.delta")
        async def stop(self, event: ae.Event) -> None:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await Bot().consume(text_run)


async def test_truncated_stream_is_incomplete(text_run: bytes) -> None:
    cut = text_run[: text_run.index(b"event: thread.message.completed")]
    with pytest.raises(ae.IncompleteStream, match="run_abc123"):
        await Recorder().consume(cut)


async def test_truncated_stream_still_has_the_partial_message(text_run: bytes) -> None:
    cut = text_run[: text_run.index(b"event: thread.message.completed")]
    bot = Recorder()
    with pytest.raises(ae.IncompleteStream):
        await bot.consume(cut)
    assert bot.result.text == "Hello " * 50 and not bot.result.done


async def test_out_of_order_stream_raises_invalid_transition(text_run: bytes) -> None:
    events = text_run.split(b"\n\n")
    swapped = b"\n\n".join([events[0], events[2], events[1], *events[3:]])
    with pytest.raises(ae.InvalidTransition, match="'in_progress' -> 'queued'"):
        await Recorder().consume(swapped)


async def test_delta_before_message_created_is_invalid(text_run: bytes) -> None:
    events = text_run.split(b"\n\n")
    body = b"\n\n".join(
        e
        for e in events
        if b"event: thread.message.created" not in e
        and b"event: thread.message.in_progress" not in e
    )
    with pytest.raises(ae.InvalidTransition, match="msg_abc123"):
        await Recorder().consume(body)


async def test_non_strict_handler_reports_to_on_violation(text_run: bytes) -> None:
    seen: list[ae.Violation] = []

    class Lenient(ae.EventHandler):
        strict = False

        def on_violation(self, violation: ae.Violation) -> None:
            seen.append(violation)

    events = text_run.split(b"\n\n")
    swapped = b"\n\n".join([events[0], events[2], events[1], *events[3:]])
    result = await Lenient().consume(swapped)
    # the lifecycle adopts each status the server sends, so the swap costs two reports
    transitions = [v.error for v in seen if isinstance(v.error, ae.InvalidTransition)]
    assert len(transitions) == len(seen)
    assert [(t.from_status, t.to_status) for t in transitions] == [
        ("in_progress", "queued"), ("queued", "completed"),
    ]  # fmt: skip
    assert result.run is not None and result.run.status == "completed"


async def test_missing_id_is_a_decode_error() -> None:
    with pytest.raises(ae.EventDecodeError, match="'id'"):
        await ae.EventHandler().consume(sse("thread.run.created", '{"status":"queued"}'))


async def test_unknown_events_reach_wildcard_handlers() -> None:
    bot = Recorder()
    body = (
        sse("thread.run.created", '{"id":"r","status":"queued","thread_id":"t"}')
        + sse("thread.run.hibernating", '{"id":"r"}')
        + sse("done", "[DONE]")
    )
    await bot.consume(body)
    assert bot.names == ["thread.run.created", "thread.run.hibernating", "done"]


async def test_unread_deltas_are_never_structured(
    monkeypatch: pytest.MonkeyPatch, text_run: bytes
) -> None:
    import attrs

    from assistants_events import events as core

    structured: list[Any] = []
    kind = core._TYPES[ae.MESSAGE_DELTA]

    def spy(payload: Any) -> Any:
        structured.append(payload)
        assert kind.decode is not None
        return kind.decode(payload)

    monkeypatch.setitem(core._TYPES, ae.MESSAGE_DELTA, attrs.evolve(kind, decode=spy))
    await ae.EventHandler().consume(text_run)
    assert structured == []


async def test_reset_starts_a_new_run(text_run: bytes) -> None:
    bot = Recorder()
    await bot.consume(text_run)
    bot.reset()
    result = await bot.consume(text_run)
    assert len(result.messages) == 1


async def test_thread_created_is_kept_in_the_result() -> None:
    thread = {"id": "thread_1", "object": "thread", "created_at": 1}
    body = sse("thread.created", json.dumps(thread))
    result = await ae.EventHandler().consume(body)
    assert result.thread == m.Thread(id="thread_1", created_at=1)
