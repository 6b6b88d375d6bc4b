"""`RedisRelay`: every event of a run or response appended to a Redis stream, followed anywhere.

A `Publisher` is a router: included in a handler, it appends each event the
handler sees (name, raw data, SSE id) to the stream `<prefix>:<key>`, then an
end marker after the terminal event.  Writes are batched: events arriving while
one batch is on the wire go out together in the next one, so a fast stream costs
a round trip per batch, not per event.  Entry ids are chosen by the publisher,
which makes a retried batch idempotent (Redis refuses an id it already holds).

`follow` reads the stream from any position (`XREAD BLOCK`, bounded) as `Event`s
whose `id` is the entry id; `sse` serves the same as SSE bytes with `id:` lines,
so a browser's `EventSource` resumes exactly where it stopped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..dispatch import Router
from ..events import Event
from ..result import StreamResult
from . import jobs
from .connection import RedisConnection
from .errors import EventsTrimmed, LeaseLost, RelayError, RelayTimeout, StreamAborted
from .jobs import JobSummary
from .keys import Keys, entry_id, parse_id

if TYPE_CHECKING:
    from ..handler import EventHandler

__all__ = ["DEFAULT_MAXLEN", "DEFAULT_TTL", "Publisher", "RedisRelay"]

log = logging.getLogger("assistants_events.relay")

DEFAULT_MAXLEN = 100_000
"""Entries kept per stream (approximate `MAXLEN`): a long answer is a few thousand deltas."""
DEFAULT_TTL = 3600.0
"""Seconds a stream is kept after its end marker."""
UNFINISHED_TTL = 86_400
"""Seconds a stream whose publisher vanished without an end marker is kept."""

ERROR_GRACE = 1.0
"""Seconds after an `error` event before its stream ends, when no terminal event ends it."""

_BATCH = 512  # a handler waits for Redis once this many events are queued
_READ_COUNT = 1000
_BLOCK_MS = 5000

# One batch in one script: with a fence (KEYS[2], a lease), nothing is written unless the
# lease still holds the writer's token, and nothing after an end marker.  An id already in
# the stream means a retried batch whose first attempt got through: done, not an error.
_APPEND = """
if KEYS[2] and redis.call('GET', KEYS[2]) ~= ARGV[3] then
  return redis.error_reply('LEASE the lease is held by another writer')
end
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if top then
  for j = 1, #top[2], 2 do
    if top[2][j] == 'end' then
      if top[1] == ARGV[4] then return 1 end  -- a retry of the batch that ended it
      return redis.error_reply('ENDED the stream has ended')
    end
  end
end
for _, entry in ipairs(cjson.decode(ARGV[5])) do
  local ok = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], entry[1], unpack(entry, 2))
  if type(ok) == 'table' and ok.err and not string.find(ok.err, 'equal or smaller') then
    return ok
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""

_RUN_FINAL = frozenset(
    f"thread.run.{s}" for s in ("completed", "failed", "cancelled", "expired", "incomplete")
)


def _after_run_done(publisher: Publisher, event: Event) -> bool:
    # `done` closes every stream of a run, also the one that stops at requires_action.
    return publisher.run_final


def _response_final(publisher: Publisher, event: Event) -> bool:
    # A response that asks for function calls is followed by the next one of the tool loop.
    try:
        output = event.json["response"].get("output") or ()
    except (AttributeError, KeyError, TypeError):
        return True
    return not any(
        isinstance(item, dict) and item.get("type") == "function_call" for item in output
    )


def _always(publisher: Publisher, event: Event) -> bool:
    return True


def _after_error(publisher: Publisher, event: Event) -> bool:
    # The rest of the body still comes (a Responses `error` is followed by
    # `response.failed`, which ends the stream); if nothing ends it, it ends shortly.
    publisher.end_soon()
    return False


BODY_ENDS = frozenset(
    {"done", "response.completed", "response.failed", "response.incomplete", "response.cancelled"}
)
"""Event names after which a stream body ends (the next body may follow in the same key)."""


def _frame(event: Event) -> bytes:
    data = event.raw.replace("\n", "\ndata: ")
    return f"id: {event.id}\nevent: {event.name}\ndata: {data}\n\n".encode()


ENDS: Mapping[str, Callable[[Publisher, Event], bool]] = {
    "done": _after_run_done,
    "error": _after_error,
    "response.completed": _response_final,
    "response.failed": _always,
    "response.incomplete": _always,
    "response.cancelled": _always,
}
"""Event name -> whether this event ends the relayed stream (checked after appending it)."""


class Publisher(Router):
    """A router that appends every event of its handler to one Redis stream.

    `handler.include_router(relay.publisher(key))`.  The stream ends with an end
    marker after the terminal event; if the work stops without one (a broken
    connection, a failed driver), call `await publisher.close(error="why")` so
    followers stop too.  A Redis failure (`RedisUnavailable`, `RelayError`) surfaces
    from the next event the handler dispatches, as the `__cause__` of the handler's
    `HandlerError`, or directly from `flush` / `close`.  After an `error` event the
    stream ends at the next terminal event, or `ERROR_GRACE` seconds later (call
    `close()` to end it at once; `end_on_error=False` leaves it to the caller).
    """

    def __init__(
        self,
        relay: RedisRelay,
        key: str,
        *,
        fence: tuple[str, str] | None = None,
        end_on_error: bool = True,
    ) -> None:
        super().__init__(name=f"relay:{key}")
        self.relay = relay
        self.key = key
        self.fence = fence
        self.end_on_error = end_on_error
        self._closer: asyncio.Task[None] | None = None
        self.stream = relay.keys.events(key)
        self.run_final = False
        self.published = 0
        self.closed = False
        self.ended = False
        self.last_id: str | None = None
        self._last: tuple[int, int] | None = None
        # (entry id once assigned, else "", fields): a batch that failed is sent again
        # with the same ids, so an attempt that did get through is not appended twice.
        self._pending: list[tuple[str, dict[str, str]]] = []
        self._marker_queued = False
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None
        self.on("*")(self.publish)

    async def publish(self, event: Event) -> None:
        """Queue one event for the stream (what the router does for every event)."""
        if self.closed:
            raise RelayError(f"the publisher of {self.key!r} is closed; events after its end "
                             "are not relayed")  # fmt: skip
        if self._failure is not None:
            raise self._failure
        name = event.name
        fields = {"e": name, "d": event.raw}
        if event.id is not None:
            fields["i"] = event.id
        self._pending.append(("", fields))
        if name.startswith("thread.run."):
            self.run_final = name in _RUN_FINAL
        end = ENDS.get(name)
        if end is not None and end(self, event):
            await self.close()
        else:
            draining = self._task is not None and not self._task.done()
            if not draining:
                self._task = asyncio.get_running_loop().create_task(self._drain())
            if len(self._pending) >= _BATCH:
                if draining and len(self._pending) >= 4 * _BATCH:
                    await self.flush()  # Redis is behind: the handler waits for it
                else:
                    await asyncio.sleep(0)  # let the batch go out while dispatch goes on

    def end_soon(self) -> None:
        """End the stream `ERROR_GRACE` seconds from now unless something ends it first."""
        if self.end_on_error and self._closer is None:
            self._closer = asyncio.get_running_loop().create_task(self._close_later())

    async def _close_later(self) -> None:
        await asyncio.sleep(ERROR_GRACE)
        try:
            await self.close()
        except RelayError as exc:
            log.warning("could not end stream %r after its error event: %s", self.key, exc)

    async def flush(self) -> None:
        """Write every queued event now."""
        async with self._lock:
            await self._write()
        if self._failure is not None:
            raise self._failure

    async def close(self, error: str | None = None) -> None:
        """Write what is queued, then the end marker (with `error` if given).

        Idempotent once it succeeded; after a Redis failure, calling it again
        retries (what was queued is still queued, in order).
        """
        if self.ended:
            return
        self.closed = True  # no more events are accepted
        marker = {"end": "1"} if error is None else {"end": "1", "error": error}
        async with self._lock:
            self._failure = None  # a new attempt
            if not self._marker_queued:
                self._pending.append(("", marker))
                self._marker_queued = True
            await self._write()
        self.ended = True
        if self._closer is not None and self._closer is not asyncio.current_task():
            self._closer.cancel()

    async def _drain(self) -> None:
        while self._pending and self._failure is None:
            async with self._lock:
                try:
                    await self._write()
                except RelayError:
                    return  # kept in self._failure: the handler's next event raises it

    async def _write(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            await self._append(batch)
        except BaseException as exc:
            self._pending[:0] = batch  # not written: kept in order, ids and all
            if isinstance(exc, RelayError):
                self._failure = exc
            raise

    async def _append(self, batch: list[tuple[str, dict[str, str]]]) -> None:
        relay = self.relay
        if self._last is None:
            self._last = await relay.last_entry(self.key)
        ms, seq = self._last
        now = int(time.time() * 1000)
        for i, (id_, fields) in enumerate(batch):
            if not id_:
                if now > ms:
                    ms, seq = now, 0
                else:
                    seq += 1
                batch[i] = (entry_id(ms, seq), fields)
        self._last = (ms, seq)
        ids = [id_ for id_, _ in batch]
        ended = "end" in batch[-1][1]
        ttl = int(relay.ttl) if ended else UNFINISHED_TTL
        lease, token = self.fence or ("", "")
        # The batch travels as one JSON argument: packing thousands of small
        # arguments costs more than the whole script.
        entries = [[id_, *[x for item in fields.items() for x in item]] for id_, fields in batch]
        args = [relay.maxlen, max(1, ttl), token, ids[-1], json.dumps(entries)]
        keys = [self.stream, lease] if lease else [self.stream]

        async def send(client: Any) -> None:
            await relay.append_script(keys=keys, args=args, client=client)

        # Safe to retry: the ids are fixed, so nothing is appended twice.
        try:
            await relay.redis.call(f"XADD {self.stream}", send)
        except RelayError as exc:
            if "ENDED" in str(exc):
                raise RelayError(
                    f"stream {self.key!r} already has its end marker: nothing more is relayed "
                    "to it (use a new key)"
                ) from None
            if "LEASE" in str(exc):
                raise LeaseLost(
                    f"stream {self.key!r} is now written by the job's new owner; "
                    "this worker stops relaying"
                ) from None
            raise
        self.last_id = ids[-1]
        self.published += len(batch)


class RedisRelay:
    """Relay events through Redis Streams (needs the `redis` extra).

    ```python
    relay = RedisRelay("redis://127.0.0.1:6379/0")
    bot.include_router(relay.publisher(key))                 # node A
    async for event in relay.follow(key): ...                 # node B: Events with .id
    await OtherBot().consume(relay.sse(key, last_event_id))   # re-dispatch / serve a browser
    job_id = await relay.enqueue(api="assistants", assistant_id=..., messages=[...])
    summary = await relay.wait(job_id, timeout=60)
    ```

    `prefix` namespaces every key; `maxlen` trims each stream (approximately);
    `ttl` is how long a stream lives after its end marker.  Redis failures are
    retried `retries` times, then raised as `RedisUnavailable`.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "ae",
        maxlen: int = DEFAULT_MAXLEN,
        ttl: float = DEFAULT_TTL,
        retries: int = 3,
    ) -> None:
        if maxlen < 1:
            raise ValueError(f"maxlen must be >= 1, got {maxlen}")
        if ttl <= 0:
            raise ValueError(f"ttl must be > 0 seconds, got {ttl}")
        self.redis = RedisConnection(url, retries=retries)
        self.url = self.redis.safe_url
        self.keys = Keys(prefix)
        self.prefix = prefix
        self.maxlen = maxlen
        self.ttl = ttl
        self.append_script = self.redis.client.register_script(_APPEND)

    def __repr__(self) -> str:
        return f"RedisRelay({self.url!r}, prefix={self.prefix!r})"

    async def __aenter__(self) -> RedisRelay:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the Redis connections."""
        await self.redis.close()

    # ------------------------------------------------------------- publish

    def publisher(
        self, key: str, *, fence: tuple[str, str] | None = None, end_on_error: bool = True
    ) -> Publisher:
        """A router that relays its handler's events to the stream `key`.

        `fence=(lease_key, token)` (what workers use): every write checks that the
        Redis key `lease_key` still holds `token`, so a worker that lost its job
        cannot write into the stream of the worker that took it over.
        `end_on_error=False`: an `error` event does not end the stream by itself
        (a driver that goes on after it closes the stream when it is done).
        """
        if not key:
            raise ValueError("a relay key is a non-empty string (a run, response or job id)")
        return Publisher(self, key, fence=fence, end_on_error=end_on_error)

    async def last_entry(self, key: str) -> tuple[int, int]:
        """The id of the stream's newest entry (`(0, 0)` for a stream that does not exist)."""
        stream = self.keys.events(key)

        async def read(client: Any) -> Any:
            return await client.xrevrange(stream, "+", "-", count=1)

        entries = await self.redis.call(f"XREVRANGE {stream}", read)
        return parse_id(entries[0][0]) if entries else (0, 0)

    async def entries(self, key: str) -> list[tuple[str, dict[str, str]]]:
        """Every entry now in the stream, end marker included (no waiting)."""
        stream = self.keys.events(key)

        async def read(client: Any) -> Any:
            return await client.xrange(stream, "-", "+")

        found: list[tuple[str, dict[str, str]]] = await self.redis.call(f"XRANGE {stream}", read)
        return found

    # -------------------------------------------------------------- follow

    async def follow(
        self, key: str, after: str | None = None, *, idle_timeout: float | None = 300.0
    ) -> AsyncGenerator[Event, None]:
        """The stream's events after entry id `after` (from the start if `None`), as they come.

        Each `Event` carries the entry id as `event.id`.  Ends at the end marker;
        raises `StreamAborted` if the publisher closed it with an error,
        `RelayTimeout` after `idle_timeout` seconds without a new entry, and
        `EventsTrimmed` if entries after `after` were trimmed before being read.
        """
        async for batch in self._batches(key, after, idle_timeout):
            for id_, fields in batch:
                if "end" in fields:
                    if "error" in fields:
                        raise StreamAborted(key, fields["error"])
                    return
                yield Event(fields.get("e", "message"), fields.get("d", ""), id=id_)

    async def sse(
        self,
        key: str,
        last_event_id: str | None = None,
        *,
        idle_timeout: float | None = 300.0,
        keepalive: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        """The stream as SSE bytes with `id:` lines, after `last_event_id` (a `Last-Event-ID`).

        `await handler.consume(relay.sse(key))` re-dispatches the events as one body
        (for a Responses tool loop, whose responses each restart their sequence
        numbers, use `relay.consume(key, handler)`); a web app returns it as a
        `text/event-stream` body.  The end marker becomes a
        frame with only an `id:` line (no event is dispatched, but a browser's
        last event id moves past it).  While the stream is silent, a `: keepalive`
        comment goes out every few seconds (`keepalive=False` to omit).
        """
        async for batch in self._batches(key, last_event_id, idle_timeout, keepalive=keepalive):
            if not batch:
                yield b": keepalive\n\n"
                continue
            out = []
            for id_, fields in batch:
                if "end" in fields:
                    out.append(f"id: {id_}\n\n")
                    continue
                data = fields.get("d", "").replace("\n", "\ndata: ")
                out.append(f"id: {id_}\nevent: {fields.get('e', 'message')}\ndata: {data}\n\n")
            if out:
                yield "".join(out).encode()

    async def consume(
        self,
        key: str,
        handler: EventHandler,
        after: str | None = None,
        *,
        idle_timeout: float | None = 300.0,
    ) -> StreamResult:
        """Feed the stream to `handler` as the bodies it was published from, as they come.

        A tool loop is several bodies (an Assistants submit stream after `done`, a
        Responses follow-up response after a terminal response event, whose
        `sequence_number`s start again): each is consumed on its own, as the driver
        did, so the handler's checks see what they would have seen live.  Returns the
        handler's `StreamResult`; raises what `consume` and `follow` raise.
        """
        events = self.follow(key, after, idle_timeout=idle_timeout)
        upcoming = await anext(events, None)
        result = handler.result
        try:
            while upcoming is not None:
                first = upcoming

                async def body(first: Event = first) -> AsyncGenerator[bytes, None]:
                    nonlocal upcoming
                    event: Event | None = first
                    while event is not None:
                        yield _frame(event)
                        if event.name in BODY_ENDS:
                            break
                        event = await anext(events, None)
                    upcoming = None if event is None else await anext(events, None)

                result = await handler.consume(body())
        finally:
            await events.aclose()
        return result

    async def _batches(
        self,
        key: str,
        after: str | None,
        idle_timeout: float | None,
        *,
        keepalive: bool = False,
    ) -> AsyncGenerator[list[tuple[str, dict[str, str]]], None]:
        stream = self.keys.events(key)
        if after is None or after == "":
            last = "0-0"
        else:
            try:
                parse_id(after)
            except ValueError as exc:
                raise RelayError(f"cannot follow {key!r} after {after!r}: {exc}") from None
            last = after
            if await self._check_not_trimmed(stream, last):
                return  # already past the end marker: nothing more will come
        deadline = None if idle_timeout is None else time.monotonic() + idle_timeout
        while True:
            block = _BLOCK_MS
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RelayTimeout(
                        f"no event on {key!r} for {idle_timeout}s after entry {last}; "
                        "the publisher may have died without closing the stream"
                    )
                block = max(1, min(block, int(left * 1000)))
            since = last

            async def read(client: Any, since: str = since, block: int = block) -> Any:
                return await client.xread({stream: since}, count=_READ_COUNT, block=block)

            answer = await self.redis.call(f"XREAD {stream}", read)
            entries = answer[0][1] if answer else []
            if not entries:
                if keepalive:
                    yield []
                continue
            if deadline is not None:
                deadline = time.monotonic() + (idle_timeout or 0)
            if len(entries) == _READ_COUNT:
                await self._check_not_trimmed(stream, last)  # a follower this far behind
            batch: list[tuple[str, dict[str, str]]] = []
            for id_, fields in entries:
                batch.append((id_, fields))
                if "end" in fields:
                    yield batch
                    if "error" in fields:
                        raise StreamAborted(key, fields["error"])
                    return
            last = entries[-1][0]
            yield batch

    async def _check_not_trimmed(self, stream: str, after: str) -> bool:
        """Raise if entries after `after` are gone; True if `after` is at or past the end."""

        async def info(client: Any) -> Any:
            try:
                return await client.xinfo_stream(stream)
            except Exception as exc:
                if "no such key" in str(exc).lower():
                    return None
                raise

        found = await self.redis.call(f"XINFO STREAM {stream}", info)
        if not found:
            return False
        # Trimming leaves no trace but a first entry that moved on: if entries were removed
        # and the first one left is past `after`, some after it may be gone.  (Redis < 7
        # reports no `entries-added`: no check.)
        added, length, first = (
            found.get("entries-added"),
            found.get("length"),
            found.get("first-entry"),
        )
        if added is not None and first and added > length and parse_id(first[0]) > parse_id(after):
            raise EventsTrimmed(
                f"entries of {stream!r} after {after} were trimmed (the oldest left is "
                f"{first[0]}) before being read; raise the relay's maxlen or follow sooner"
            )
        last = found.get("last-entry")
        return bool(last and "end" in last[1] and parse_id(last[0]) <= parse_id(after))

    # ---------------------------------------------------------------- jobs

    async def enqueue(self, api: str, **params: Any) -> str:
        """Queue a job for the worker pool; returns its id (its events are followed at it).

        `api="assistants"`: `assistant_id=`, `messages=[...]` or `thread_id=`, and
        any create-run parameter.  `api="responses"`: `model=`, `input=`, and any
        create-response parameter (the job runs in background mode).
        """
        return await jobs.enqueue(self, api, params)

    async def wait(self, job_id: str, timeout: float | None = None) -> JobSummary:
        """The job's `JobSummary` once a worker finished it; `JobTimeout` after `timeout` s."""
        return await jobs.wait(self, job_id, timeout)
