"""Pull-style streaming: the driver's events as an async iterator, with its guarantees."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from typing import Any, TypedDict

import aiohttp
import pytest
from aiohttp import web

import assistants_events as ae
from assistants_events.testing import Faults, MockAssistantsServer
from tests.conftest import client_for


class Weather(ae.EventHandler):
    @ae.tool
    async def get_weather(self, city: str) -> str:
        """Weather for a city."""
        return f"sunny in {city}"


class RunOn(TypedDict):
    """Where a run goes: `**` it into `stream_run`, each key a keyword it names."""

    thread_id: str
    assistant_id: str


async def start(client: ae.AssistantsClient) -> RunOn:
    assistant = await client.create_assistant("gpt-4o", tools=Weather.tool_definitions())
    ask = 'get_weather {"city": "Paris"}'  # the mock's model calls the tool it is told to
    thread = await client.create_thread([{"role": "user", "content": ask}])
    return {"thread_id": thread.id, "assistant_id": assistant.id}


async def test_iterating_yields_every_event_and_answers_the_tools() -> None:
    async with MockAssistantsServer() as server, client_for(server.url) as client:
        names: list[str] = []
        async with Weather().stream_run(client, **await start(client)) as events:
            async for event in events:
                names.append(event.name)
        assert names[-1] == "done" and "thread.run.requires_action" in names
        assert events.result.run is not None and events.result.run.status == "completed"
        assert "sunny in Paris" in events.result.text


async def test_the_handlers_own_subscriptions_still_run() -> None:
    seen: list[str] = []

    class Bot(Weather):
        @ae.on("thread.message.delta")
        def show(self, event: ae.Event) -> None:
            seen.append(event.text_delta or "")

    async with MockAssistantsServer() as server, client_for(server.url) as client:
        params = await start(client)
        async with Bot().stream_run(client, **params) as events:
            streamed = [e.text_delta async for e in events if e.name == "thread.message.delta"]
    assert streamed == seen and "".join(seen)


async def test_leaving_early_cancels_the_run_on_the_server() -> None:
    slow = Faults(delta_delay=0.01)
    async with MockAssistantsServer(faults=slow) as server, client_for(server.url) as client:
        params = await start(client)
        async with Weather().stream_run(client, **params) as events:
            async for event in events:
                if event.name == "thread.message.delta":
                    break
        for _ in range(100):
            runs = list(server.store.runs.values())
            if runs and runs[0].status == "cancelled":
                break
            await asyncio.sleep(0.01)
        assert [r.status for r in server.store.runs.values()] == ["cancelled"]


async def test_a_driver_error_is_raised_from_the_iteration() -> None:
    async with MockAssistantsServer() as server, client_for(server.url) as client:
        params: RunOn = {"thread_id": "thread_missing", "assistant_id": "asst_missing"}
        with pytest.raises(ae.NotFoundError):
            async with Weather().stream_run(client, **params) as events:
                async for _ in events:
                    pass


async def test_reading_the_result_before_the_end_is_an_error() -> None:
    async with MockAssistantsServer() as server, client_for(server.url) as client:
        async with Weather().stream_run(client, **await start(client)) as events:
            with pytest.raises(ae.AssistantsEventsError, match="not finished"):
                _ = events.result
            async for _ in events:
                pass
        assert events.result.done


async def test_one_handler_cannot_stream_twice_at_once() -> None:
    async with MockAssistantsServer() as server, client_for(server.url) as client:
        bot = Weather()
        params = await start(client)
        async with bot.stream_run(client, **params) as events:
            with pytest.raises(ae.AssistantsEventsError, match="already streaming"):
                async with bot.stream_run(client, **params):
                    pass
            async for _ in events:
                pass


def load_web_example() -> Any:
    path = Path(__file__).parent.parent / "examples" / "web_sse.py"
    spec = importlib.util.spec_from_file_location("web_sse_example", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_a_browser_that_goes_away_cancels_the_run() -> None:
    web_sse = load_web_example()
    slow = Faults(delta_delay=0.02)
    async with MockAssistantsServer(faults=slow) as server, client_for(server.url) as client:
        assistant = await client.create_assistant("gpt-4o")
        runner = web.AppRunner(web_sse.make_app(client, assistant.id))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            async with aiohttp.ClientSession() as session:
                got = await session.get(f"http://127.0.0.1:{port}/chat", params={"q": "w " * 200})
                assert got.headers["Content-Type"] == "text/event-stream"
                first = await got.content.readline()
                assert first == b"event: delta\n"
                got.close()  # the browser tab is closed
            for _ in range(200):
                if [r.status for r in server.store.runs.values()] == ["cancelled"]:
                    break
                await asyncio.sleep(0.02)
            assert [r.status for r in server.store.runs.values()] == ["cancelled"]
        finally:
            await runner.cleanup()
