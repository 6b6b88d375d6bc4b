"""A browser-like client drops its stream and reconnects to another web node."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import aiohttp
import pytest_asyncio
from aiohttp import web

import assistants_events as ae
from assistants_events.relay import RedisRelay
from tests.conftest import fixture_bytes
from tests.relay.conftest import free_port


def load_example() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "examples" / "relay_web.py"
    spec = importlib.util.spec_from_file_location("relay_web_example", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest_asyncio.fixture
async def nodes(redis_url: str, prefix: str) -> AsyncIterator[list[str]]:
    """Two web nodes, each with its own RedisRelay on the same Redis."""
    example = load_example()
    runners, urls = [], []
    for _ in range(2):
        relay = RedisRelay(redis_url, prefix=prefix)
        runner = web.AppRunner(example.make_app(relay))
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append((runner, relay))
        urls.append(f"http://127.0.0.1:{port}")
    yield urls
    for runner, relay in runners:
        await runner.cleanup()
        await relay.close()


async def published(redis_url: str, prefix: str, key: str) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    handler = ae.EventHandler()
    handler.include_router(ae.Router()).on("*")(lambda e: seen.append((e.name, e.raw)))
    async with RedisRelay(redis_url, prefix=prefix) as relay:
        handler.include_router(relay.publisher(key))
        await handler.consume(fixture_bytes("tool_call_run.sse"))
        await handler.consume(fixture_bytes("after_tool_outputs.sse"))
    return seen


def browser_last_id(body: bytes) -> str | None:
    """What `EventSource.lastEventId` holds after this body: its last `id:` line."""
    ids = [line[4:] for line in body.decode().split("\n") if line.startswith("id: ")]
    return ids[-1] if ids else None


async def read_events(
    http: aiohttp.ClientSession, url: str, last_id: str | None, limit: int | None = None
) -> tuple[int, list[ae.ServerSentEvent], bytes]:
    headers = {"Last-Event-ID": last_id} if last_id else {}
    decoder = ae.SSEDecoder()
    events: list[ae.ServerSentEvent] = []
    body = b""
    async with http.get(url, headers=headers) as response:
        async for chunk in response.content.iter_any():
            body += chunk
            events.extend(decoder.feed(chunk))
            if limit is not None and len(events) >= limit:
                return response.status, events[:limit], body  # hang up mid-stream
        events.extend(decoder.close())
        return response.status, events, body


async def test_reconnecting_to_another_node_with_last_event_id_continues_exactly(
    nodes: list[str], redis_url: str, prefix: str
) -> None:
    original = await published(redis_url, prefix, "run_1")
    async with aiohttp.ClientSession() as http:
        _, first, _ = await read_events(http, f"{nodes[0]}/stream/run_1", None, limit=7)
        _, rest, _ = await read_events(http, f"{nodes[1]}/stream/run_1", first[-1].id)

    assert [(e.event, e.data) for e in first + rest] == original


async def test_a_reconnect_after_the_end_gets_204_so_eventsource_stops(
    nodes: list[str], redis_url: str, prefix: str
) -> None:
    await published(redis_url, prefix, "run_1")
    async with aiohttp.ClientSession() as http:
        _, _, body = await read_events(http, f"{nodes[0]}/stream/run_1", None)
        status, again, _ = await read_events(
            http, f"{nodes[1]}/stream/run_1", browser_last_id(body)
        )

    assert (status, again) == (204, [])
