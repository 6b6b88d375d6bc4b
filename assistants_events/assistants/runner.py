"""Drive one run end to end: stream, answer every `requires_action`, stream on.

Each `requires_action` is answered with ONE `submit_tool_outputs` request that
carries one output per tool call, in the calls' order; the stream it returns is
consumed by the same handler, so lifecycle and snapshots carry over.

No orphan runs, no doubled work:

- Creating a run runs in a task of its own that a cancellation of the driver
  (`task.cancel()`, `asyncio.wait_for`, Ctrl-C, an anyio scope) does not reach:
  the driver waits for its answer, then cancels the run it created.
- Creating a run and submitting outputs are never blindly retried once the
  request was sent.  When the answer is lost (connection dropped, timeout, a 5xx
  after retries), the driver looks: the thread's active run (the API allows one
  per thread) is the run it created, and it follows that run; if the thread has
  none, nothing was created and the request is sent again.  After a lost submit
  answer (or a 400 "not waiting" / a 5xx) it retrieves the run: still waiting for
  the same calls means the outputs were not taken; otherwise they were, and the
  run is followed.  A run created moments before and already finished when the
  driver looks cannot be told from no run at all: that one case can repeat a
  short run (never leaving one alive).
- Following a run whose stream was lost polls `retrieve_run` until it rests
  (terminal, or waiting for new tool calls), then reads its steps and messages
  and hands the handler `created` / final-status events carrying the full
  objects (no deltas: the text arrives whole, in `thread.message.completed`).
- A new thread (`run_new_thread`) is created first, with its own request, then
  the run on it, so a lost answer can be looked up on a known thread; the handler
  still sees `thread.created` first.  A retried thread creation can leave an
  empty duplicate thread (threads cost nothing and run nothing).
- If the driver is cancelled or fails while a run is alive on the server, it
  sends `cancel` for that run (shielded, bounded by `cancel_timeout`) and
  re-raises; the error's message and attributes (`run_id`, `thread_id`,
  `remote_cancel_sent`) say which run and whether a cancel was sent.

Each drive starts the handler fresh (`reset()`); one handler instance drives one
run at a time: a second concurrent drive raises `ConfigurationError`.

A Foundry run waiting for `submit_tool_approval` (MCP calls) is answered the same
way: one approval per call from the handler's `approve_tool_calls`, sent as
`tool_approvals` through the same submit recovery (taken exactly once).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import suppress
from functools import partial
from typing import Any

import anyio
import attrs

from .. import jsonlib
from ..errors import (
    APIError,
    AssistantsEventsError,
    BadRequestError,
    IncompleteStream,
    InternalServerError,
    RequestOutcomeUnknown,
    RunNotStarted,
)
from ..events import Event
from ..handler import EventHandler, begin_drive, end_drive
from ..result import StreamResult
from ..sse import SSEDecoder
from ..tool_calls import ToolOutput
from ..transport import RunStream
from . import models as m
from . import params as p
from .client import AssistantsEndpoints as AssistantsClient
from .convert import structure, unstructure
from .foundry import ToolApproval
from .lifecycle import TERMINAL

__all__ = ["ToolOutputError", "run", "run_new_thread"]

log = logging.getLogger("assistants_events")

DEFAULT_MAX_ROUNDS = 50
DEFAULT_CANCEL_TIMEOUT = 10.0
"""Seconds the remote cancel of a failed or cancelled drive may take."""
POLL_INTERVAL = 0.5
"""Seconds between two `retrieve_run` while following a run whose stream was lost."""

_LIST_LIMIT = 100


class ToolOutputError(AssistantsEventsError):
    """The outputs a handler produced do not answer the run's tool calls one to one."""


def check_outputs(call_ids: Sequence[str], outputs: Sequence[ToolOutput]) -> list[ToolOutput]:
    """Outputs in the calls' order; raise if any call is unanswered, doubled or unknown."""
    by_id: dict[str, ToolOutput] = {}
    for output in outputs:
        if output.tool_call_id in by_id:
            raise ToolOutputError(f"two outputs for tool call {output.tool_call_id!r}")
        by_id[output.tool_call_id] = output
    missing = [i for i in call_ids if i not in by_id]
    unknown = sorted(set(by_id) - set(call_ids))
    if missing or unknown:
        raise ToolOutputError(
            f"tool outputs must answer each call exactly once: missing {missing}, "
            f"unknown {unknown}; nothing was submitted"
        )
    return [by_id[i] for i in call_ids]


@attrs.define
class _Drive:
    """What one drive knows: for its remote cancel and for its errors' story."""

    thread_id: str | None = None
    run_id: str | None = None
    stream: RunStream | None = None
    # Tuples: nothing is allocated for them in the run that goes well.
    followed: tuple[tuple[str, str], ...] = ()
    cancel_sent: tuple[str, ...] = ()
    cancel_failed: bool = False


async def run(
    client: AssistantsClient,
    handler: EventHandler,
    *,
    thread_id: str,
    assistant_id: str,
    instructions: str | None = None,
    additional_instructions: str | None = None,
    additional_messages: Sequence[p.MessageParam] | None = None,
    model: str | None = None,
    tools: Sequence[p.ToolParam] | None = None,
    tool_choice: p.ToolChoice | None = None,
    metadata: p.Metadata | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    max_prompt_tokens: int | None = None,
    max_completion_tokens: int | None = None,
    truncation_strategy: p.TruncationStrategy | None = None,
    response_format: p.ResponseFormat | None = None,
    parallel_tool_calls: bool | None = None,
    reasoning_effort: p.ReasoningEffort | None = None,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
    cancel_timeout: float = DEFAULT_CANCEL_TIMEOUT,
    **extra: Any,
) -> StreamResult:
    """Start a streamed run on a thread and drive it to a terminal status.

    The run's parameters are the create-run request's (one left `None` is not
    sent; `extra` keyword arguments are sent as given).  Returns the `StreamResult`
    of the whole run.  The handler is reset first: its result is this run's only.
    """
    run_params = {
        **p.given(instructions=instructions, additional_instructions=additional_instructions,
                  additional_messages=additional_messages, model=model, tools=tools,
                  tool_choice=tool_choice, metadata=metadata, temperature=temperature,
                  top_p=top_p, max_prompt_tokens=max_prompt_tokens,
                  max_completion_tokens=max_completion_tokens,
                  truncation_strategy=truncation_strategy, response_format=response_format,
                  parallel_tool_calls=parallel_tool_calls, reasoning_effort=reasoning_effort),
        **extra,
    }  # fmt: skip
    return await drive_thread(client, handler, thread_id, assistant_id, run_params, max_rounds,
                              cancel_timeout)  # fmt: skip


def drive_thread(
    client: AssistantsClient,
    handler: EventHandler,
    thread_id: str,
    assistant_id: str,
    run_params: Mapping[str, Any],
    max_rounds: int,
    cancel_timeout: float,
) -> Coroutine[Any, Any, StreamResult]:
    """`run`'s drive, the create-run request's parameters gathered already.

    A plain function: `EventHandler.run` awaits the drive itself, with no coroutine of
    this module's waiting in between.
    """
    return _drive(client, handler, _Drive(thread_id=thread_id), assistant_id, run_params,
                  max_rounds, cancel_timeout)  # fmt: skip


async def run_new_thread(
    client: AssistantsClient,
    handler: EventHandler,
    *,
    assistant_id: str,
    messages: Sequence[p.MessageParam] = (),
    thread: p.ThreadParam | None = None,
    tool_resources: p.ToolResources | None = None,
    instructions: str | None = None,
    additional_instructions: str | None = None,
    additional_messages: Sequence[p.MessageParam] | None = None,
    model: str | None = None,
    tools: Sequence[p.ToolParam] | None = None,
    tool_choice: p.ToolChoice | None = None,
    metadata: p.Metadata | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    max_prompt_tokens: int | None = None,
    max_completion_tokens: int | None = None,
    truncation_strategy: p.TruncationStrategy | None = None,
    response_format: p.ResponseFormat | None = None,
    parallel_tool_calls: bool | None = None,
    reasoning_effort: p.ReasoningEffort | None = None,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
    cancel_timeout: float = DEFAULT_CANCEL_TIMEOUT,
    **extra: Any,
) -> StreamResult:
    """Create a thread with `messages`, run the assistant on it, drive it to the end.

    `thread={...}` (messages, metadata, tool_resources) creates the thread; a
    top-level `tool_resources` goes to the thread too.  The other parameters are
    the create-run request's, as for `run`.  The thread is created with its own
    request before the run, so that a run whose answer was lost can be found on it
    (see the module's docstring).
    """
    run_params = {
        **p.given(instructions=instructions, additional_instructions=additional_instructions,
                  additional_messages=additional_messages, model=model, tools=tools,
                  tool_choice=tool_choice, metadata=metadata, temperature=temperature,
                  top_p=top_p, max_prompt_tokens=max_prompt_tokens,
                  max_completion_tokens=max_completion_tokens,
                  truncation_strategy=truncation_strategy, response_format=response_format,
                  parallel_tool_calls=parallel_tool_calls, reasoning_effort=reasoning_effort),
        **extra,
    }  # fmt: skip
    return await drive_new_thread(client, handler, assistant_id, run_params, max_rounds,
                                  cancel_timeout, messages, thread, tool_resources)  # fmt: skip


def drive_new_thread(
    client: AssistantsClient,
    handler: EventHandler,
    assistant_id: str,
    run_params: Mapping[str, Any],
    max_rounds: int,
    cancel_timeout: float,
    messages: Sequence[p.MessageParam] = (),
    thread: p.ThreadParam | None = None,
    tool_resources: p.ToolResources | None = None,
) -> Coroutine[Any, Any, StreamResult]:
    """`run_new_thread`'s drive, the create-run request's parameters gathered already.

    A plain function: `EventHandler.run` awaits the drive itself, with no coroutine of
    this module's waiting in between.
    """
    new_thread = dict(thread or {})
    new_thread.setdefault("messages", list(messages))
    if tool_resources is not None:  # the create-run request has none
        new_thread.setdefault("tool_resources", tool_resources)
    return _drive(client, handler, _Drive(), assistant_id, run_params, max_rounds,
                  cancel_timeout, new_thread=new_thread)  # fmt: skip


# ----------------------------------------------------------------- the drive


async def _drive(
    client: AssistantsClient,
    handler: EventHandler,
    ctx: _Drive,
    assistant_id: str,
    run_params: Mapping[str, Any],
    max_rounds: int,
    cancel_timeout: float,
    new_thread: Mapping[str, Any] | None = None,
) -> StreamResult:
    begin_drive(handler, "run")
    try:
        opened = await _start(client, handler, ctx, assistant_id, run_params, new_thread)
        if isinstance(opened, RunStream):
            result = await _consume(handler, opened, ctx)
        else:
            result = await _follow(client, handler, ctx, opened)
        for _ in range(max_rounds):
            current = result.run
            if current is None:
                raise RunNotStarted(
                    f"the stream ended after {_events_read(ctx)} events without naming a "
                    "run (no thread.run.* event): the server started none; check the "
                    "assistant id and the request"
                )
            ctx.run_id = current.id
            ctx.thread_id = current.thread_id or ctx.thread_id
            thread_id = ctx.thread_id or ""
            if current.status in TERMINAL["run"]:
                if log.isEnabledFor(logging.INFO):
                    log.info(
                        "run %s on thread %s ended %s", current.id, thread_id, current.status,
                        extra={"run_id": current.id, "thread_id": thread_id,
                               "event": f"thread.run.{current.status}"},
                    )  # fmt: skip
                if client.usage_tracker is not None:
                    client.usage_tracker.record(current)
                return result
            # Only the run is kept across the submit: a result nobody reads costs
            # nothing (its typed fields are built when first read).
            del result
            if current.status != "requires_action":
                raise IncompleteStream(current.id, current.status)
            send: Callable[[], Awaitable[RunStream]]
            if not isinstance(current.required_action, m.RequiredAction):
                approvals = await _approvals(handler, current, thread_id)
                what = "approvals"
                send = partial(
                    client.stream_submit_tool_approvals, thread_id, current.id, approvals
                )
            else:
                calls = current.tool_calls
                log.info(
                    "run %s on thread %s requires %d tool call(s)",
                    current.id, thread_id, len(calls),
                    extra={"run_id": current.id, "thread_id": thread_id,
                           "event": "thread.run.requires_action"},
                )  # fmt: skip
                outputs = check_outputs(
                    [c.id for c in calls], await handler.answer_tool_calls(current)
                )
                what = "outputs"
                send = partial(client.stream_submit_tool_outputs, thread_id, current.id, outputs)
            # Read at the loop's top (ruff takes the `del` above for the last use).
            result = await _submit(client, handler, ctx, current, what, send)  # noqa: F841
        raise AssistantsEventsError(
            f"the run asked for tools more than {max_rounds} times; raise max_rounds "
            "if that is expected"
        )
    except BaseException as exc:
        await _cancel_live_runs(client, handler, ctx, cancel_timeout)
        _tell_the_story(exc, handler, ctx)
        raise
    finally:
        end_drive(handler)


async def _start(
    client: AssistantsClient,
    handler: EventHandler,
    ctx: _Drive,
    assistant_id: str,
    run_params: Mapping[str, Any],
    new_thread: Mapping[str, Any] | None,
) -> RunStream | str:
    """Create the thread (if new) and the run: the run's stream, or the id of the run
    a lost answer created (to follow)."""
    if new_thread is not None:
        params = dict(new_thread)
        # The answer is the data of the `thread.created` event a thread-and-run stream
        # starts with: handed on as it came, not typed and encoded again.
        data, payload = await client._create_thread_text(params.pop("messages", ()), **params)
        thread_id = payload.get("id") if isinstance(payload, dict) else None
        if not isinstance(thread_id, str):  # the typed model says what is wrong with it
            thread_id = structure(payload, m.Thread, event="/threads").id
        ctx.thread_id = thread_id
        if "\n" in data or "\r" in data:  # pretty-printed (the public API's): one SSE line
            data = json.dumps(payload, separators=(",", ":"))
        if client.stream_recorder is not None:  # recordings start as a thread-and-run stream does
            client.stream_recorder(f"event: thread.created\ndata: {data}\n\n".encode())
        await handler.dispatch(Event("thread.created", data, _json=payload))
    return await _open(_create_run(client, ctx, assistant_id, run_params), ctx)


async def _open(create: Coroutine[Any, Any, RunStream | str], ctx: _Drive) -> RunStream | str:
    """Create the run in a task a cancellation cannot reach; wait for it even if cancelled.

    The task is awaited through `asyncio.shield`: a cancellation of the driver (a
    plain `task.cancel()` or an anyio scope) stops the wait, not the request.  Then
    the driver waits for the answer naming the run, shielded from anyio scopes too
    (they would cancel that wait over and over), records what was created (for its
    remote cancel) and re-raises.
    """
    task = asyncio.ensure_future(create)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError as exc:
        if task.cancelled():
            raise
        interrupted = exc
    with anyio.CancelScope(shield=True):
        while not task.done():
            with suppress(asyncio.CancelledError):  # a plain task.cancel() gets through
                await asyncio.wait((task,))
    if not task.cancelled() and task.exception() is None:
        opened = task.result()
        if isinstance(opened, RunStream):
            ctx.stream = opened
        elif ctx.thread_id is not None:
            ctx.followed += ((opened, ctx.thread_id),)
    raise interrupted


async def _create_run(
    client: AssistantsClient, ctx: _Drive, assistant_id: str, run_params: Mapping[str, Any]
) -> RunStream | str:
    """The new run's stream, or the id of the run a lost answer created (to follow)."""
    thread_id = ctx.thread_id or ""
    for attempt in itertools.count():
        try:
            return await client.stream_run(thread_id, assistant_id, **run_params)
        except (RequestOutcomeUnknown, InternalServerError) as exc:
            try:
                found = await _lookup_active_run(client, thread_id)
            except APIError:
                raise exc from None  # cannot tell whether it was created: say so, as it was
            if found is not None:
                log.warning(
                    "the answer to creating a run on thread %s was lost (%s); following "
                    "run %s, the thread's active run, by polling",
                    thread_id, type(exc).__name__, found[0],
                    extra={"run_id": found[0], "thread_id": thread_id, "event": "follow"},
                )  # fmt: skip
                ctx.followed += (found,)
                return found[0]
            if isinstance(exc, InternalServerError) or attempt >= client.max_retries:
                raise  # a 5xx was already retried by the transport
            log.info(
                "the answer to creating a run on thread %s was lost (%s) and the thread "
                "has no active run: creating it again",
                thread_id, type(exc).__name__, extra={"thread_id": thread_id, "event": "retry"},
            )  # fmt: skip
    raise AssertionError("unreachable")  # pragma: no cover


async def _submit(
    client: AssistantsClient,
    handler: EventHandler,
    ctx: _Drive,
    current: m.Run,
    what: str,
    send: Callable[[], Awaitable[RunStream]],
) -> StreamResult:
    """Submit once (`send`: tool outputs or approvals); if the answer is lost or
    refused, look whether the run took them before sending anything again.
    """
    thread_id = ctx.thread_id or ""
    call_ids = _call_ids(current)
    for attempt in itertools.count():
        try:
            stream = await send()
        except APIError as exc:
            try:
                latest = await client.retrieve_run(thread_id, current.id)
            except APIError:
                raise exc from None
            if latest.status != "requires_action" or _call_ids(latest) != call_ids:
                log.warning(
                    "submitting %s to run %s failed (%s) but the run moved on to %s: "
                    "the %s were taken; following the run by polling",
                    what, current.id, type(exc).__name__, latest.status, what,
                    extra={"run_id": current.id, "thread_id": thread_id, "event": "follow"},
                )  # fmt: skip
                return await _follow(client, handler, ctx, current.id, answered=call_ids)
            if not isinstance(exc, RequestOutcomeUnknown) or attempt >= client.max_retries:
                raise
            log.info(
                "run %s still waits for the same calls: submitting again", current.id,
                extra={"run_id": current.id, "thread_id": thread_id, "event": "retry"},
            )  # fmt: skip
            continue
        return await _consume(handler, stream, ctx)
    raise AssertionError("unreachable")  # pragma: no cover


def _call_ids(run: m.Run) -> frozenset[str]:
    """The calls a run waits on: for outputs or (Foundry) for approval."""
    return frozenset(c.id for c in run.tool_calls) | {c.id for c in run.approval_calls}


async def _consume(handler: EventHandler, stream: RunStream, ctx: _Drive) -> StreamResult:
    """`handler.consume(stream)`, counting the events so that a broken stream can say how many."""
    ctx.stream = stream
    stream.events_read = 0
    async with stream:
        return await handler._ae_consume(stream, stream.count_events)


def _events_read(ctx: _Drive) -> int:
    return (ctx.stream.events_read or 0) if ctx.stream is not None else 0


# ------------------------------------------------- Foundry: MCP tool approvals


def check_approvals(
    call_ids: Sequence[str], approvals: Sequence[ToolApproval]
) -> list[ToolApproval]:
    """Approvals in the calls' order; raise if any call is unanswered, doubled or unknown."""
    by_id: dict[str, ToolApproval] = {}
    for approval in approvals:
        if approval.tool_call_id in by_id:
            raise ToolOutputError(f"two approvals for tool call {approval.tool_call_id!r}")
        by_id[approval.tool_call_id] = approval
    missing = [i for i in call_ids if i not in by_id]
    unknown = sorted(set(by_id) - set(call_ids))
    if missing or unknown:
        raise ToolOutputError(
            f"tool approvals must answer each call exactly once: missing {missing}, "
            f"unknown {unknown}; nothing was submitted"
        )
    return [by_id[i] for i in call_ids]


async def _approvals(handler: EventHandler, run: m.Run, thread_id: str) -> list[ToolApproval]:
    """The handler's answer to a `submit_tool_approval` run, one approval per call."""
    action = run.required_action
    if not isinstance(action, m.SubmitToolApprovalAction):
        kind = action.get("type") if isinstance(action, dict) else None
        raise AssistantsEventsError(
            f"run {run.id} waits for a {kind!r} action this client cannot answer; "
            "it was cancelled (answer it yourself with client.request and a handler that "
            "stops at requires_action)"
        )
    ids = [call.id for call in run.approval_calls]
    log.info(
        "run %s on thread %s requires approval of %d tool call(s)", run.id, thread_id, len(ids),
        extra={"run_id": run.id, "thread_id": thread_id, "event": "thread.run.requires_action"},
    )  # fmt: skip
    return check_approvals(ids, await handler.approve_tool_calls(run))


# ------------------------------------------------------------- following a run


async def _follow(
    client: AssistantsClient,
    handler: EventHandler,
    ctx: _Drive,
    run_id: str,
    answered: frozenset[str] = frozenset(),
) -> StreamResult:
    """Poll a run until it rests, then give the handler what its lost stream would have."""
    thread_id = ctx.thread_id or ""
    if thread_id and (run_id, thread_id) not in ctx.followed:
        ctx.followed += ((run_id, thread_id),)
    while True:
        latest = await client.retrieve_run(thread_id, run_id)
        if latest.status in TERMINAL["run"]:
            break
        if latest.status == "requires_action" and _call_ids(latest) != answered:
            break
        await anyio.sleep(POLL_INTERVAL)
    steps: list[m.RunStep] = []
    after: str | None = None
    while True:
        page = await client.list_run_steps(thread_id, run_id, order="asc", limit=_LIST_LIMIT,
                                           after=after)  # fmt: skip
        steps += page.data
        if not page.has_more or not page.data or page.data[-1].id == after:
            break
        after = page.data[-1].id
    messages: list[m.Message] = []
    after = None
    while True:
        mpage = await client.list_messages(thread_id, order="asc", limit=_LIST_LIMIT,
                                           after=after, run_id=run_id)  # fmt: skip
        messages += mpage.data
        if not mpage.has_more or not mpage.data or mpage.data[-1].id == after:
            break
        after = mpage.data[-1].id
    return await handler.consume_events(_catch_up(handler, latest, steps, messages))


def _event(name: str, obj: Any, status: str | None = None) -> Event:
    payload = unstructure(obj)
    if status is not None:
        payload["status"] = status
    return Event(name, json.dumps(payload))


def _run_route(known: str | None, final: str) -> list[str]:
    """Run event suffixes leading a run the handler saw at `known` to `final` (legally)."""
    route: list[str] = []
    status = known
    if status is None:
        route.append("created")
        status = "queued"
    if final == "cancelled" and status != "cancelling":
        route.append("cancelling")
    elif final in ("requires_action", "completed", "incomplete") and status != "in_progress":
        route.append("in_progress")
    return [*route, final]


def _catch_up(
    handler: EventHandler, run: m.Run, steps: list[m.RunStep], messages: list[m.Message]
) -> list[Event]:
    known_runs = {run_id: status for run_id, _, status in handler.known_runs()}
    seen = handler.result
    known_steps = {s.id: s.status for s in seen.run_steps}
    known_messages = {msg.id: msg.status for msg in seen.messages}
    route = _run_route(known_runs.get(run.id), run.status)
    events = [
        _event(f"thread.run.{suffix}", run, "queued" if suffix == "created" else suffix)
        for suffix in route[:-1]
    ]
    for step in steps:
        if step.id not in known_steps:
            events.append(_event("thread.run.step.created", step, "in_progress"))
        if step.status != "in_progress" and known_steps.get(step.id) != step.status:
            events.append(_event(f"thread.run.step.{step.status}", step))
    for message in messages:
        if message.id not in known_messages:
            events.append(_event("thread.message.created", message, "in_progress"))
        if message.status != "in_progress" and known_messages.get(message.id) != message.status:
            events.append(_event(f"thread.message.{message.status}", message))
    events.append(_event(f"thread.run.{run.status}", run))
    events.append(Event("done", "[DONE]"))
    return events


# ------------------------------------------------------------------- cancel


async def _cancel_live_runs(
    client: AssistantsClient, handler: EventHandler, ctx: _Drive, limit: float
) -> None:
    with anyio.CancelScope(shield=True), anyio.move_on_after(limit):
        known = handler.known_runs()
        live = [
            (run_id, thread_id)
            for run_id, thread_id, status in known
            if status not in TERMINAL["run"] and status != "cancelling" and thread_id
        ]
        seen = {run_id for run_id, _, _ in known}
        live += [found for found in ctx.followed if found[0] not in seen]
        if not known and not ctx.followed and ctx.stream is not None:
            # Stopped before the stream named its run: read on until it does, or, if the
            # stream is gone, ask the thread (the API allows one active run per thread).
            found = await _discover_run(ctx.stream)
            thread_id = ctx.thread_id or handler.known_thread()
            if found is None and thread_id is not None:
                found = await _active_run(client, thread_id)
            live = [found] if found is not None else []
        for run_id, thread_id in live:
            ctx.run_id, ctx.thread_id = run_id, thread_id
            where = {"run_id": run_id, "thread_id": thread_id, "event": "cancel"}
            try:
                await client.cancel_run(thread_id, run_id)
                ctx.cancel_sent += (run_id,)
                log.info("cancelled run %s on thread %s", run_id, thread_id, extra=where)
            except BadRequestError as exc:  # it ended meanwhile: nothing to cancel
                log.info("run %s on thread %s was not cancelled: %s", run_id, thread_id, exc,
                         extra=where)  # fmt: skip
            except APIError as exc:
                ctx.cancel_failed = True
                log.warning("could not cancel run %s on thread %s: %s", run_id, thread_id, exc,
                            extra=where)  # fmt: skip


def _tell_the_story(exc: BaseException, handler: EventHandler, ctx: _Drive) -> None:
    """Put the run, the thread and whether a cancel was sent on the error and in its text."""
    if not isinstance(exc, Exception) or isinstance(exc, asyncio.CancelledError):
        return  # cancellation and interrupts pass through untouched
    run_id, thread_id = ctx.run_id, ctx.thread_id
    if run_id is None:
        known = handler.known_runs()
        if known:
            run_id, thread_id = known[-1][0], known[-1][1] or thread_id
    sent = run_id is not None and run_id in ctx.cancel_sent
    if sent:
        fate = "a remote cancel was sent"
    elif ctx.cancel_failed:
        fate = "the remote cancel failed: cancel the run yourself"
    elif run_id is None:
        fate = "no run was created that could be found, nothing to cancel"
    else:
        fate = "no remote cancel was needed (the run had ended or was ending)"
    where = f"run {run_id!r} on thread {thread_id!r}" if run_id else (
        f"thread {thread_id!r}" if thread_id else "no thread"
    )  # fmt: skip
    story = f"[{where}: {fate}]"
    if isinstance(exc, AssistantsEventsError):
        exc.run_id, exc.thread_id, exc.remote_cancel_sent = run_id, thread_id, sent
        if exc.args and isinstance(exc.args[0], str) and story not in exc.args[0]:
            exc.args = (f"{exc.args[0]} {story}", *exc.args[1:])
    else:
        add_note = getattr(exc, "add_note", None)  # Python 3.11+
        if add_note is not None:
            add_note(f"assistants_events: {story}")


async def _discover_run(stream: RunStream) -> tuple[str, str] | None:
    """The (run id, thread id) named by the next events of a stream, if it names one."""
    decoder = SSEDecoder()
    try:
        async for chunk in stream:
            for name, data, _, _ in decoder.feed_fields(chunk):
                if not name.startswith(("thread.run.", "thread.message.")):
                    continue
                try:
                    payload = jsonlib.loads(data)
                except (ValueError, RecursionError):
                    continue  # the first frame may be cut: the next one will do
                if not isinstance(payload, dict):
                    continue
                run_id = payload.get("id") if payload.get("object") == "thread.run" else None
                run_id = run_id or payload.get("run_id")
                thread_id = payload.get("thread_id")
                if isinstance(run_id, str) and isinstance(thread_id, str):
                    return run_id, thread_id
    except APIError:
        pass
    finally:
        stream.close()
    return None


async def _active_run(client: AssistantsClient, thread_id: str) -> tuple[str, str] | None:
    try:
        return await _lookup_active_run(client, thread_id)
    except APIError:
        return None


async def _lookup_active_run(client: AssistantsClient, thread_id: str) -> tuple[str, str] | None:
    """The thread's active run (the API allows one), or None; errors propagate."""
    page = await client.list_runs(thread_id, limit=5, order="desc")
    for candidate in page.data:
        if candidate.status not in TERMINAL["run"] and candidate.status != "cancelling":
            return candidate.id, thread_id
    return None
