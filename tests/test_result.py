"""`StreamResult`: fields built when first read, yet a picture of the moment it was returned."""

from __future__ import annotations

from typing import Any

import pytest

import assistants_events as ae
from assistants_events.assistants import accumulate
from benchmarks import responses_transcripts as rt
from benchmarks import transcripts as at


async def test_a_result_held_across_the_next_stream_keeps_its_own_run() -> None:
    bot = ae.EventHandler()
    first = await bot.consume(at.tool_call_run())
    second = await bot.consume(at.after_tool_outputs_run("Sunny."))
    assert first.run is not None and first.run.status == "requires_action"
    assert first.text == "" and first.messages == []
    assert second.run is not None and second.run.status == "completed"
    assert second.text == "Sunny."


async def test_a_result_held_across_the_next_response_keeps_its_own_responses() -> None:
    bot = ae.EventHandler()
    first = await bot.consume(rt.function_call_response())
    # the next round of a tool loop: a new response
    await bot.consume(rt.text_response(3, "Hi ").replace(rt.RESPONSE_ID.encode(), b"resp_2"))
    assert len(first.responses) == 1 and first.response is first.responses[0]
    assert first.text == ""


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One entry per typed message snapshot built."""
    calls: list[str] = []
    plain = accumulate._MessageBuilder.snapshot

    def counted(self: Any) -> Any:
        calls.append("message")
        return plain(self)

    monkeypatch.setattr(accumulate._MessageBuilder, "snapshot", counted)
    return calls


async def test_an_unread_result_builds_no_message_snapshot(built: list[str]) -> None:
    bot = ae.EventHandler()
    await bot.consume(at.text_run(5))  # the result is dropped unread
    later = await bot.consume(b"")  # a new body: the state moves on
    assert built == []
    assert "Hello" in later.text
    assert built == ["message"]


async def test_reading_the_run_builds_no_message_snapshot(built: list[str]) -> None:
    result = await ae.EventHandler().consume(at.text_run(5))
    assert result.run is not None and result.run.status == "completed"
    assert built == []


async def test_a_deferred_result_equals_the_same_result_built_eagerly() -> None:
    result = await ae.EventHandler().consume(at.text_run(5))
    fields = {name: getattr(result, name) for name in ("run", "messages", "run_steps", "usage",
              "done", "text", "thread", "runs", "response", "responses")}  # fmt: skip
    eager = ae.StreamResult(**fields)
    assert result == eager and repr(result) == repr(eager)
    assert result != ae.StreamResult()


def test_a_result_cannot_be_changed() -> None:
    result = ae.StreamResult(text="x")
    with pytest.raises(AttributeError, match="frozen"):
        result.text = "y"


def test_a_deferred_result_refuses_a_field_it_does_not_have() -> None:
    with pytest.raises(TypeError, match="no field"):
        ae.StreamResult.deferred({"answer": lambda r: 42})


async def test_a_field_that_cannot_be_built_raises_when_read_not_when_the_state_moves_on() -> None:
    # A function call without its `function`: the snapshot's RunStep cannot be built.
    step = (
        '{"id": "s", "object": "thread.run.step", "status": "%s", "step_details": '
        '{"type": "tool_calls", "tool_calls": [{"id": "c", "type": "function"}]}}'
    )
    body = (
        f"event: thread.run.step.created\ndata: {step % 'in_progress'}\n\n"
        f"event: thread.run.step.completed\ndata: {step % 'completed'}\n\n"
    )

    class Lenient(ae.EventHandler):
        strict = False

    bot = Lenient()
    held = await bot.consume(body.encode())
    await bot.consume(b"")  # the state moves on: `held` is frozen, its error kept
    with pytest.raises(ae.EventDecodeError, match=r"tool_calls\[0\]\.function"):
        held.run_steps  # noqa: B018 - reading is what raises
    assert held.messages == []


def test_a_field_built_from_a_failing_field_leaves_both_failing_with_the_same_error() -> None:
    def broken(result: ae.StreamResult) -> list[Any]:
        raise ae.EventDecodeError("thread.run.completed", "bad run")

    def make() -> ae.StreamResult:
        return ae.StreamResult.deferred(
            {"run": lambda r: r.runs[-1] if r.runs else None, "runs": broken}
        )

    read, frozen = make(), make()
    frozen.freeze()
    for result in (read, frozen):
        for name in ("run", "runs", "run"):
            with pytest.raises(ae.EventDecodeError, match="bad run"):
                getattr(result, name)
