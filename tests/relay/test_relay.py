"""Publish a handler's events to Redis, follow them elsewhere, serve them as SSE."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import assistants_events as ae
from assistants_events.relay import (
    EventsTrimmed,
    RedisRelay,
    RedisUnavailable,
    RelayError,
    RelayTimeout,
    StreamAborted,
)
from tests.conftest import fixture_bytes


class Recorder(ae.EventHandler):
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    @ae.on("*")
    def keep(self, event: ae.Event) -> None:
        self.seen.append((event.name, event.raw))


async def publish(relay: RedisRelay, key: str, *bodies: bytes) -> Recorder:
    handler = Recorder()
    handler.include_router(relay.publisher(key))
    for body in bodies:
        await handler.consume(body)
    return handler


async def followed(relay: RedisRelay, key: str, after: str | None = None) -> list[ae.Event]:
    return [event async for event in relay.follow(key, after=after, idle_timeout=10)]


async def test_follow_gives_every_published_event_in_order(relay: RedisRelay) -> None:
    original = await publish(relay, "run_1", fixture_bytes("text_run.sse"))

    events = await followed(relay, "run_1")

    assert [(e.name, e.raw) for e in events] == original.seen


async def test_followed_events_carry_increasing_stream_entry_ids(relay: RedisRelay) -> None:
    await publish(relay, "run_1", fixture_bytes("text_run.sse"))

    ids = [e.id for e in await followed(relay, "run_1")]

    assert all(i is not None for i in ids)
    assert ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-"))))  # type: ignore[union-attr]
    assert len(set(ids)) == len(ids)


async def test_tool_round_is_one_stream_ending_after_the_final_done(relay: RedisRelay) -> None:
    original = await publish(
        relay, "run_1", fixture_bytes("tool_call_run.sse"), fixture_bytes("after_tool_outputs.sse")
    )

    events = await followed(relay, "run_1")

    assert [(e.name, e.raw) for e in events] == original.seen
    assert [e.name for e in events].count("done") == 2


async def test_follow_after_an_id_gives_exactly_the_rest(relay: RedisRelay) -> None:
    await publish(relay, "run_1", fixture_bytes("text_run.sse"))
    everything = await followed(relay, "run_1")

    rest = await followed(relay, "run_1", after=everything[4].id)

    assert [(e.id, e.name, e.raw) for e in rest] == [(e.id, e.name, e.raw) for e in everything[5:]]


async def test_follow_waits_for_events_published_later(relay: RedisRelay) -> None:
    follower = asyncio.create_task(followed(relay, "run_1"))
    await asyncio.sleep(0.05)
    original = await publish(relay, "run_1", fixture_bytes("text_run.sse"))

    events = await asyncio.wait_for(follower, 10)

    assert [(e.name, e.raw) for e in events] == original.seen


async def test_sse_reconsumed_by_another_handler_gives_the_same_result(relay: RedisRelay) -> None:
    body = fixture_bytes("tool_call_run.sse") + fixture_bytes("after_tool_outputs.sse")
    direct = await Recorder().consume(body)
    await publish(relay, "run_1", fixture_bytes("tool_call_run.sse"),
                  fixture_bytes("after_tool_outputs.sse"))  # fmt: skip

    other = Recorder()
    result = await other.consume(relay.sse("run_1", idle_timeout=10))

    assert result == direct
    assert other.seen == (await publish(relay, "copy", body)).seen


async def test_sse_frames_carry_the_entry_ids_as_id_lines(relay: RedisRelay) -> None:
    await publish(relay, "run_1", fixture_bytes("text_run.sse"))
    events = await followed(relay, "run_1")

    body = b"".join([chunk async for chunk in relay.sse("run_1", idle_timeout=10)])
    decoder = ae.SSEDecoder()
    frames = decoder.feed(body) + decoder.close()

    assert [(f.id, f.event, f.data) for f in frames] == [(e.id, e.name, e.raw) for e in events]


async def test_sse_ends_with_an_id_only_frame_past_the_end_marker(relay: RedisRelay) -> None:
    await publish(relay, "run_1", fixture_bytes("text_run.sse"))
    body = b"".join([chunk async for chunk in relay.sse("run_1", idle_timeout=10)])
    last = body.rstrip(b"\n").rsplit(b"\n\n", 1)[-1]

    rest = [chunk async for chunk in relay.sse("run_1", last.decode()[4:], idle_timeout=10)]

    assert last.startswith(b"id: ") and b"\n" not in last
    assert rest == []


async def test_close_with_error_ends_followers_with_stream_aborted(relay: RedisRelay) -> None:
    handler = Recorder()
    publisher = relay.publisher("run_1")
    handler.include_router(publisher)
    cut = b"\n\n".join(fixture_bytes("text_run.sse").split(b"\n\n")[:6]) + b"\n\n"
    with pytest.raises(ae.IncompleteStream):
        await handler.consume(cut)
    await publisher.close(error="the model server dropped the stream")

    seen: list[str] = []
    with pytest.raises(StreamAborted, match="dropped the stream"):
        async for event in relay.follow("run_1", idle_timeout=10):
            seen.append(event.name)
    assert [(name, raw) for name, raw in handler.seen] == [
        (e.name, e.raw) for e in (await relay_entries_as_events(relay, "run_1"))
    ]
    assert seen == [name for name, _ in handler.seen]


async def relay_entries_as_events(relay: RedisRelay, key: str) -> list[ae.Event]:
    return [ae.Event(f["e"], f["d"], id=i) for i, f in await relay.entries(key) if "e" in f]


async def test_events_after_the_end_marker_are_refused(relay: RedisRelay) -> None:
    handler = await publish(relay, "run_1", fixture_bytes("text_run.sse"))

    with pytest.raises(ae.HandlerError) as caught:
        await handler.dispatch(ae.Event("custom.after", "{}"))

    assert isinstance(caught.value.__cause__, RelayError)
    assert "closed" in str(caught.value.__cause__)


async def test_follow_of_a_silent_stream_times_out(relay: RedisRelay) -> None:
    with pytest.raises(RelayTimeout, match="no event on 'nobody'"):
        await followed_with_timeout(relay, "nobody", 0.2)


async def followed_with_timeout(relay: RedisRelay, key: str, limit: float) -> list[ae.Event]:
    return [event async for event in relay.follow(key, idle_timeout=limit)]


async def test_following_after_trimmed_entries_raises_events_trimmed(
    redis_url: str, prefix: str
) -> None:
    async with RedisRelay(redis_url, prefix=prefix, maxlen=1) as relay:
        publisher = relay.publisher("long")
        for i in range(300):
            await publisher.publish(ae.Event("custom.tick", str(i)))
            await publisher.flush()
        await publisher.close()

        with pytest.raises(EventsTrimmed, match="maxlen"):
            await followed(relay, "long", after="1-0")


async def test_a_garbage_last_event_id_is_refused(relay: RedisRelay) -> None:
    with pytest.raises(RelayError, match="not a Redis stream entry id"):
        await followed(relay, "run_1", after="banana")


def genuine_responses(name: str) -> bytes:
    return fixture_bytes(f"genuine/responses/{name}.sse")


async def test_a_responses_stream_ends_after_its_completed_response(relay: RedisRelay) -> None:
    original = await publish(relay, "resp_1", genuine_responses("no_seqnum_text_2025_03"))

    events = await followed(relay, "resp_1")

    assert [(e.name, e.raw) for e in events] == original.seen
    assert events[-1].name == "response.completed"


async def test_a_response_asking_for_function_calls_does_not_end_the_stream(
    relay: RedisRelay,
) -> None:
    publisher = relay.publisher("resp_1")
    handler = Recorder()
    handler.include_router(publisher)
    await handler.consume(genuine_responses("function_call_single_gpt51"))
    await publisher.flush()

    entries = await relay.entries("resp_1")

    assert entries[-1][1]["e"] == "response.completed" and "end" not in entries[-1][1]


async def test_an_error_then_response_failed_ends_after_the_failed_event(
    relay: RedisRelay,
) -> None:
    handler = Recorder()
    handler.include_router(relay.publisher("resp_1"))
    with pytest.raises(ae.StreamError):
        await handler.consume(genuine_responses("error_insufficient_quota_then_failed"))

    events = await followed(relay, "resp_1")

    assert [e.name for e in events][-2:] == ["error", "response.failed"]
    assert [(e.name, e.raw) for e in events] == handler.seen


async def test_an_error_nothing_follows_ends_the_stream_shortly_after(relay: RedisRelay) -> None:
    handler = Recorder()
    handler.include_router(relay.publisher("run_1"))
    body = b"\n\n".join(fixture_bytes("text_run.sse").split(b"\n\n")[:4]) + b"\n\n"
    body += b'event: error\ndata: {"message": "server_error", "code": "server_error"}\n\n'
    with pytest.raises(ae.StreamError):
        await handler.consume(body)

    events = await followed(relay, "run_1")

    assert events[-1].name == "error"
    assert [(e.name, e.raw) for e in events] == handler.seen


async def test_a_batch_whose_reply_was_lost_is_not_appended_twice(
    relay: RedisRelay, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher = relay.publisher("run_1")
    real_call = relay.redis.call
    lost: list[str] = []

    async def reply_lost_once(op: str, fn: Any, *, retry: bool = True) -> Any:
        result = await real_call(op, fn, retry=retry)
        if op.startswith("XADD") and not lost:
            lost.append(op)
            raise RedisUnavailable("the reply was lost (the write got through)")
        return result

    monkeypatch.setattr(relay.redis, "call", reply_lost_once)
    for i in range(5):
        await publisher.publish(ae.Event("custom.tick", str(i)))
    with pytest.raises(RedisUnavailable):
        await publisher.flush()
    await publisher.close()  # sends the same batch again, then the end marker

    assert [e.raw for e in await followed(relay, "run_1")] == ["0", "1", "2", "3", "4"]


async def test_consume_feeds_each_published_body_to_the_handler_separately(
    relay: RedisRelay,
) -> None:
    bodies = (fixture_bytes("tool_call_run.sse"), fixture_bytes("after_tool_outputs.sse"))
    original = await publish(relay, "run_1", *bodies)
    direct = Recorder()
    for body in bodies:
        expected = await direct.consume(body)

    other = Recorder()
    result = await relay.consume("run_1", other, idle_timeout=10)

    assert result == expected
    assert other.seen == original.seen
