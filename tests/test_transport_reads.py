"""How a stream reads aiohttp's buffer: everything buffered at once, flow control kept."""

from __future__ import annotations

import asyncio
import json

import pytest

import assistants_events as ae
from assistants_events import transport
from tests.conftest import client_for

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"


def chunk(index: int, pad: int = 0) -> bytes:
    data = {"id": "run_1", "object": "thread.run", "thread_id": "thread_1", "n": index}
    frame = f"event: mock.event\ndata: {json.dumps(data)}{' ' * pad}\n\n".encode()
    return f"{len(frame):x}\r\n".encode() + frame + b"\r\n"


async def read_all_late(body: bytes) -> tuple[list[int], int, bool]:
    """Serve `body` (HTTP chunks, then the last chunk), read it only once all was sent.

    Returns the events' numbers in the order read, the chunks the stream handed
    out, and whether aiohttp had paused reading the connection meanwhile.
    """
    sent = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(HEAD + body + b"0\r\n\r\n")
        sent.set()  # written to the socket's buffer; the client's stays unread for now
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    seen: list[int] = []
    chunks = 0
    try:
        async with client_for(f"http://127.0.0.1:{port}/v1", max_retries=0) as client:
            stream = await client.stream("POST", "/threads/thread_1/runs", {})
            await sent.wait()
            content = stream.response.content
            protocol = content._protocol
            for _ in range(500):  # until aiohttp's buffer is full and reading paused
                if protocol._reading_paused:
                    break
                await asyncio.sleep(0.01)
            paused = protocol._reading_paused
            decoder = ae.SSEDecoder()
            async with stream:
                async for data in stream:
                    chunks += 1
                    seen += [json.loads(e.data)["n"] for e in decoder.feed(data)]
    finally:
        server.close()
    return seen, chunks, paused


@pytest.fixture(params=["whole reads", "plain reads"])
def reads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways a stream reads: the whole buffer at once, and aiohttp's own reads (an
    aiohttp without the internals the whole reads use)."""
    if request.param == "plain reads":
        monkeypatch.setattr(transport, "_whole_reads", lambda content: False)
    return str(request.param)


async def test_a_body_of_more_small_chunks_than_aiohttp_buffers_arrives_whole(reads: str) -> None:
    # aiohttp pauses reading past 4096 pending HTTP chunks: the reads must resume it.
    count = 6000
    seen, chunks, paused = await asyncio.wait_for(
        read_all_late(b"".join(chunk(i) for i in range(count))), 60
    )
    assert paused
    assert seen == list(range(count))
    if reads == "whole reads":
        assert chunks < count  # every chunk buffered is taken by one read


async def test_a_body_larger_than_aiohttp_buffers_arrives_whole(reads: str) -> None:
    # aiohttp pauses reading past twice its read buffer size (256 KiB in 3.14):
    # the reads must resume it.
    count = 250
    seen, _, paused = await asyncio.wait_for(
        read_all_late(b"".join(chunk(i, pad=8000) for i in range(count))), 60
    )
    assert paused
    assert seen == list(range(count))


def test_an_aiohttp_without_the_buffer_internals_is_read_the_plain_way() -> None:
    class Bare:
        pass

    assert not transport._whole_reads(Bare())  # type: ignore[arg-type]
