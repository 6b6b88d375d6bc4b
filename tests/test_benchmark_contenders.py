"""The benchmark's contenders read the same values from the same bytes; its streams are sound."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import assistants_events as ae
from assistants_events.responses.models import FunctionCall
from benchmarks import contenders as c
from benchmarks import responses_transcripts as rt
from benchmarks import transcripts as at


async def test_responses_text_response_gives_every_delta_in_strict_mode() -> None:
    result = await ae.EventHandler().consume(rt.text_response(300, word="ab "))
    assert result.text == "ab " * 300
    assert result.response is not None and result.response.status == "completed"


async def test_responses_function_call_response_streams_the_arguments_piece_by_piece() -> None:
    arguments = [json.dumps({"city": "Paris"}), json.dumps({"city": "Tokyo", "unit": "f"})]
    body = rt.function_call_response(arguments, piece=3)
    result = await ae.EventHandler().consume(body)
    assert result.response is not None
    calls = [item for item in result.response.output if isinstance(item, FunctionCall)]
    assert [call.arguments for call in calls] == arguments
    pieces = sum(-(-len(a) // 3) for a in arguments)
    assert body.count(b"event: response.function_call_arguments.delta\n") == pieces


BODIES: dict[str, Callable[[], bytes]] = {
    "assistants text": lambda: at.text_run(50, word="ab "),
    "assistants arguments": lambda: at.tool_call_run(['{"city":"Paris"}'] * 3),
    "assistants mixed": at.mixed_run,
    "responses text": lambda: rt.text_response(50, word="ab "),
    "responses arguments": lambda: rt.function_call_response(['{"city":"Paris"}'] * 3),
}


@pytest.mark.parametrize("scenario", list(BODIES))
async def test_floor_reads_the_deltas_consume_dispatches(scenario: str) -> None:
    body = BODIES[scenario]()
    readers = c.FLOOR_READERS[scenario]
    floor_seen: list[tuple[str, Any]] = []
    ours_seen: list[tuple[str, Any]] = []

    def recording(name: str) -> c.Reader:
        return lambda data: floor_seen.append((name, readers[name](data)))

    class Recorder(ae.EventHandler):
        @ae.on(*readers)
        def record(self, event: ae.Event) -> None:
            ours_seen.append((event.name, readers[event.name](event.json)))

    count = await c.floor(json.loads, {name: recording(name) for name in readers})(
        c.chunked(body, 97)
    )
    await Recorder().consume(c.chunked(body, 97))
    assert count == c.count_events(body)
    assert floor_seen == ours_seen
    assert len(floor_seen) > 0


@pytest.mark.parametrize("scenario", list(BODIES))
async def test_our_contender_reads_every_delta_of_its_scenario(scenario: str) -> None:
    result = await c.OUR_HANDLERS[scenario]().consume(c.chunked(BODIES[scenario]()))
    assert result.done
