"""`await Handler().consume(responses_sse_bytes)`: the Responses protocol through the core."""

from __future__ import annotations

from typing import Any

import pytest

import assistants_events as ae
from assistants_events.responses import ResponsesState
from assistants_events.responses import models as m

from .script import Script, call_json, message_json, render, usage_json


def _weather_round() -> Script:
    script = Script().start()
    script.message("msg_1", 0, ["Sun", "ny"])
    script.function_call("fc_1", 1, "call_1", "get_weather", ['{"city":', '"Paris"}'])
    output = [
        message_json("msg_1", "Sunny"),
        call_json("fc_1", "call_1", "get_weather", '{"city":"Paris"}', "completed"),
    ]
    return script.completed(output=output, usage=usage_json(12, 4))


class Recorder(ae.EventHandler):
    def __init__(self) -> None:
        self.events: list[ae.Event] = []
        self.texts: list[str] = []
        self.arguments: list[str] = []

    @ae.on("*")
    def everything(self, event: ae.Event) -> None:
        self.events.append(event)

    @ae.on("response.output_text.delta")
    def text(self, event: ae.Event) -> None:
        self.texts.append(event.snapshot.text)

    @ae.on("response.function_call_arguments.delta")
    def args(self, event: ae.Event) -> None:
        self.arguments.append(event.snapshot.arguments)


async def test_consume_returns_the_response_text_usage_and_done() -> None:
    result = await Recorder().consume(_weather_round().sse())
    assert isinstance(result.response, m.Response)
    assert (result.text, result.done) == ("Sunny", True)
    assert [r.id for r in result.responses] == ["resp_1"]
    assert result.usage == m.ResponseUsage(
        12, 4, 16, m.InputTokensDetails(0), m.OutputTokensDetails(0)
    )


async def test_the_protocol_is_told_by_the_first_response_event() -> None:
    bot = Recorder()
    await bot.consume(_weather_round().sse())
    assert type(bot.state).__name__ == "ResponsesState"


async def test_event_data_is_the_typed_payload() -> None:
    bot = Recorder()
    await bot.consume(_weather_round().sse())
    kinds = {e.name: type(e.data) for e in bot.events}
    assert kinds["response.created"] is m.ResponseEvent
    assert kinds["response.output_item.added"] is m.OutputItemEvent
    assert kinds["response.output_text.delta"] is m.OutputTextDeltaEvent
    assert kinds["response.function_call_arguments.done"] is m.ArgumentsDoneEvent


async def test_text_delta_sequence_number_and_object_id_of_a_text_delta() -> None:
    bot = Recorder()
    await bot.consume(_weather_round().sse())
    deltas = [e for e in bot.events if e.name == "response.output_text.delta"]
    assert [(e.text_delta, e.sequence_number, e.object_id) for e in deltas] == [
        ("Sun", 4, "msg_1"),
        ("ny", 5, "msg_1"),
    ]


async def test_text_delta_is_none_for_other_deltas() -> None:
    bot = Recorder()
    await bot.consume(_weather_round().sse())
    arguments = [e for e in bot.events if e.name == "response.function_call_arguments.delta"]
    assert {e.text_delta for e in arguments} == {None}


async def test_the_snapshot_of_each_delta_is_the_item_so_far() -> None:
    bot = Recorder()
    await bot.consume(_weather_round().sse())
    assert bot.texts == ["Sun", "Sunny"]
    assert bot.arguments == ['{"city":', '{"city":"Paris"}']


async def test_a_kept_delta_event_keeps_its_snapshot() -> None:
    bot = Recorder()
    await bot.consume(_weather_round().sse())
    first = next(e for e in bot.events if e.name == "response.output_text.delta")
    assert first.snapshot.text == "Sun"


async def test_an_error_event_is_dispatched_then_raised_after_the_failed_response() -> None:
    script = Script().start()
    script.add("error", error={"type": "server_error", "code": "server_error",
                               "message": "boom", "param": None})  # fmt: skip
    script.response("response.failed", "failed", error={"code": "server_error",
                                                         "message": "boom"})  # fmt: skip
    bot = Recorder()
    with pytest.raises(ae.StreamError, match="boom"):
        await bot.consume(script.sse())
    assert [e.name for e in bot.events][-2:] == ["error", "response.failed"]
    assert bot.result.response is not None and bot.result.response.status == "failed"


async def test_a_stream_cut_short_raises_incomplete_stream() -> None:
    with pytest.raises(ae.IncompleteStream):
        await Recorder().consume(Script().start().sse())


async def test_a_violation_raises_invalid_transition_from_consume() -> None:
    script = Script().start()
    script.text_delta("msg_9", 0, "x")
    with pytest.raises(ae.InvalidTransition, match="never added"):
        await Recorder().consume(script.sse())


async def test_not_strict_reports_violations_to_the_handler() -> None:
    class Lenient(Recorder):
        strict = False

        def __init__(self) -> None:
            super().__init__()
            self.violations: list[ae.Violation] = []

        def on_violation(self, violation: ae.Violation) -> None:
            self.violations.append(violation)

    script = Script().start()
    script.text_delta("msg_9", 0, "x")
    bot = Lenient()
    await bot.consume(script.completed().sse())
    assert len(bot.violations) == 1


async def test_quirks_reach_the_handler() -> None:
    class Counting(Recorder):
        def __init__(self) -> None:
            super().__init__()
            self.quirks: list[ae.Quirk] = []

        def on_quirk(self, quirk: ae.Quirk) -> None:
            self.quirks.append(quirk)

    bot = Counting()
    await bot.consume(Script(numbered=False).start().completed().sse())
    assert [q.code for q in bot.quirks] == ["no-sequence-number"]


async def test_keepalive_reaches_a_handler_subscribed_to_it() -> None:
    class Alive(ae.EventHandler):
        def __init__(self) -> None:
            self.beats: list[Any] = []

        @ae.on("keepalive")
        def beat(self, event: ae.Event) -> None:
            self.beats.append(event.sequence_number)

    script = Script().start()
    script.add("keepalive")
    bot = Alive()
    await bot.consume(script.completed().sse())
    assert bot.beats == [2]


async def test_an_unknown_event_is_dispatched_to_wildcards_with_its_json() -> None:
    script = Script().start()
    script.add("response.apply_patch_call_operation_diff.delta", item_id="ap_1",
               output_index=0, delta="+x")  # fmt: skip
    bot = Recorder()
    await bot.consume(script.completed().sse())
    odd = next(e for e in bot.events if e.name.startswith("response.apply_patch"))
    assert odd.data["delta"] == "+x"


async def test_a_tool_loop_of_two_streams_keeps_both_responses_and_sums_usage() -> None:
    bot = Recorder()
    await bot.consume(_weather_round().sse())
    second = Script(response_id="resp_2").start().message("msg_2", 0, ["Done."])
    result = await bot.consume(
        second.completed(output=[message_json("msg_2", "Done.")], usage=usage_json(30, 2)).sse()
    )
    assert [r.id for r in result.responses] == ["resp_1", "resp_2"]
    assert result.text == "Done."
    assert result.usage is not None and result.usage.total_tokens == 16 + 32


async def test_a_resumed_stream_continues_where_the_dropped_one_stopped() -> None:
    full = _weather_round()
    cut = 6  # the dropped connection delivered events 0..5
    bot = Recorder()
    with pytest.raises(ae.IncompleteStream):
        await bot.consume(render(full.events[:cut]))
    state = bot.state
    assert isinstance(state, ResponsesState)
    state.resume_after(state.last_sequence_number or 0)
    result = await bot.consume(render(full.events[cut:]))
    assert result.done and result.text == "Sunny"
    seen = [e.sequence_number for e in bot.events if e.sequence_number is not None]
    assert seen == list(range(len(full.events)))


async def test_a_resumed_stream_that_skips_an_event_is_a_lost_event() -> None:
    full = _weather_round()
    bot = Recorder()
    with pytest.raises(ae.IncompleteStream):
        await bot.consume(render(full.events[:6]))
    state = bot.state
    assert isinstance(state, ResponsesState)
    state.resume_after(5)
    with pytest.raises(ae.InvalidTransition, match="lost"):
        await bot.consume(render(full.events[7:]))


async def test_response_and_item_views_are_registered_for_the_core() -> None:
    bot = Recorder()
    await bot.consume(_weather_round().sse())
    completed = next(e for e in bot.events if e.name == "response.completed")
    added = next(e for e in bot.events if e.name == "response.output_item.added")
    assert completed._view("response").status == "completed"
    assert isinstance(added._view("item"), m.OutputMessage)
    assert added._view("response") is None
