"""Drive an Assistants job for a worker, and resume one a dead worker left behind.

The Assistants API cannot replay a stream, so a resumed run is brought up to
date from the server's objects: the worker replays the relayed events into its
handler, retrieves the run (waiting while it is queued or in progress), its
steps and its messages, and relays only the status events the followers have
not seen (a message's `completed` carries its full text).  Tool calls are
answered only while the server still waits for them; each call id is recorded
in Redis before its output is submitted, and a call id found recorded makes
the worker ask the server again before answering.

The same loop serves a stream that broke under a live worker: it resumes in place.
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

import anyio
import attrs

from .. import errors as e
from ..assistants.lifecycle import MESSAGE_TRANSITIONS, RUN_TRANSITIONS, STEP_TRANSITIONS, TERMINAL
from ..assistants.runner import ToolOutputError, check_outputs
from ..dispatch import Router
from ..events import Event
from ..handler import EventHandler
from ..result import StreamResult
from .context import JobContext, dumps
from .errors import LeaseLost, RelayError, relay_cause
from .jobs import JobSummary

__all__ = ["abandon_assistants", "drive_assistants"]

log = logging.getLogger("assistants_events.relay")

MAX_ROUNDS = 50
_SETTLING = frozenset({"queued", "in_progress", "cancelling"})
# A stream that broke off: resumed from the server's state instead of failing the job.
# An `error` event too: the run's status on the server says what it came to.
_BROKEN = (
    e.APIConnectionError,
    e.APITimeoutError,
    e.StreamTimeout,
    e.IncompleteStream,
    e.StreamError,
)


class _Gone(Exception):
    """The run disappeared (deleted thread): the job cannot go on."""


def _path(table: Mapping[str, frozenset[str]], start: str, goal: str) -> list[str]:
    """The statuses after `start` on a shortest way to `goal` (empty when none or there)."""
    if start == goal or start not in table:
        return []
    # A cancel the server went through is the only reason to show `cancelling`.
    avoid = set() if goal in ("cancelled", "cancelling") else {"cancelling"}
    previous: dict[str, str] = {}
    todo = deque([start])
    while todo:
        status = todo.popleft()
        for nxt in sorted(table[status]):
            if nxt not in previous and nxt != start and nxt not in avoid:
                previous[nxt] = status
                if nxt == goal:
                    way = [goal]
                    while way[-1] in previous and previous[way[-1]] != start:
                        way.append(previous[way[-1]])
                    return way[::-1]
                todo.append(nxt)
    return []


async def drive_assistants(ctx: JobContext) -> JobSummary:
    """Run (or resume) an Assistants job to a terminal run; returns its summary."""
    params = dict(ctx.params)
    assistant_id = params.pop("assistant_id", None)
    if not isinstance(assistant_id, str):
        return ctx.summary("error", error="an assistants job needs assistant_id='asst_...'")
    messages = params.pop("messages", None) or []
    given_thread = params.pop("thread_id", None)
    client = ctx.client
    handler = ctx.handler_factory()
    runs = _RunRecorder(ctx)

    relayed, end = await ctx.history()
    for event in relayed:  # the followers' view so far: the handler starts from it
        await handler.dispatch(event)
    if end is not None:  # the previous attempt ended the stream, then died
        if "error" in end:
            return ctx.summary("error", error=end["error"], text=handler.result.text)
        return _Driver(ctx, handler, "", None).summary(handler.result)
    handler.include_router(runs)
    ctx.attach(handler)
    last_relayed = relayed[-1].name if relayed else None

    thread_id = ctx.record.get("thread_id") or given_thread
    if thread_id is None:
        thread = await client.create_thread(messages)
        thread_id = thread.id
        await ctx.remember(thread_id=thread_id)
    elif given_thread and messages:
        params.setdefault("additional_messages", messages)
    run_id = ctx.record.get("run_id")
    if run_id is None:
        run_id = await _started_run(ctx, client, thread_id)
        if run_id is not None:  # adopted: recorded, so a worker that started it knows
            await ctx.remember(run_id=run_id)
            runs.run_id = run_id

    driver = _Driver(ctx, handler, thread_id, last_relayed)
    try:
        return await _drive(ctx, driver, runs, handler, assistant_id, params, run_id, thread_id)
    except LeaseLost:
        if run_id is None:  # this attempt started (or adopted) the run it knows
            await _drop_orphan(ctx, driver, runs.run_id, patience=ctx.store.lease_ms / 1000)
        raise
    except BaseException:
        # Cancelled (the heartbeat found the lease gone, or the worker stops) or failed
        # for a reason left to a retry: a run started here that the job does not use
        # is cancelled; the job's own run is left to whoever drives the job.
        if run_id is None and runs.run_id is not None:
            with anyio.CancelScope(shield=True), contextlib.suppress(RelayError, e.APIError):
                await _drop_orphan(ctx, driver, runs.run_id, patience=0.0)
        raise


async def _drive(
    ctx: JobContext,
    driver: _Driver,
    runs: _RunRecorder,
    handler: EventHandler,
    assistant_id: str,
    params: dict[str, Any],
    run_id: str | None,
    thread_id: str,
) -> JobSummary:
    client = ctx.client
    try:
        if run_id is None:
            await ctx.check_lease()
            try:
                stream = await client.stream_run(thread_id, assistant_id, **params)
                result = await driver.consume(stream)
            except e.BadRequestError as exc:
                if "active run" not in str(exc):
                    raise
                # A worker that lost this job started the run after all: take that one.
                log.info("job %s: the thread's run was started meanwhile; resuming it",
                         ctx.job_id)  # fmt: skip
                result = await driver.resync(runs.run_id or await _newest_run(client, thread_id))
            except _BROKEN as exc:
                log.info("job %s: the run's stream broke (%s); resuming from the server",
                         ctx.job_id, type(exc).__name__)  # fmt: skip
                started = runs.run_id or await _started_run(ctx, client, thread_id)
                result = await driver.resync(started)
        else:
            result = await driver.resync(run_id)
        return await driver.rounds(result)
    except (e.HandlerError, e.LifecycleError, ToolOutputError, e.EventDecodeError, _Gone,
            e.BadRequestError, e.NotFoundError, e.AuthenticationError,
            e.PermissionDeniedError) as exc:  # fmt: skip
        cause = relay_cause(exc)
        if cause is not None:
            raise cause from None  # Redis or the lease, not the job: leave the run alone
        # Definitive: this job cannot succeed.  Leave no run alive, end the stream.
        await driver.cancel(runs.run_id or run_id)
        return await _failed(ctx, handler, f"{type(exc).__name__}: {exc}")


async def _drop_orphan(
    ctx: JobContext, driver: _Driver, run_id: str | None, *, patience: float
) -> None:
    """This worker lost its job after starting a run: cancel that run unless it is the job's.

    The new owner records the run it drives (its own, or this one if it adopted it);
    a different one recorded means this run is an orphan nobody will finish.  While
    nothing is recorded the run is left alone: it may be adopted (`patience`: how
    long to wait for the new owner's record).
    """
    if run_id is None:
        return
    waited = 0.0
    while True:
        owned = (await ctx.store.record(ctx.job_id)).get("run_id")
        if owned == run_id:
            return
        if owned:
            log.warning(
                "job %s: run %s was started here after the job was lost; cancelling it "
                "(the job's run is %s)", ctx.job_id, run_id, owned,
            )  # fmt: skip
            await driver.cancel(run_id)
            return
        if waited >= patience:
            return
        await anyio.sleep(0.1)
        waited += 0.1


async def abandon_assistants(ctx: JobContext) -> None:
    """The job is given up: cancel its run if it is still alive, end its stream."""
    thread_id, run_id = ctx.record.get("thread_id"), ctx.record.get("run_id")
    if thread_id and run_id:
        await _Driver(ctx, ctx.handler_factory(), thread_id, None).cancel(run_id)


async def _failed(ctx: JobContext, handler: EventHandler, error: str) -> JobSummary:
    if ctx.publisher is not None and not ctx.publisher.ended:
        await ctx.publisher.close(error=error)
    result = handler.result
    run = result.run
    return ctx.summary(
        "error",
        error=error,
        text=result.text,
        object_id=run.id if run else None,
        thread_id=ctx.record.get("thread_id"),
    )


async def _started_run(ctx: JobContext, client: Any, thread_id: str) -> str | None:
    """The run this job started on the thread before dying, if it started one.

    Before starting a run the worker records the thread's newest run id; a newer
    run found later is this job's.
    """
    page = await client.list_runs(thread_id, limit=1, order="desc")
    newest = page.data[0].id if page.data else ""
    if "before_run" not in ctx.record:
        await ctx.remember(before_run=newest)
        return None
    return newest if newest and newest != ctx.record["before_run"] else None


async def _newest_run(client: Any, thread_id: str) -> str | None:
    page = await client.list_runs(thread_id, limit=1, order="desc")
    return page.data[0].id if page.data else None


class _RunRecorder(Router):
    """Remembers the job's run id in Redis the first time an event names it."""

    def __init__(self, ctx: JobContext) -> None:
        super().__init__(name=f"runs:{ctx.job_id}")
        self.ctx = ctx
        self.run_id: str | None = ctx.record.get("run_id")
        self.on("thread.run.*")(self.seen)

    async def seen(self, event: Event) -> None:
        if self.run_id is None and not event.name.startswith("thread.run.step."):
            run_id = event.object_id
            if run_id:
                self.run_id = run_id
                await self.ctx.remember(run_id=run_id)


@attrs.define
class _Driver:
    ctx: JobContext
    handler: EventHandler
    thread_id: str
    last_relayed: str | None
    poll_limit: float = 600.0

    async def consume(self, stream: Any) -> StreamResult:
        async with stream:
            result = await self.handler.consume(stream)
        self.last_relayed = "done" if result.done else self.last_relayed
        return result

    async def rounds(self, result: StreamResult) -> JobSummary:
        client, ctx = self.ctx.client, self.ctx
        for _ in range(MAX_ROUNDS):
            run = result.run
            if run is None:
                raise _Gone("no run event arrived and the server names no run for this job")
            if run.status in TERMINAL["run"]:
                return self.summary(result)
            if run.status != "requires_action":
                result = await self.resync(run.id)
                continue
            call_ids = [call.id for call in run.tool_calls]
            outputs = check_outputs(call_ids, await self.handler.answer_tool_calls(run))
            await ctx.check_lease()
            if await ctx.store.record_calls(run.id, call_ids):
                # Recorded before: by an attempt that died, or by another worker.  Answer
                # only if the server still waits for exactly these calls.
                current = await client.retrieve_run(self.thread_id, run.id)
                waiting = {c.id for c in current.tool_calls} if current.status == "requires_action" else set()  # fmt: skip  # noqa: E501
                if waiting != set(call_ids):
                    result = await self.resync(run.id)
                    continue
                log.info("job %s: outputs for %s were recorded but never reached the server; "
                         "submitting them", ctx.job_id, call_ids)  # fmt: skip
            try:
                stream = await client.stream_submit_tool_outputs(self.thread_id, run.id, outputs)
                result = await self.consume(stream)
            except e.BadRequestError:
                result = await self.resync(run.id)  # it no longer waits: someone answered
            except _BROKEN as exc:
                log.info("job %s: the stream broke (%s); resuming from the server",
                         ctx.job_id, type(exc).__name__)  # fmt: skip
                result = await self.resync(run.id)
        raise e.AssistantsEventsError(f"the run asked for tools more than {MAX_ROUNDS} times")

    def summary(self, result: StreamResult) -> JobSummary:
        run = result.run
        if run is None:
            return self.ctx.summary(
                "error", error="the job's stream names no run", text=result.text
            )
        usage = result.usage
        return self.ctx.summary(
            run.status,
            text=result.text,
            usage=attrs.asdict(usage) if usage is not None else None,
            error=run.last_error.message if run.last_error else None,
            object_id=run.id,
            thread_id=self.thread_id or run.thread_id,
        )

    async def cancel(self, run_id: str | None) -> None:
        """Cancel the job's run if it is still alive (shielded, bounded)."""
        if run_id is None:
            return
        with anyio.CancelScope(shield=True), anyio.move_on_after(10):
            try:
                run = await self.ctx.client.retrieve_run(self.thread_id, run_id)
                if run.status not in TERMINAL["run"] and run.status != "cancelling":
                    await self.ctx.client.cancel_run(self.thread_id, run_id)
            except e.APIError as exc:
                log.warning("job %s: could not cancel run %s: %s", self.ctx.job_id, run_id, exc)

    async def resync(self, run_id: str | None) -> StreamResult:
        """Bring the handler (and the followers) up to the server's state of the run."""
        if run_id is None:
            raise _Gone("the job's run cannot be found on its thread")
        run = await self._settled(run_id)
        steps = await self._all(f"/threads/{self.thread_id}/runs/{run_id}/steps")
        messages = {
            m["id"]: m
            for m in await self._all(f"/threads/{self.thread_id}/messages")
            if m.get("run_id") == run_id
        }
        lifecycle = self.handler.lifecycle  # None when nothing was relayed yet

        def seen(kind: str, object_id: str) -> str | None:
            return lifecycle.status(kind, object_id) if lifecycle is not None else None

        out: list[tuple[str, dict[str, Any]]] = []

        planned: dict[tuple[str, str], str] = {}  # statuses the catch-up events will set

        def bring(
            kind: str, prefix: str, obj: dict[str, Any], table: Any, upto: str | None = None
        ) -> None:
            key = (kind, obj["id"])
            current = planned.get(key) or seen(kind, obj["id"])
            if current is None:
                current = "queued" if kind == "run" else "in_progress"
                out.append((f"{prefix}.created", {**obj, "status": current}))
            for status in _path(table, current, upto or obj["status"]):
                out.append((f"{prefix}.{status}", {**obj, "status": status}))
                current = status
            planned[key] = current

        # The run moves up to just before its current status, its steps and messages
        # catch up, then the run takes its status: the order a live stream has.
        seen_run = seen("run", run_id)
        if seen_run is None:
            out.append(("thread.run.created", {**run, "status": "queued"}))
        run_path = _path(RUN_TRANSITIONS, seen_run or "queued", run["status"])
        for status in run_path[:-1]:
            out.append((f"thread.run.{status}", {**run, "status": status}))
        for step in steps:
            details = step.get("step_details") or {}
            message_id = (details.get("message_creation") or {}).get("message_id")
            if message_id in messages:
                bring("step", "thread.run.step", step, STEP_TRANSITIONS, upto="in_progress")
                bring("message", "thread.message", messages.pop(message_id), MESSAGE_TRANSITIONS)
            bring("step", "thread.run.step", step, STEP_TRANSITIONS)
        for message in messages.values():
            bring("message", "thread.message", message, MESSAGE_TRANSITIONS)
        for status in run_path[-1:]:
            out.append((f"thread.run.{status}", run))
        resting = run["status"] in TERMINAL["run"] or run["status"] == "requires_action"
        events = [Event(name, dumps(obj)) for name, obj in out]
        if resting and (events or self.last_relayed != "done"):
            events.append(Event("done", "[DONE]"))
        if events:
            log.info("job %s: resumed run %s at %s, relaying %d catch-up event(s)",
                     self.ctx.job_id, run_id, run["status"], len(events))  # fmt: skip
        for event in events:
            await self.handler.dispatch(event)
            self.last_relayed = event.name
        return self.handler.result

    async def _settled(self, run_id: str) -> dict[str, Any]:
        """The run once it rests (requires_action or terminal), polling with backoff."""
        path = f"/threads/{self.thread_id}/runs/{run_id}"
        delay, waited = 0.05, 0.0
        while True:
            try:
                run: dict[str, Any] = await self.ctx.client.request("GET", path)
            except e.NotFoundError:
                raise _Gone(f"run {run_id} on thread {self.thread_id} is gone") from None
            if run.get("status") not in _SETTLING or waited >= self.poll_limit:
                return run
            await anyio.sleep(delay)
            waited += delay
            delay = min(2.0, delay * 2)

    async def _all(self, path: str) -> Sequence[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            params = {"order": "asc", "limit": 100, "after": after}
            page = await self.ctx.client.request("GET", path, None, params)
            items.extend(page.get("data") or [])
            if not page.get("has_more") or not page.get("data"):
                return items
            after = page["data"][-1]["id"]
