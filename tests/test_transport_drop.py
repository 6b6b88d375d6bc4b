"""A stream that breaks: every complete event received before the drop is dispatched."""

from __future__ import annotations

import asyncio
import json

import pytest

import assistants_events as ae
from tests.conftest import client_for

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"


def chunk(index: int) -> bytes:
    data = {"id": "run_1", "object": "thread.run", "thread_id": "thread_1", "n": index}
    frame = f"event: mock.event\ndata: {json.dumps(data)}\n\n".encode()
    return f"{len(frame):x}\r\n".encode() + frame + b"\r\n"


async def test_events_received_before_a_drop_all_reach_a_slow_handler_then_the_error() -> None:
    first_seen = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(HEAD + chunk(1))
        await writer.drain()
        await first_seen.wait()  # the rest arrives while the handler is busy
        writer.write(b"".join(chunk(i) for i in range(2, 14)))
        await writer.drain()
        writer.transport.abort()  # no final chunk: the body is cut

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    seen: list[int] = []
    stream: ae.RunStream | None = None

    class Slow(ae.EventHandler):
        @ae.on("*")
        async def record(self, event: ae.Event) -> None:
            seen.append(event.json["n"])
            if len(seen) == 1:
                first_seen.set()
                assert stream is not None
                # busy until aiohttp has seen the drop, with 12 events in its buffer
                while stream.response.content.exception() is None:  # noqa: ASYNC110 - aiohttp offers no event for it
                    await asyncio.sleep(0.01)

    try:
        async with client_for(f"http://127.0.0.1:{port}/v1", max_retries=0) as client:
            stream = await client.stream("POST", "/threads/thread_1/runs", {})
            with pytest.raises(ae.APIConnectionError) as info:
                async with stream:
                    await Slow().consume(stream)
    finally:
        server.close()
    assert seen == list(range(1, 14))
    assert f"after {stream.bytes_read} bytes" in str(info.value)
