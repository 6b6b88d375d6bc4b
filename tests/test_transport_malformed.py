"""Malformed HTTP answers: typed errors, and the API key in no error and no log line.

Each case is a raw TCP server on 127.0.0.1 that reads the request and answers with
crafted bytes; the client logs at DEBUG and every record, error message, args, repr
and cause/context chain is searched for the key.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

import assistants_events as ae
from tests.conftest import client_for

KEY = "sk-malformed-SECRET-0123456789"

OK_SSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
FRAME = b"event: thread.run.created\ndata: {}\n\n"
FIRST_CHUNK = f"{len(FRAME):x}\r\n".encode() + FRAME + b"\r\n"

# name -> bytes answered to any request (the key may be echoed: servers see it)
MALFORMED: dict[str, Callable[[bytes], bytes]] = {
    "bad header line": lambda req: (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nBad Header\r\n\r\n{}"
    ),
    "header echoing the request": lambda req: (
        b"HTTP/1.1 200 OK\r\nX-Echo: " + req[:300] + b"\r\n\r\n{}"
    ),
    "header line without colon echoing the key": lambda req: (
        b"HTTP/1.1 200 OK\r\n"
        + b"".join(line.replace(b":", b"") for line in req.split(b"\r\n") if b"Bearer" in line)
        + b"\r\n\r\n{}"
    ),
    "bad chunk size": lambda req: (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n"
    ),
    "br encoding": lambda req: (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Encoding: br\r\nContent-Length: 5\r\n\r\nxxxxx"
    ),
    "zstd encoding": lambda req: (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Encoding: zstd\r\nContent-Length: 5\r\n\r\nxxxxx"
    ),
    "broken gzip": lambda req: (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Encoding: gzip\r\nContent-Length: 5\r\n\r\nxxxxx"
    ),
    "invalid status line": lambda req: b"HTTP/1.1 ABC OK\r\n\r\n",
    "status line echoing the key": lambda req: b"HTTP/1.1 2x0 " + KEY.encode() + b"\r\n\r\n",
    "not HTTP at all": lambda req: b"\x00\x01garbage\r\n\r\n",
    "truncated body": lambda req: (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    ),
    "event stream with a bad chunk mid-way": lambda req: OK_SSE + FIRST_CHUNK + b"ZZ\r\nxx\r\n",
    "event stream in broken gzip": lambda req: (
        OK_SSE.replace(b"\r\n\r\n", b"\r\nContent-Encoding: gzip\r\n\r\n") + b"5\r\nxxxxx\r\n"
    ),
}


@asynccontextmanager
async def raw_server(answer: Callable[[bytes], bytes]) -> AsyncIterator[str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n\r\n")
            writer.write(answer(request))
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.close()


def chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [item.__cause__, item.__context__]
    return seen


def assert_no_key(exc: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    for item in chain(exc):
        for text in (str(item), repr(item), repr(item.args), repr(vars(item))):
            assert KEY not in text, f"key in {type(item).__name__}: {text[:200]}"
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + repr(record.exc_info)
        assert KEY not in text, f"key in log record {record.name}: {text[:200]}"
    assert KEY not in caplog.text


@pytest.mark.parametrize("kind", sorted(MALFORMED))
async def test_malformed_answer_to_a_request_raises_a_typed_error_without_the_key(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with raw_server(MALFORMED[kind]) as url, client_for(url, KEY, max_retries=1) as client:
        with pytest.raises(ae.AssistantsEventsError) as info:
            await client.retrieve_run("thread_1", "run_1")
    assert_no_key(info.value, caplog)


@pytest.mark.parametrize("kind", sorted(MALFORMED))
async def test_malformed_answer_to_a_stream_raises_a_typed_error_without_the_key(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with raw_server(MALFORMED[kind]) as url, client_for(url, KEY, max_retries=1) as client:
        with pytest.raises(ae.APIError) as info:
            async with await client.stream_run("thread_1", "asst_1") as stream:
                async for _ in stream:
                    pass
    assert_no_key(info.value, caplog)


@pytest.mark.parametrize("kind", sorted(MALFORMED))
async def test_malformed_answer_during_a_driven_run_raises_without_the_key(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with raw_server(MALFORMED[kind]) as url, client_for(url, KEY, max_retries=1) as client:
        with pytest.raises(ae.AssistantsEventsError) as info:
            await ae.EventHandler().run(client, thread_id="thread_1", assistant_id="asst_1")
    assert_no_key(info.value, caplog)


def test_an_aiohttp_error_still_being_handled_is_not_the_context_of_a_transport_error() -> None:
    # Python 3.10 leaves the exception aiohttp handled while failing a request as the
    # one being handled when the transport raises its own error (the tests above fail
    # there without this); its text can echo the key.
    from aiohttp.http_exceptions import BadStatusLine

    from assistants_events.transport import _raise_alone

    try:
        raise BadStatusLine(f"HTTP/1.1 2x0 {KEY}")
    except BadStatusLine:
        with pytest.raises(ae.APIConnectionError) as info:
            _raise_alone(ae.APIConnectionError("cannot reach the server"))
    assert info.value.__context__ is None


def test_the_callers_own_exception_stays_the_context_of_a_transport_error() -> None:
    from assistants_events.transport import _raise_alone

    try:
        raise LookupError("the caller's own failure")
    except LookupError:
        with pytest.raises(ae.APIConnectionError) as info:
            _raise_alone(ae.APIConnectionError("cannot reach the server"))
    assert isinstance(info.value.__context__, LookupError)


def test_failure_description_names_the_type_and_scrubs_credentials() -> None:
    from assistants_events.transport import describe_failure

    text = describe_failure(
        ValueError(f"headers Authorization: Bearer {KEY} and api-key={KEY}"), None
    )
    assert text.startswith("ValueError: ") and KEY not in text and "***" in text
