"""A background Responses job resumed by another worker, `starting_after` the last relayed event.

The worker's client here serves a genuine background recording (api.openai.com), and
`ae.respond` is replaced by a stand-in that must not be reached: the resumed response
completes without function calls, so no new response is needed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

import assistants_events as ae
from assistants_events.relay import RedisRelay
from assistants_events.relay.worker import Worker
from tests.conftest import fixture_bytes

RECORDING = fixture_bytes("genuine/responses/background_create_queued.sse")
FRAMES = [f + b"\n\n" for f in RECORDING.replace(b"\r\n", b"\n").split(b"\n\n") if f.strip()]


def sequence(frame: bytes) -> int:
    data = frame.split(b"data: ", 1)[1]
    number: int = json.loads(data)["sequence_number"]
    return number


class Stream:
    def __init__(self, frames: list[bytes]) -> None:
        self.frames = frames

    async def __aenter__(self) -> Stream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for frame in self.frames:
            yield frame


class RecordedResponses:
    """A client whose background response is the recording; remembers the resumes."""

    def __init__(self) -> None:
        self.resumed_after: list[int | None] = []

    async def retrieve_response(
        self, response_id: str, *, stream: bool, starting_after: int | None = None
    ) -> Stream:
        self.resumed_after.append(starting_after)
        after = -1 if starting_after is None else starting_after
        return Stream([f for f in FRAMES if sequence(f) > after])


async def not_called(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a completed response without function calls needs no new response")


async def test_a_resumed_background_response_relays_every_sequence_number_once(
    relay: RedisRelay, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ae, "respond", not_called, raising=False)
    job_id = await relay.enqueue(api="responses", model="gpt-4.1", input="Hi")
    response_id = json.loads(FRAMES[0].split(b"data: ", 1)[1])["response"]["id"]
    # What a worker relayed before dying: the first five events, and the response id.
    dead = relay.publisher(job_id)
    for sse in ae.SSEDecoder().feed(b"".join(FRAMES[:5])):
        await dead.publish(ae.Event.from_sse(sse))
    await dead.flush()
    await relay.redis.client.hset(relay.keys.job(job_id), "response_id", response_id)
    client = RecordedResponses()
    worker = Worker(relay, ae.EventHandler, client, claim_idle=1.0)
    serving = asyncio.create_task(worker.run())

    summary = await relay.wait(job_id, timeout=20)
    worker.stop()
    await asyncio.wait_for(serving, 10)
    relayed = [json.loads(e.raw)["sequence_number"] async for e in relay.follow(job_id)]

    assert client.resumed_after == [4]
    assert relayed == [sequence(f) for f in FRAMES]
    assert summary.status == "completed" and summary.object_id == response_id
