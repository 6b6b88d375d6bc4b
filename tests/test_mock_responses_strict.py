"""The mock's Responses streams against this library's strict lifecycle: clean ones pass
with no quirk but the genuine ones they imitate, faulty ones raise the typed error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

import assistants_events as ae
from assistants_events.testing import Faults, MockAssistantsServer

WEATHER_TOOL = {"type": "function", "name": "get_weather", "parameters": {"type": "object"}}


class Quirks(ae.EventHandler):
    """A strict handler that keeps the quirk codes it was told about."""

    def __init__(self) -> None:
        super().__init__()
        self.quirks: list[str] = []

    def on_quirk(self, quirk: ae.Quirk) -> None:
        self.quirks.append(quirk.code)


@pytest.fixture
async def server() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer() as mock:
        yield mock


async def body_of(server: MockAssistantsServer, path: str = "/responses",
                  faults: Faults | None = None, **body: Any) -> bytes:  # fmt: skip
    """The raw bytes of one stream (up to a drop)."""
    if faults is not None:
        server.inject(faults)
    headers = {"Authorization": "Bearer k"}
    method, json_body = ("POST", {"model": "m", "stream": True, **body}) if body else ("GET", None)
    raw = b""
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, server.url + path, json=json_body, headers=headers) as answer,
    ):
        try:
            async for chunk in answer.content.iter_any():
                raw += chunk
        except aiohttp.ClientPayloadError:
            pass
    return raw


CLEAN: dict[str, tuple[dict[str, Any], Faults | None, list[str]]] = {
    "text": ({"input": "plain words"}, None, []),
    "tool calls": ({"input": 'get_weather {"city": "Rome"}', "tools": [WEATHER_TOOL]}, None, []),
    "incomplete": ({"input": "x"}, Faults(run_outcome="incomplete"), []),
    "max_output_tokens": ({"input": " ".join(["w"] * 20), "max_output_tokens": 16}, None, []),
    "background": ({"input": "later", "background": True}, None, ["created-already-queued"]),
    "keepalive": ({"input": "a b c d"}, Faults(keepalive_every=2), ["keepalive-sequence-number"]),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(CLEAN))
async def test_clean_streams_pass_strict_mode(server: MockAssistantsServer, kind: str) -> None:
    body, faults, quirks = CLEAN[kind]
    handler = Quirks()
    result = await handler.consume(await body_of(server, faults=faults, **body))
    assert result.done and handler.quirks == quirks


async def test_tool_loop_streams_pass_strict_mode(server: MockAssistantsServer) -> None:
    handler = Quirks()
    first = await handler.consume(await body_of(
        server, input='get_weather {"city": "Oslo"}', tools=[WEATHER_TOOL]))  # fmt: skip
    assert first.response is not None
    call = next(iter(server.responses.values()))["output"][0]
    answer = {"type": "function_call_output", "call_id": call["call_id"], "output": "rain"}
    await handler.consume(
        await body_of(server, previous_response_id=first.response.id, input=[answer])
    )
    assert handler.result.text == "Tool results: get_weather said rain"
    assert handler.quirks == []


async def test_resumed_stream_continues_where_the_drop_left(server: MockAssistantsServer) -> None:
    handler = Quirks()
    dropped = await body_of(server, faults=Faults(drop_after=5), input="a b c", background=True)
    with pytest.raises(ae.IncompleteStream):
        await handler.consume(dropped)
    rid = next(iter(server.responses))
    resumed = await body_of(server, f"/responses/{rid}?stream=true&starting_after=4")
    result = await Quirks().consume(resumed)
    assert result.done and result.text == "Echo: a b c"


@pytest.mark.parametrize(("faults", "error"), [
    (Faults(drop_after=4), ae.IncompleteStream),
    (Faults(error_after=4), ae.StreamError),
    (Faults(error_after=4, error_shape="nested"), ae.StreamError),
    (Faults(run_outcome="failed"), None),
    (Faults(out_of_order=True), ae.InvalidTransition),
    (Faults(malformed_after=3), ae.EventDecodeError),
])  # fmt: skip
async def test_faulty_streams_end_in_the_typed_outcome(
    server: MockAssistantsServer, faults: Faults, error: type[Exception] | None
) -> None:
    raw = await body_of(server, faults=faults, input="one two three")
    if error is None:
        result = await Quirks().consume(raw)
        assert result.done and result.response is not None
        assert result.response.status == "failed"
    else:
        with pytest.raises(error):
            await Quirks().consume(raw)
