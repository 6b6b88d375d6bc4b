"""`bot.consume_openai(stream)` on the official SDK's Responses streams: as good as the bytes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest

import assistants_events as ae
from assistants_events.testing import Faults, MockAssistantsServer
from assistants_events.testing.core import encode

WEATHER_TOOL: Any = {
    "type": "function", "name": "get_weather", "description": "Weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}  # fmt: skip


class Trace(ae.EventHandler):
    """Records what a handler can see of each event."""

    def __init__(self) -> None:
        self.trace: list[tuple[str, int | None, str | None, Any]] = []

    @ae.on("*")
    def everything(self, event: ae.Event) -> None:
        self.trace.append((event.name, event.sequence_number, event.text_delta, event.snapshot))


@pytest.fixture
async def server() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer() as mock:
        yield mock


@pytest.fixture
async def sdk(server: MockAssistantsServer) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=server.url, api_key="x", max_retries=0) as client:
        yield client


def wire_bytes(server: MockAssistantsServer, response_id: str) -> bytes:
    """The response's full stream, as the server sends it."""
    return b"".join(encode(name, data) for name, data in server.response_events(response_id))


async def same_as_bytes(server: MockAssistantsServer, bot: Trace, result: ae.StreamResult) -> None:
    assert result.response is not None
    from_bytes = Trace()
    expected = await from_bytes.consume(wire_bytes(server, result.response.id))
    assert bot.trace == from_bytes.trace
    assert (result.response, result.text, result.usage, result.done) == (
        expected.response, expected.text, expected.usage, expected.done)  # fmt: skip


async def test_the_stream_helper_gives_the_same_result_as_the_bytes(
    sdk: openai.AsyncOpenAI, server: MockAssistantsServer
) -> None:
    bot = Trace()
    async with sdk.responses.stream(model="gpt-4.1", input="hello big world") as stream:
        result = await bot.consume_openai(stream)
    assert result.text == "Echo: hello big world" and result.done
    await same_as_bytes(server, bot, result)


async def test_create_stream_true_gives_the_same_result_as_the_bytes(
    sdk: openai.AsyncOpenAI, server: MockAssistantsServer
) -> None:
    bot = Trace()
    result = await bot.consume_openai(
        await sdk.responses.create(model="gpt-4.1", input="one two", stream=True)
    )
    await same_as_bytes(server, bot, result)


async def test_function_call_arguments_accumulate_from_the_sdk_stream(
    sdk: openai.AsyncOpenAI, server: MockAssistantsServer
) -> None:
    bot = Trace()
    async with sdk.responses.stream(model="gpt-4.1", input='get_weather {"city": "Oslo"}',
                                    tools=[WEATHER_TOOL]) as stream:  # fmt: skip
        result = await bot.consume_openai(stream)
    assert result.response is not None
    (call,) = result.response.function_calls
    assert call.arguments == '{"city": "Oslo"}'
    snapshots = [s for n, _, _, s in bot.trace if n == "response.function_call_arguments.delta"]
    assert snapshots[-1].arguments == call.arguments
    await same_as_bytes(server, bot, result)


async def test_a_resumed_sdk_stream_continues_the_same_handler(
    sdk: openai.AsyncOpenAI, server: MockAssistantsServer
) -> None:
    server.inject(Faults(drop_after=5))
    bot = Trace()
    stream = await sdk.responses.create(model="gpt-4.1", input="a b c d", background=True,
                                        stream=True)  # fmt: skip
    with pytest.raises(openai.APIConnectionError):
        await bot.consume_openai(stream)
    state = bot.state
    assert isinstance(state, ae.responses.ResponsesState) and bot.trace
    after = state.last_sequence_number
    assert after is not None
    state.resume_after(after)
    (rid,) = server.responses
    result = await bot.consume_openai(
        await sdk.responses.retrieve(rid, stream=True, starting_after=after)
    )
    assert result.done and result.text == "Echo: a b c d"
    played = [data["sequence_number"] for _, data in server.response_events(rid)]
    assert [seq for _, seq, _, _ in bot.trace] == played


async def test_plain_dict_events_are_read_too() -> None:
    events = [
        {"type": "response.created", "sequence_number": 0,
         "response": {"id": "resp_1", "object": "response", "status": "in_progress",
                      "output": []}},
        {"type": "response.completed", "sequence_number": 1,
         "response": {"id": "resp_1", "object": "response", "status": "completed",
                      "output": []}},
    ]  # fmt: skip
    result = await Trace().consume_openai(events)
    assert result.done and result.response is not None and result.response.id == "resp_1"


async def test_an_empty_sdk_stream_gives_an_empty_result() -> None:
    result = await Trace().consume_openai([])
    assert result == ae.StreamResult()


async def test_something_that_is_no_sdk_event_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not an event of an official SDK stream"):
        await Trace().consume_openai([42])
