"""Drive a Responses job for a worker (background mode), and resume one a dead worker left.

Written against DESIGN.md's driver, `ae.respond(client, handler, model=..., input=...,
background=True, ...)`, and the client's `retrieve_response(id, stream=True,
starting_after=N)`.  A resumed job replays the relayed events into its handler,
then streams the response again from `starting_after` the last relayed
`sequence_number`: every sequence number reaches the stream exactly once.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio

from .. import errors as e
from ..dispatch import Router
from ..events import Event
from ..tool_calls import ToolCallRequest
from ..tool_calls import execute as execute_tools
from .context import JobContext
from .errors import relay_cause
from .jobs import JobSummary

__all__ = ["abandon_responses", "drive_responses"]

log = logging.getLogger("assistants_events.relay")

_FINAL = frozenset({"completed", "failed", "incomplete", "cancelled"})


class _ResponseRecorder(Router):
    """Remembers the job's current response id and the last relayed sequence number."""

    def __init__(self, ctx: JobContext) -> None:
        super().__init__(name=f"responses:{ctx.job_id}")
        self.ctx = ctx
        self.response_id = ctx.record.get("response_id")
        self.sequence: int | None = None
        self.on("response.*", "error", "keepalive")(self.seen)

    async def seen(self, event: Event) -> None:
        payload = event.json
        if not isinstance(payload, dict):
            return
        number = payload.get("sequence_number")
        if isinstance(number, int):
            self.sequence = number
        response = payload.get("response")
        response_id = response.get("id") if isinstance(response, dict) else None
        if isinstance(response_id, str) and response_id != self.response_id:
            self.response_id = response_id
            await self.ctx.remember(response_id=response_id)


def _summary(ctx: JobContext, result: Any) -> JobSummary:
    response = getattr(result, "response", None)
    status = getattr(response, "status", None) or ("completed" if result.done else "error")
    usage = getattr(result, "usage", None)
    try:
        import attrs

        usage_json = attrs.asdict(usage) if usage is not None else None
    except TypeError:
        usage_json = None
    error = getattr(response, "error", None)
    return ctx.summary(
        status,
        text=result.text,
        usage=usage_json,
        error=getattr(error, "message", None) if error is not None else None,
        object_id=getattr(response, "id", None),
    )


async def drive_responses(ctx: JobContext) -> JobSummary:
    """Run (or resume) a background Responses job; returns its summary."""
    import assistants_events as ae

    respond = getattr(ae, "respond", None)
    if respond is None:
        return ctx.summary("error", error="this assistants-events has no Responses driver "
                                          "(ae.respond); upgrade it")  # fmt: skip
    handler = ctx.handler_factory()
    recorder = _ResponseRecorder(ctx)
    relayed, end = await ctx.history()
    for event in relayed:
        await handler.dispatch(event)
    if end is not None:  # the previous attempt ended the stream, then died
        if "error" in end:
            return ctx.summary("error", error=end["error"], text=handler.result.text)
        return _summary(ctx, handler.result)
    handler.include_router(recorder)
    ctx.attach(handler)
    response_id = ctx.record.get("response_id")
    params = dict(ctx.params)
    params["background"] = True
    try:
        if response_id is not None:
            after = recorder.sequence
            for event in reversed(relayed):
                number = event.json.get("sequence_number") if isinstance(event.json, dict) else None
                if isinstance(number, int):
                    after = number
                    break
            log.info("job %s: resuming response %s after sequence number %s",
                     ctx.job_id, response_id, after)  # fmt: skip
            stream = await ctx.client.retrieve_response(
                response_id, stream=True, starting_after=after
            )
            async with stream:
                result = await handler.consume(stream)
            response = getattr(result, "response", None)
            calls = _calls(response)
            if getattr(response, "status", None) in _FINAL and not calls:
                return _summary(ctx, result)
            # It stopped for function calls: answer them here, then the driver goes on
            # from this response with their outputs (once: the call ids are recorded).
            requests = [ToolCallRequest(c.call_id, c.name, c.arguments) for c in calls]
            if await ctx.store.record_calls(response_id, [r.id for r in requests]):
                error = (f"the function calls of response {response_id} were answered "
                         "by a worker that died; the follow-up response is unknown")  # fmt: skip
                await ctx.publisher_close(error)
                return ctx.summary("error", error=error, object_id=response_id)
            outputs = await execute_tools(handler.tool_specs(), requests, handler,
                                          default_timeout=handler.tool_timeout)  # fmt: skip
            params["previous_response_id"] = response_id
            params["input"] = [output.to_input_item() for output in outputs]
        await ctx.check_lease()
        result = await respond(ctx.client, handler, **params)
        return _summary(ctx, result)
    except (e.HandlerError, e.LifecycleError, e.EventDecodeError, e.BadRequestError,
            e.NotFoundError, e.StreamError) as exc:  # fmt: skip
        cause = relay_cause(exc)
        if cause is not None:
            raise cause from None  # Redis or the lease, not the job: leave the run alone
        error = f"{type(exc).__name__}: {exc}"
        await ctx.publisher_close(error)
        return ctx.summary("error", error=error, object_id=recorder.response_id)


def _calls(response: Any) -> list[Any]:
    output = getattr(response, "output", None) or ()
    return [item for item in output if getattr(item, "type", None) == "function_call"]


async def abandon_responses(ctx: JobContext) -> None:
    """The job is given up: cancel its background response if it is still alive."""
    response_id = ctx.record.get("response_id")
    cancel = getattr(ctx.client, "cancel_response", None)
    if response_id and cancel is not None:
        with anyio.CancelScope(shield=True), anyio.move_on_after(10):
            try:
                await cancel(response_id)
            except e.APIError as exc:
                log.warning("job %s: could not cancel response %s: %s", ctx.job_id,
                            response_id, exc)  # fmt: skip
