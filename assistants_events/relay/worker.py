"""The worker pool: `assistants-events worker --redis URL --handler module:Class`.

Each worker reads jobs from the queue stream through the consumer group
`workers` (`XREADGROUP`), drives them with `--concurrency` at a time, publishes
their events at the job id, records the summary and acknowledges the entry in
one step.  A live worker renews the lease of each job it drives (and resets the
entry's idle time); an entry left unacknowledged for `--claim-idle` seconds is
claimed by another worker (`XAUTOCLAIM`), which resumes the job from the
server's state.  A job that keeps failing for transient reasons is given up
after `max_attempts` (its summary says why).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import attrs

from ..client import AssistantsClient
from ..errors import APIError, AssistantsEventsError
from ..handler import EventHandler
from ..loading import load_handler_class
from .assistants_job import abandon_assistants, drive_assistants
from .context import JobContext
from .errors import LeaseLost, RelayError
from .jobs import JobStore, JobSummary
from .relay import RedisRelay
from .responses_job import abandon_responses, drive_responses

__all__ = [
    "ABANDON",
    "DESCRIPTION",
    "DRIVERS",
    "Worker",
    "add_arguments",
    "load_handler",
    "main",
    "run_from_args",
    "run_worker",
]

log = logging.getLogger("assistants_events.relay")

DRIVERS: dict[str, Callable[[JobContext], Awaitable[JobSummary]]] = {
    "assistants": drive_assistants,
    "responses": drive_responses,
}
"""The job driver of each API (a table, so a third protocol is one more entry)."""

ABANDON: dict[str, Callable[[JobContext], Awaitable[None]]] = {
    "assistants": abandon_assistants,
    "responses": abandon_responses,
}
"""What giving a job up means per API: cancel what it left running on the server."""


@attrs.define
class _Hand:
    """A job in a worker's hands."""

    job_id: str
    token: str
    task: asyncio.Task[None] = attrs.field(init=False)
    leased: bool = False


def load_handler(spec: str) -> type[EventHandler]:
    """The `EventHandler` subclass named `module:Class` or `path/to/file.py:Class`."""
    return load_handler_class(spec)


class Worker:
    """One consumer of the job queue: drives up to `concurrency` jobs at a time."""

    def __init__(
        self,
        relay: RedisRelay,
        handler_factory: Callable[[], EventHandler],
        client: Any,
        *,
        concurrency: int = 4,
        claim_idle: float = 30.0,
        name: str | None = None,
        max_attempts: int = 5,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        if claim_idle <= 0:
            raise ValueError(f"claim_idle must be > 0 seconds, got {claim_idle}")
        self.relay = relay
        self.handler_factory = handler_factory
        self.client = client
        self.concurrency = concurrency
        self.claim_idle = claim_idle
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.max_attempts = max_attempts
        self.store = JobStore(relay, lease_seconds=claim_idle)
        self.keys = relay.keys
        self.jobs: dict[str, _Hand] = {}  # by queue entry id
        self.finished = 0
        self._stopping = asyncio.Event()
        self._claim_cursor = "0-0"

    def stop(self) -> None:
        """Take no new jobs; `run` returns once the jobs in hand are done."""
        self._stopping.set()

    async def run(self) -> None:
        """Serve until `stop()` (or cancellation: in-hand jobs are left for others to resume)."""
        await self._ensure_group()
        log.info("worker %s serving %s (group %s, concurrency %d, claim-idle %ss)", self.name,
                 self.keys.queue, self.keys.group, self.concurrency, self.claim_idle)  # fmt: skip
        loop = asyncio.get_running_loop()
        heartbeat = loop.create_task(self._heartbeat())
        stopping = loop.create_task(self._stopping.wait())
        last_claim, outage = -self.claim_idle, 0
        try:
            while not self._stopping.is_set():
                free = self.concurrency - len(self.jobs)
                if free <= 0:
                    tasks = [hand.task for hand in self.jobs.values()]
                    await asyncio.wait([*tasks, stopping], return_when=asyncio.FIRST_COMPLETED)
                    continue
                entries: list[tuple[str, dict[str, str]]] = []
                try:
                    if loop.time() - last_claim >= self.claim_idle / 4:
                        last_claim = loop.time()
                        entries = await self._claim(free)
                    if not entries:
                        # Raced with stop(): a blocked read would delay it a second.  An
                        # entry delivered to a cancelled read stays pending: not lost.
                        reading = loop.create_task(self._read(free))
                        await asyncio.wait([reading, stopping], return_when=asyncio.FIRST_COMPLETED)
                        if not reading.done():
                            reading.cancel()
                            with contextlib.suppress(asyncio.CancelledError, RelayError):
                                await reading
                            break
                        entries = reading.result()
                    outage = 0
                except RelayError as exc:
                    # Redis is down or restarting: jobs stay in the stream; wait and retry.
                    outage = min(outage + 1, 6)
                    log.warning("worker %s cannot read jobs: %s", self.name, exc)
                    await asyncio.sleep(0.1 * 2**outage)
                    if "NOGROUP" in str(exc):  # Redis came back empty: the group is gone
                        with contextlib.suppress(RelayError):
                            await self._ensure_group()
                    continue
                for entry, fields in entries:
                    self._start(entry, fields)
            if self.jobs:
                await asyncio.wait([hand.task for hand in self.jobs.values()])
        finally:
            stopping.cancel()
            heartbeat.cancel()
            for hand in list(self.jobs.values()):
                hand.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _ensure_group(self) -> None:
        queue, group = self.keys.queue, self.keys.group

        async def create(client: Any) -> None:
            try:
                await client.xgroup_create(
                    queue, group, id="0", mkstream=True
                )  # jobs queued before
            except Exception as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

        await self.relay.redis.call("XGROUP CREATE", create)
        me = self.name

        async def join(client: Any) -> None:
            # Listed in XINFO CONSUMERS from the start, not only after its first job.
            await client.xgroup_createconsumer(queue, group, me)

        await self.relay.redis.call("XGROUP CREATECONSUMER", join)

    async def _claim(self, count: int) -> list[tuple[str, dict[str, str]]]:
        queue, group, me = self.keys.queue, self.keys.group, self.name
        min_idle = int(self.claim_idle * 1000)
        cursor = self._claim_cursor

        async def claim(client: Any) -> Any:
            return await client.xautoclaim(queue, group, me, min_idle, start_id=cursor,
                                           count=count)  # fmt: skip

        answer = await self.relay.redis.call("XAUTOCLAIM", claim)
        self._claim_cursor = answer[0] if answer and answer[0] else "0-0"
        claimed = [(entry, fields) for entry, fields in (answer[1] if answer else []) if fields]
        for entry, fields in claimed:
            log.info("worker %s claimed job %s (entry %s) from a silent worker", self.name,
                     fields.get("job"), entry)  # fmt: skip
        return [(entry, fields) for entry, fields in claimed if entry not in self.jobs]

    async def _read(self, count: int) -> list[tuple[str, dict[str, str]]]:
        queue, group, me = self.keys.queue, self.keys.group, self.name

        async def read(client: Any) -> Any:
            return await client.xreadgroup(group, me, {queue: ">"}, count=count, block=1000)

        answer = await self.relay.redis.call("XREADGROUP", read)
        return list(answer[0][1]) if answer else []

    def _start(self, entry: str, fields: dict[str, str]) -> None:
        hand = _Hand(fields.get("job", ""), f"{self.name}:{uuid.uuid4().hex[:8]}")
        hand.task = asyncio.get_running_loop().create_task(self._job(entry, hand))
        self.jobs[entry] = hand
        hand.task.add_done_callback(lambda _: self.jobs.pop(entry, None))

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.claim_idle / 4)
            for entry, hand in list(self.jobs.items()):
                if not hand.leased or hand.task.done():
                    continue
                try:
                    held = await self.store.renew(hand.job_id, hand.token, entry, self.name)
                except RelayError as exc:
                    log.warning("worker %s cannot renew job %s: %s", self.name, hand.job_id, exc)
                    continue
                if not held and not hand.task.done():
                    # Its writes are fenced already; stop driving (the run is left alone).
                    log.warning("worker %s lost job %s to another worker", self.name, hand.job_id)
                    hand.task.cancel()

    async def _job(self, entry: str, hand: _Hand) -> None:
        store, job_id, token = self.store, hand.job_id, hand.token
        try:
            if not job_id or not await store.acquire(job_id, token):
                return  # another worker drives it: its heartbeat takes the entry back
            hand.leased = True
            if await store.summary(job_id) is not None:
                await store.ack(entry)  # finished, but the ack was lost: nothing to do
                return
            record = await store.record(job_id)
            if "api" not in record:
                log.warning("job %s has no record (expired?); acknowledged unprocessed", job_id)
                await store.ack(entry)
                return
            attempts = await store.attempt(job_id)
            ctx = JobContext(
                relay=self.relay,
                store=store,
                job_id=job_id,
                token=token,
                api=record["api"],
                params=json.loads(record.get("params") or "{}"),
                record=record,
                handler_factory=self.handler_factory,
                client=self.client,
                attempts=attempts,
            )
            summary = await self._drive(ctx)
            hand.leased = False  # finishing releases the lease: no renewal from here
            if await store.finish(summary, token, entry):
                self.finished += 1
                if summary.error:
                    log.warning("job %s %s: %s", job_id, summary.status, summary.error)
                else:
                    log.info("job %s %s", job_id, summary.status)
            else:
                log.warning("job %s finished here but another worker owns it now", job_id)
        except LeaseLost as exc:
            log.warning("worker %s: %s", self.name, exc)
        except (RelayError, APIError, AssistantsEventsError, OSError) as exc:
            # Not done: left pending (not acknowledged) for a later attempt.
            log.warning("job %s attempt failed, left for a retry: %s: %s", job_id,
                        type(exc).__name__, exc)  # fmt: skip
            with contextlib.suppress(RelayError):
                await store.release(job_id, token)

    async def _drive(self, ctx: JobContext) -> JobSummary:
        driver = DRIVERS.get(ctx.api)
        if driver is None:
            return ctx.summary("error", error=f"unknown api {ctx.api!r}; known: {sorted(DRIVERS)}")
        if ctx.attempts > self.max_attempts:
            await ABANDON[ctx.api](ctx)  # leave no run alive
            error = f"given up after {self.max_attempts} attempts (see the workers' logs)"
            if await ctx.store.holds(ctx.job_id, ctx.token):
                fence = (self.keys.lease(ctx.job_id), ctx.token)
                with contextlib.suppress(RelayError):
                    await self.relay.publisher(ctx.job_id, fence=fence).close(error=error)
            return ctx.summary("error", error=error)
        return await driver(ctx)


async def run_worker(
    url: str,
    handler: type[EventHandler] | Callable[[], EventHandler],
    *,
    concurrency: int = 4,
    claim_idle: float = 30.0,
    prefix: str = "ae",
    name: str | None = None,
    client: Any = None,
) -> None:
    """Serve jobs until SIGINT/SIGTERM: what `assistants-events worker` runs.

    `client` defaults to `AssistantsClient()` (configured from `OPENAI_API_KEY`,
    `OPENAI_BASE_URL`).
    """
    own_client = client is None
    if client is None:
        client = AssistantsClient()
    async with RedisRelay(url, prefix=prefix) as relay:
        worker = Worker(relay, handler, client, concurrency=concurrency,
                        claim_idle=claim_idle, name=name)  # fmt: skip
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, worker.stop)
        try:
            await worker.run()
        finally:
            if own_client:
                await client.close()


DESCRIPTION = (
    "Takes jobs that RedisRelay.enqueue() queued, drives each with the handler (a new "
    "instance per job; its @tools answer the tool calls), relays its events at the job "
    "id and records its summary. A job whose worker stops answering for --claim-idle "
    "seconds is taken over and resumed from the server's state. The model server is "
    "configured like AssistantsClient(): $OPENAI_API_KEY, $OPENAI_BASE_URL."
)


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the worker's options to `parser` (the CLI's `worker` command uses this)."""
    parser.add_argument("--redis", required=True, metavar="URL",
                        help="redis://[user:password@]host:port/db")  # fmt: skip
    parser.add_argument("--handler", required=True, metavar="MODULE:CLASS",
                        help="an EventHandler subclass, created once per job")  # fmt: skip
    parser.add_argument("--concurrency", type=int, default=4, help="jobs driven at once")
    parser.add_argument("--claim-idle", type=float, default=30.0, metavar="SECONDS",
                        help="silence after which a worker's jobs are taken over")  # fmt: skip
    parser.add_argument("--prefix", default="ae", help="Redis key prefix (as the RedisRelay's)")
    parser.add_argument("--name", help="consumer name (default: host-pid-random)")
    parser.add_argument("--log-level", default="INFO", help="logging level (INFO, DEBUG, ...)")
    return parser


async def run_from_args(args: argparse.Namespace) -> int:
    """Run a worker from parsed options; returns the exit status."""
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")  # fmt: skip
    try:
        handler = load_handler(args.handler)
        if args.concurrency < 1 or args.claim_idle <= 0:
            raise ValueError("--concurrency must be >= 1 and --claim-idle > 0")
    except ValueError as exc:
        print(f"assistants-events worker: {exc}", file=sys.stderr)
        return 2
    await run_worker(args.redis, handler, concurrency=args.concurrency,
                     claim_idle=args.claim_idle, prefix=args.prefix, name=args.name)  # fmt: skip
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m assistants_events.relay.worker --redis URL --handler module:Class`."""
    parser = argparse.ArgumentParser(
        prog="assistants-events worker", description=f"Serve relay jobs from Redis. {DESCRIPTION}"
    )
    args = add_arguments(parser).parse_args(argv)
    try:
        return asyncio.run(run_from_args(args))
    except AssistantsEventsError as exc:
        print(f"assistants-events worker: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
