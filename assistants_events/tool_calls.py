"""Answering tool calls: every call gets exactly one output, whatever the tool does.

Calls run concurrently: async tools on the loop, plain functions in worker threads
(bounded), each under its timeout.  Bad arguments, an exception, a timeout, a
result that cannot be rendered or an unknown tool name become an error *output*
that tells the model what went wrong — a tool problem never aborts the run unless
the handler's `on_tool_error` says so by raising.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import inspect
import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import anyio
import anyio.to_thread
import attrs

from .errors import ConfigurationError
from .tool_schema import DEFAULT_TOOL_TIMEOUT, ToolArgumentError, ToolSpec, converter

__all__ = ["ErrorText", "ToolCallRequest", "ToolOutput", "execute"]

log = logging.getLogger("assistants_events")

# Sync tools share a few threads: a burst of calls must not spawn a thread each.
_THREADS = anyio.CapacityLimiter(16)

ErrorText = Callable[["ToolCallRequest", BaseException], str]
"""Chooses the text the model sees for a failed call (or raises to fail the run)."""


@attrs.frozen
class ToolCallRequest:
    """One function call the model waits for: its id, tool name and JSON arguments.

    `id` is the call's id (`tool_call_id` in Assistants, `call_id` in Responses).
    """

    id: str
    name: str
    arguments: str


@attrs.frozen
class ToolOutput:
    """The answer to one tool call; `ok` is False for an error output."""

    tool_call_id: str
    output: str
    ok: bool = True

    def to_json(self) -> dict[str, str]:
        """The Assistants request-body form (`submit_tool_outputs`)."""
        return {"tool_call_id": self.tool_call_id, "output": self.output}

    def to_input_item(self) -> dict[str, str]:
        """The Responses input item (`function_call_output`)."""
        return {"type": "function_call_output", "call_id": self.tool_call_id,
                "output": self.output}  # fmt: skip


def default_error_text(call: ToolCallRequest, error: BaseException) -> str:
    """`error: tool NAME failed: ValueError: message` (what the model sees by default)."""
    try:
        detail = str(error)
    except Exception:  # an exception whose str() fails is still the tool's failure
        detail = ""
    kind = type(error).__name__
    return (
        f"error: tool {call.name} failed: {kind}: {detail}"
        if detail
        else (f"error: tool {call.name} failed: {kind}")
    )


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, enum.Enum):
        value = value.value
    return json.dumps(converter.unstructure(value), ensure_ascii=False, default=str)


def _limit(spec: ToolSpec, default_timeout: float | None) -> float | None:
    limit = spec.timeout if spec.timeout is not None else default_timeout
    return limit if limit is not None and math.isfinite(limit) else None


def _cancelled_from_outside() -> bool:
    # A tool may raise CancelledError itself; only a cancel aimed at us must propagate.
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return cancelling is None or cancelling() > 0


async def _invoke(spec: ToolSpec, target: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    if spec.is_async:
        return await target(**kwargs)
    value = await anyio.to_thread.run_sync(
        functools.partial(target, **kwargs), abandon_on_cancel=True, limiter=_THREADS
    )
    if inspect.isawaitable(value):
        # A coroutine function behind a plain decorator looks synchronous: its
        # coroutine comes back from the thread and still has to run, here.
        value = await value
    return value


async def _call_one(
    spec: ToolSpec | None,
    call: ToolCallRequest,
    handler: Any,
    default_timeout: float | None,
    error_text: ErrorText,
) -> ToolOutput:
    if spec is None:
        return ToolOutput(call.id, f"error: there is no tool named {call.name!r}", ok=False)
    try:
        kwargs = spec.parse_arguments(call.arguments)
    except ToolArgumentError as exc:
        return ToolOutput(call.id, f"error: bad arguments for {spec.name}: {exc}", ok=False)
    target = spec.fn.__get__(handler) if spec.bound else spec.fn
    limit = _limit(spec, default_timeout)
    try:
        with anyio.fail_after(limit):
            value = await _invoke(spec, target, kwargs)
        return ToolOutput(call.id, _render(value))
    except TimeoutError:
        log.warning("tool %s timed out after %ss (call %s)", spec.name, limit, call.id)
        return ToolOutput(call.id, f"error: tool {spec.name} timed out after {limit}s", ok=False)
    except asyncio.CancelledError as exc:
        if _cancelled_from_outside():
            raise
        return _failed(spec, call, exc, error_text)
    except Exception as exc:
        return _failed(spec, call, exc, error_text)


def _failed(
    spec: ToolSpec, call: ToolCallRequest, exc: BaseException, error_text: ErrorText
) -> ToolOutput:
    log.warning("tool %s failed (call %s)", spec.name, call.id, exc_info=exc)
    text = error_text(call, exc)
    if not isinstance(text, str):
        # Sending it would make the whole submit fail on the server, far from the cause.
        raise ConfigurationError(
            f"on_tool_error returned {type(text).__name__}, not str, for tool {spec.name} "
            f"(call {call.id}); return the text the model should read, or raise"
        )
    return ToolOutput(call.id, text, ok=False)


async def execute(
    tools: Mapping[str, ToolSpec],
    calls: Sequence[ToolCallRequest],
    handler: Any,
    *,
    default_timeout: float | None = DEFAULT_TOOL_TIMEOUT,
    error_text: ErrorText = default_error_text,
) -> list[ToolOutput]:
    """Run every call concurrently; return one output per call, in the calls' order.

    `error_text` chooses what the model reads about a failed call; if it raises,
    the remaining calls are cancelled and the exception propagates (the driver then
    cancels the run).
    """
    results: list[ToolOutput | None] = [None] * len(calls)
    failures: list[Exception] = []

    async def run(i: int, call: ToolCallRequest) -> None:
        try:
            results[i] = await _call_one(
                tools.get(call.name), call, handler, default_timeout, error_text
            )
        except Exception as exc:  # only `error_text` raises: it chose to fail the run
            failures.append(exc)
            group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        for i, call in enumerate(calls):
            group.start_soon(run, i, call)
    if failures:
        raise failures[0]
    outputs = [r for r in results if r is not None]
    if len(outputs) != len(calls):  # pragma: no cover - every task writes its slot or raises
        raise RuntimeError("a tool call finished without an output")
    return outputs
