"""Odd but well-formed answers: bounded in time, typed, never a loop or a crash."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
import pytest

import assistants_events as ae
from assistants_events.errors import PaginationError
from tests.conftest import client_for


@asynccontextmanager
async def raw_server(answer: Callable[[bytes], bytes], hold: bool = False) -> AsyncIterator[str]:
    """Answer each request with `answer(request)`; with `hold`, keep the socket open."""
    release = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await reader.readuntil(b"\r\n\r\n")
            writer.write(answer(request))
            await writer.drain()
            if hold:
                await release.wait()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        release.set()
        server.close()


def http(body: bytes, content_type: str = "application/json", length: int | None = None) -> bytes:
    size = len(body) if length is None else length
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {size}\r\n"
    return head.encode() + b"Connection: close\r\n\r\n" + body


async def test_unfinished_non_stream_answer_to_a_stream_request_times_out() -> None:
    answer = http(b'{"partial": ', length=1000)
    async with (
        raw_server(lambda _: answer, hold=True) as url,
        client_for(url, timeout=0.2, max_retries=0) as client,
    ):
        with anyio.fail_after(10), pytest.raises(ae.APITimeoutError):
            await client.stream_run("thread_1", "asst_1")


async def test_truncated_non_stream_answer_to_a_stream_request_is_a_connection_error() -> None:
    answer = http(b'{"partial": ', length=1000)
    async with raw_server(lambda _: answer) as url, client_for(url, max_retries=0) as client:
        with pytest.raises(ae.APIConnectionError, match="broke off"):
            await client.stream_run("thread_1", "asst_1")


async def test_event_stream_content_type_is_matched_without_regard_to_case() -> None:
    body = b"event: done\ndata: [DONE]\n\n"
    answer = http(body, content_type="Text/Event-Stream; charset=utf-8")
    async with (
        raw_server(lambda _: answer) as url,
        client_for(url, max_retries=0) as client,
        await client.stream_run("thread_1", "asst_1") as stream,
    ):
        received = b"".join([chunk async for chunk in stream])
    assert received == body


async def test_a_page_repeated_with_has_more_raises_instead_of_looping() -> None:
    message = {
        "id": "msg_1", "object": "thread.message", "created_at": 1, "thread_id": "thread_1",
        "status": "completed", "role": "user", "content": [], "attachments": [], "metadata": {},
    }  # fmt: skip
    page = {"object": "list", "data": [message], "first_id": "msg_1", "last_id": "msg_1",
            "has_more": True}  # fmt: skip
    answer = http(json.dumps(page).encode())
    async with raw_server(lambda _: answer) as url, client_for(url, max_retries=0) as client:
        seen = []
        with anyio.fail_after(10), pytest.raises(PaginationError, match="repeated the page"):
            async for item in client.iter_messages("thread_1"):
                seen.append(item.id)
    assert seen == ["msg_1", "msg_1"]


async def test_deeply_nested_json_answer_is_a_typed_error_not_a_recursion_error() -> None:
    answer = http(b"[" * 200_000 + b"]" * 200_000)
    async with raw_server(lambda _: answer) as url, client_for(url, max_retries=0) as client:
        with pytest.raises(ae.APIError, match="nests JSON deeper"):
            await client.retrieve_run("thread_1", "run_1")


async def test_deeply_nested_json_error_answer_is_still_its_typed_http_error() -> None:
    body = b"[" * 200_000 + b"]" * 200_000
    answer = http(body).replace(b"200 OK", b"400 Bad Request")
    async with raw_server(lambda _: answer) as url, client_for(url, max_retries=0) as client:
        with pytest.raises(ae.BadRequestError):
            await client.retrieve_run("thread_1", "run_1")


def test_backoff_for_a_huge_attempt_number_is_capped_not_an_overflow() -> None:
    client = ae.AssistantsClient("key", "http://127.0.0.1:9/v1", max_retries=10**9)
    assert client._backoff(10**6, None) <= client.backoff_max * 1.25


# ------------------------------------------------------- requests never answered


async def test_request_never_answered_is_retried_then_an_api_timeout_error() -> None:
    requests: list[bytes] = []

    def silent(request: bytes) -> bytes:
        requests.append(request)
        return b""  # headers never come

    async with (
        raw_server(silent, hold=True) as url,
        client_for(url, timeout=0.1, max_retries=1, backoff_base=0.001) as client,
    ):
        with anyio.fail_after(10), pytest.raises(ae.APITimeoutError, match="no answer within"):
            await client.retrieve_run("thread_1", "run_1")
    assert len(requests) == 2


async def test_run_creation_never_answered_is_an_unknown_outcome_and_sent_once() -> None:
    requests: list[bytes] = []

    def silent(request: bytes) -> bytes:
        requests.append(request)
        return b""

    async with (
        raw_server(silent, hold=True) as url,
        client_for(url, timeout=0.1, max_retries=3, backoff_base=0.001) as client,
    ):
        with anyio.fail_after(10), pytest.raises(ae.errors.RequestOutcomeUnknown):
            await client.stream_run("thread_1", "asst_1")
    assert len(requests) == 1


async def test_cancelling_a_request_in_flight_is_a_cancellation_not_a_timeout() -> None:
    async with (
        raw_server(lambda _: b"", hold=True) as url,
        client_for(url, timeout=5, max_retries=0) as client,
    ):
        with anyio.move_on_after(0.1) as scope:
            await client.retrieve_run("thread_1", "run_1")
        assert scope.cancelled_caught
        task = asyncio.ensure_future(client.retrieve_run("thread_1", "run_1"))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
