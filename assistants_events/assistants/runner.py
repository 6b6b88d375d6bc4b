"""Drive one run end to end: stream, answer every `requires_action`, stream on.

Each `requires_action` is answered with ONE `submit_tool_outputs` request that
carries one output per tool call, in the calls' order; the stream it returns is
consumed by the same handler, so lifecycle and snapshots carry over.  If the
driver is cancelled or fails while a run is still alive on the server, it sends
`cancel` for that run (shielded, bounded by `cancel_timeout`) and re-raises: no
orphan runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import anyio

from .. import jsonlib
from ..errors import APIError, AssistantsEventsError, BadRequestError, IncompleteStream
from ..handler import EventHandler
from ..result import StreamResult
from ..sse import SSEDecoder
from ..tool_calls import ToolOutput
from ..transport import RunStream
from .client import AssistantsEndpoints as AssistantsClient
from .lifecycle import TERMINAL

__all__ = ["ToolOutputError", "run", "run_new_thread"]

log = logging.getLogger("assistants_events")

DEFAULT_MAX_ROUNDS = 50


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


async def run(
    client: AssistantsClient,
    handler: EventHandler,
    *,
    thread_id: str,
    assistant_id: str,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
    cancel_timeout: float = 10.0,
    **run_params: Any,
) -> StreamResult:
    """Start a streamed run on a thread and drive it to a terminal status.

    Extra keyword arguments go into the create-run request (`instructions`,
    `model`, `tools`, `additional_messages`, ...).  Returns the `StreamResult` of
    the whole run.
    """

    async def start() -> RunStream:
        return await client.stream_run(thread_id, assistant_id, **run_params)

    return await _drive(client, handler, start, max_rounds, cancel_timeout, thread_id)


async def run_new_thread(
    client: AssistantsClient,
    handler: EventHandler,
    *,
    assistant_id: str,
    messages: Sequence[Mapping[str, Any]] = (),
    max_rounds: int = DEFAULT_MAX_ROUNDS,
    cancel_timeout: float = 10.0,
    **run_params: Any,
) -> StreamResult:
    """Create a thread with `messages`, run the assistant on it, drive it to the end."""
    thread = dict(run_params.pop("thread", None) or {})
    thread.setdefault("messages", list(messages))

    async def start() -> RunStream:
        return await client.stream_thread_and_run(assistant_id, thread=thread, **run_params)

    return await _drive(client, handler, start, max_rounds, cancel_timeout)


async def _consume(handler: EventHandler, stream: RunStream) -> StreamResult:
    async with stream:
        return await handler.consume(stream)


async def _open(start: Callable[[], Awaitable[RunStream]]) -> RunStream:
    # Creating a run is not idempotent: once the request is sent, wait for its answer
    # even if cancelled meanwhile, or the run it created could not be cancelled.
    # The client's own timeouts bound the wait.
    with anyio.CancelScope(shield=True):
        stream = await start()
    return stream


async def _drive(
    client: AssistantsClient,
    handler: EventHandler,
    start: Callable[[], Awaitable[RunStream]],
    max_rounds: int,
    cancel_timeout: float,
    thread_id: str | None = None,
) -> StreamResult:
    stream: RunStream | None = None
    try:
        stream = await _open(start)
        result = await _consume(handler, stream)
        for _ in range(max_rounds):
            current = result.run
            if current is None:
                raise IncompleteStream("?", "no run event arrived")
            thread_id = current.thread_id or ""
            if current.status in TERMINAL["run"]:
                log.info(
                    "run %s on thread %s ended %s",
                    current.id,
                    thread_id,
                    current.status,
                    extra={
                        "run_id": current.id,
                        "thread_id": thread_id,
                        "event": f"thread.run.{current.status}",
                    },
                )
                if client.usage_tracker is not None:
                    client.usage_tracker.record(current)
                return result
            if current.status != "requires_action":
                raise IncompleteStream(current.id, current.status)
            calls = current.tool_calls
            log.info(
                "run %s on thread %s requires %d tool call(s)",
                current.id,
                thread_id,
                len(calls),
                extra={
                    "run_id": current.id,
                    "thread_id": thread_id,
                    "event": "thread.run.requires_action",
                },
            )
            outputs = check_outputs([c.id for c in calls], await handler.answer_tool_calls(current))
            stream = await client.stream_submit_tool_outputs(thread_id, current.id, outputs)
            result = await _consume(handler, stream)
        raise AssistantsEventsError(
            f"the run asked for tools more than {max_rounds} times; raise max_rounds "
            "if that is expected"
        )
    except BaseException:
        await _cancel_live_runs(client, handler, stream, cancel_timeout, thread_id)
        raise


async def _cancel_live_runs(
    client: AssistantsClient,
    handler: EventHandler,
    stream: RunStream | None,
    limit: float,
    thread_id: str | None,
) -> None:
    with anyio.CancelScope(shield=True), anyio.move_on_after(limit):
        known = handler.known_runs()
        live = [
            (run_id, thread_id)
            for run_id, thread_id, status in known
            if status not in TERMINAL["run"] and status != "cancelling" and thread_id
        ]
        if not known and stream is not None:
            # Stopped before the stream named its run: read on until it does, or, if the
            # stream is gone, ask the thread (the API allows one active run per thread).
            found = await _discover_run(stream)
            thread_id = thread_id or handler.known_thread()
            if found is None and thread_id is not None:
                found = await _active_run(client, thread_id)
            live = [found] if found is not None else []
        for run_id, thread_id in live:
            where = {"run_id": run_id, "thread_id": thread_id, "event": "cancel"}
            try:
                await client.cancel_run(thread_id, run_id)
                log.info("cancelled run %s on thread %s", run_id, thread_id, extra=where)
            except BadRequestError as exc:  # it ended meanwhile: nothing to cancel
                log.info("run %s on thread %s was not cancelled: %s", run_id, thread_id, exc,
                         extra=where)  # fmt: skip
            except APIError as exc:
                log.warning("could not cancel run %s on thread %s: %s", run_id, thread_id, exc,
                            extra=where)  # fmt: skip


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
                except ValueError:
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
        page = await client.list_runs(thread_id, limit=5, order="desc")
    except APIError:
        return None
    for candidate in page.data:
        if candidate.status not in TERMINAL["run"] and candidate.status != "cancelling":
            return candidate.id, thread_id
    return None
