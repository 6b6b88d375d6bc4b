"""Drive a response end to end: stream it, answer its function calls, stream the next.

`respond(client, handler, model=..., input=...)` streams a response through the
handler.  When it completes asking for function calls, the handler's tools answer
them concurrently (`handler.call_tools`), and a new response is streamed with
`previous_response_id` (or the same `conversation`) whose input is one
`function_call_output` per `call_id`, in call order, exactly once.  It stops at a
response that asks for nothing, or raises `ToolRoundsExceeded`.

Background mode (`background=True`): a stream that drops is resumed with
`GET /responses/{id}?stream=true&starting_after=<last sequence_number>`, so the
handler sees every event once; and a driver stopped for any reason (an error,
`task.cancel()`, even during the create request) cancels the response it left
running (`POST /responses/{id}/cancel`, shielded, bounded by `cancel_timeout`).
A foreground stream is simply closed.  Errors raised out of `respond` name the
response (`response_id`) and say whether a cancel was sent (`remote_cancel_sent`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import anyio

from .. import jsonlib
from ..errors import (
    APIConnectionError,
    APIError,
    AssistantsEventsError,
    BadRequestError,
    IncompleteStream,
    InternalServerError,
)
from ..handler import EventHandler, exclusive_drive
from ..result import StreamResult
from ..sse import SSEDecoder
from ..tool_calls import ToolCallRequest, ToolOutput
from ..transport import RunStream
from .client import ResponsesEndpoints
from .convert import unstructure
from .lifecycle import TERMINAL_RESPONSE_STATUSES
from .models import FunctionCall, Response
from .state import ResponsesState

__all__ = [
    "DEFAULT_MAX_RESUMES",
    "DEFAULT_MAX_TOOL_ROUNDS",
    "RespondError",
    "ResumeFailed",
    "ToolRoundsExceeded",
    "function_tools",
    "respond",
]

log = logging.getLogger("assistants_events")

DEFAULT_MAX_TOOL_ROUNDS = 16
DEFAULT_MAX_RESUMES = 5

# A dropped or cut stream, or a resume request the server could not answer.
_DROPS = (APIConnectionError, IncompleteStream, InternalServerError)


class RespondError(AssistantsEventsError):
    """The Responses driver stopped before a final response: which one, and why."""

    def __init__(
        self, message: str, *, response_id: str | None, remote_cancel_sent: bool = False
    ) -> None:
        self.response_id = response_id
        self.remote_cancel_sent = remote_cancel_sent
        super().__init__(message)


class ToolRoundsExceeded(RespondError):
    """The model still asked for function calls after `max_tool_rounds` rounds of answers."""


class ResumeFailed(RespondError):
    """A dropped background stream could not be resumed; the cause is `__cause__`."""


def function_tools(
    handler: EventHandler, tools: Sequence[Mapping[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The `tools` of a request: the given ones as they are, then the handler's functions.

    Entries of `tools` (built-in tools such as `{"type": "web_search"}`, or
    functions) are sent first and unchanged, except that an Assistants-shaped
    function (`{"type": "function", "function": {...}}`) is flattened to the
    Responses shape.  Each of the handler's `@tool`s not named among them follows,
    in the Responses shape (`{"type": "function", "name": ..., "parameters": ...}`).
    """
    given = [_flat(tool) for tool in tools or ()]
    named = {t.get("name") for t in given if t.get("type") == "function"}
    own = [spec.response_definition() for name, spec in handler.tool_specs().items()
           if name not in named]  # fmt: skip
    return [*given, *own]


def _flat(tool: Mapping[str, Any]) -> dict[str, Any]:
    inner = tool.get("function")
    if tool.get("type") == "function" and isinstance(inner, Mapping):
        return {"type": "function", **inner, **{k: v for k, v in tool.items()
                                                if k not in ("type", "function")}}  # fmt: skip
    return dict(tool)


async def respond(
    client: ResponsesEndpoints,
    handler: EventHandler,
    *,
    model: str,
    input: str | Sequence[Mapping[str, Any]],
    tools: Sequence[Mapping[str, Any]] | None = None,
    previous_response_id: str | None = None,
    conversation: str | Mapping[str, Any] | None = None,
    background: bool = False,
    max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS,
    cancel_timeout: float = 10.0,
    max_resumes: int = DEFAULT_MAX_RESUMES,
    **params: Any,
) -> StreamResult:
    """Stream a response with `handler`, answering function calls until the model is done.

    `tools`: sent as given, followed by the handler's `@tool`s (see
    `function_tools`).  `previous_response_id` / `conversation`: where the first
    response continues; later rounds continue the previous response (or the same
    conversation).  With `store=False` nothing is kept server-side, so later rounds
    resend the whole context instead (for reasoning models, ask for
    `include=["reasoning.encrypted_content"]` so their reasoning can be resent).
    Other keyword arguments (`instructions`, `temperature`, `reasoning`, ...) go
    into every request of the loop.
    `max_resumes`: how many times a dropped background stream is resumed.

    Returns the handler's `StreamResult`: `responses` holds every response of the
    loop, `response` the last one (inspect its `status`: a failed, incomplete or
    cancelled response is returned, not raised), `text` its output text.
    Raises `ToolRoundsExceeded`, `ResumeFailed`, `ConfigurationError` (the handler
    is already driving), and whatever the stream raised (`APIError`, `StreamError`,
    `InvalidTransition`, `HandlerError`); each carries `response_id` and
    `remote_cancel_sent`.
    """
    if max_tool_rounds < 0:
        raise ValueError(f"max_tool_rounds must be >= 0, got {max_tool_rounds}")
    body: dict[str, Any] = {"model": model, **params}
    request_tools = function_tools(handler, tools)
    if request_tools:
        body["tools"] = request_tools
    if background:
        body["background"] = True
    with exclusive_drive(handler, "respond()"):
        drive = _Drive(client, handler, background, cancel_timeout, max_resumes)
        try:
            return await drive.loop(body, input, previous_response_id, conversation,
                                    max_tool_rounds)  # fmt: skip
        except BaseException as exc:
            remote_cancel_sent = await drive.stop()
            if isinstance(exc, AssistantsEventsError):
                if exc.response_id is None:
                    exc.response_id = drive.response_id
                exc.remote_cancel_sent = bool(exc.remote_cancel_sent) or remote_cancel_sent
            raise


class _Drive:
    """The state of one `respond()`: the response streaming now, its stream, the pending create."""

    def __init__(self, client: ResponsesEndpoints, handler: EventHandler, background: bool,
                 cancel_timeout: float, max_resumes: int) -> None:  # fmt: skip
        self.client = client
        self.handler = handler
        self.background = background
        self.cancel_timeout = cancel_timeout
        self.max_resumes = max_resumes
        self.response_id: str | None = None
        self.stream: RunStream | None = None
        self.opening: asyncio.Future[RunStream] | None = None
        # Whether the handler reads the current stream: until it does, its lifecycle
        # still names the previous round's response.
        self.reading = False

    # ------------------------------------------------------------ the loop

    async def loop(self, body: dict[str, Any], input: Any, previous_response_id: str | None,
                   conversation: Any, max_tool_rounds: int) -> StreamResult:  # fmt: skip
        where = {"conversation": conversation} if conversation is not None else {
            "previous_response_id": previous_response_id}  # fmt: skip
        # A response created with store=False is not kept: `previous_response_id` cannot
        # continue it, so each round resends the whole context instead.
        resend = body.get("store") is False and conversation is None
        history = _input_items(input) if resend else []
        result = await self.round({**body, **where, "input": input})
        answered = 0
        while True:
            response = result.response
            calls = _pending_calls(response)
            if response is None or not calls:
                return result
            # Only the response is kept across the next round: a result nobody reads
            # costs nothing (its typed fields are built when first read).
            del result
            if answered >= max_tool_rounds:
                raise ToolRoundsExceeded(
                    f"response {response.id!r} still asks for {len(calls)} function call(s) "
                    f"after {max_tool_rounds} round(s) of answers; raise max_tool_rounds if "
                    "the model needs more, or look for a tool that never satisfies it",
                    response_id=response.id,
                )
            outputs = await self.answer(response, calls)
            answered += 1
            inputs: list[Any] = [output.to_input_item() for output in outputs]
            if resend:
                history = [*history, *map(_as_input, response.output), *inputs]
                inputs = history
            elif conversation is None:
                where = {"previous_response_id": response.id}
            result = await self.round({**body, **where, "input": inputs})

    async def answer(self, response: Response, calls: list[FunctionCall]) -> list[ToolOutput]:
        """One output per call, in call order, from the handler's tools."""
        requests = [ToolCallRequest(c.call_id, c.name, c.arguments) for c in calls]
        log.info("response %s asks for %d function call(s)", response.id, len(calls),
                 extra={"response_id": response.id, "event": "function_call"})  # fmt: skip
        outputs = await self.handler.call_tools(requests)
        if [o.tool_call_id for o in outputs] != [r.id for r in requests]:
            raise RespondError(
                f"the tool outputs do not answer the calls of response {response.id!r} "
                "one to one, in order; nothing was sent (check an overridden call_tools)",
                response_id=response.id,
            )
        return outputs

    async def round(self, body: dict[str, Any]) -> StreamResult:
        """Stream one response to its end, resuming a dropped background stream."""
        self.response_id = None
        client = self.client

        async def create() -> RunStream:
            return await client.stream_response(**body)

        opener: Callable[[], Awaitable[RunStream]] = create
        resumes = 0
        while True:
            try:
                stream = await self.open(opener)
                self.reading = True
                result = await self.handler.consume(stream)
                if not result.done:  # a lenient handler let a cut body pass
                    raise IncompleteStream(self.learn_id() or "(unknown response)",
                                           self.status() or "unknown", kind="response",
                                           expected="a terminal response event")  # fmt: skip
            except _DROPS as exc:
                self.close()
                opener = self.resumer(exc, resumes)
                resumes += 1
                continue
            self.close()
            self.learn_id()
            response = result.response
            if response is not None:
                if log.isEnabledFor(logging.INFO):
                    log.info("response %s ended %s", response.id, response.status,
                             extra={"response_id": response.id,
                                    "event": f"response.{response.status}"})  # fmt: skip
                if client.usage_tracker is not None:
                    client.usage_tracker.record_response(response)
            return result

    def resumer(self, exc: Exception, resumes: int) -> Callable[[], Awaitable[RunStream]]:
        """How to open the resumed stream after `exc` dropped this one (or re-raise)."""
        response_id = self.learn_id()
        state = self.handler.state
        if not self.background or response_id is None or not isinstance(state, ResponsesState):
            raise exc  # a foreground response cannot be streamed again
        after = state.last_sequence_number
        if after is None:
            raise ResumeFailed(
                f"the stream of background response {response_id!r} broke before any "
                "numbered event; it cannot be resumed without repeating events",
                response_id=response_id,
            ) from exc
        if resumes >= self.max_resumes:
            raise ResumeFailed(
                f"the stream of background response {response_id!r} broke {resumes + 1} "
                f"time(s); gave up after {self.max_resumes} resume(s) (raise max_resumes). "
                f"Last error: {exc}",
                response_id=response_id,
            ) from exc
        log.warning("stream of response %s broke after sequence number %d (%s); resuming",
                    response_id, after, type(exc).__name__,
                    extra={"response_id": response_id, "event": "resume"})  # fmt: skip
        state.resume_after(after)
        client = self.client

        async def resume() -> RunStream:
            return await client.retrieve_response(response_id, stream=True, starting_after=after)

        return resume

    # ------------------------------------------------------------- streams

    async def open(self, start: Callable[[], Awaitable[RunStream]]) -> RunStream:
        """Send the request; its answer is kept even if we are cancelled while waiting.

        Creating a response is not idempotent: a cancel arriving while the request is
        in flight must not lose the stream that names the response, or it could not
        be cancelled (`stop` waits for it).
        """
        self.reading = False
        opening = asyncio.ensure_future(start())
        self.opening = opening
        stream = await asyncio.shield(opening)
        self.opening = None
        self.stream = stream
        return stream

    def close(self) -> None:
        if self.stream is not None:
            stream, self.stream = self.stream, None
            stream.close()

    def learn_id(self) -> str | None:
        """The id of the response streaming now, once an event named it."""
        state = self.handler.state
        if self.reading and isinstance(state, ResponsesState):
            seen = state.lifecycle.response_id
            if seen is not None:
                self.response_id = seen
        return self.response_id

    def status(self) -> str | None:
        state = self.handler.state
        if self.response_id is None or not isinstance(state, ResponsesState):
            return None
        return state.lifecycle.status(self.response_id)

    # ---------------------------------------------------------------- stop

    async def stop(self) -> bool:
        """Leave nothing running: close the stream, cancel a live background response.

        Returns whether a cancel was sent (and accepted).  Shielded and bounded by
        `cancel_timeout`; it never raises.
        """
        cancelled = False
        with anyio.CancelScope(shield=True), anyio.move_on_after(self.cancel_timeout):
            try:
                await self.claim_opening()
                self.learn_id()
                if self.background and self.response_id is None and self.stream is not None:
                    self.response_id = await _discover_response(self.stream)
                self.close()
                if self.background and self.response_id is not None:
                    cancelled = await self.cancel(self.response_id)
            finally:
                self.close()
                if self.opening is not None:
                    self.opening.cancel()
        return cancelled

    async def claim_opening(self) -> None:
        """Wait for a request cancelled in flight: the stream it opens names the response.

        Should `cancel_timeout` run out first, `stop` cancels the request instead.
        """
        opening = self.opening
        if opening is None:
            return
        try:
            self.stream = await opening
        except Exception:  # the request failed: it created nothing we could name
            self.stream = None
        self.opening = None

    async def cancel(self, response_id: str) -> bool:
        status = self.status()
        if status in TERMINAL_RESPONSE_STATUSES:
            return False
        where = {"response_id": response_id, "event": "cancel"}
        try:
            await self.client.cancel_response(response_id)
        except BadRequestError as exc:  # it ended meanwhile: nothing to cancel
            log.info("response %s was not cancelled: %s", response_id, exc, extra=where)
            return False
        except APIError as exc:
            log.warning("could not cancel response %s: %s", response_id, exc, extra=where)
            return False
        log.info("cancelled response %s", response_id, extra=where)
        return True


def _input_items(value: Any) -> list[Any]:
    """`input` as a list of items (a string is one user message)."""
    return [{"role": "user", "content": value}] if isinstance(value, str) else list(value)


def _as_input(item: Any) -> Any:
    """An output item as the input item that gives it back to the model."""
    return _without_none(unstructure(item))


def _without_none(value: Any) -> Any:
    # The typed models spell out every field; the API wants absent ones left out.
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def _pending_calls(response: Response | None) -> list[FunctionCall]:
    """The function calls a completed response waits for: one per `call_id`, in order."""
    if response is None or response.status != "completed":
        return []
    seen: set[str] = set()
    calls = []
    for call in response.function_calls:
        if call.call_id not in seen:
            seen.add(call.call_id)
            calls.append(call)
    return calls


async def _discover_response(stream: RunStream) -> str | None:
    """The id of the response the next events of a stream name, if they name one."""
    decoder = SSEDecoder()
    try:
        async for chunk in stream:
            for _, data, _, _ in decoder.feed_fields(chunk):
                try:
                    payload = jsonlib.loads(data)
                except ValueError:
                    continue  # the first frame may be cut: the next one will do
                response = payload.get("response") if isinstance(payload, dict) else None
                if isinstance(response, dict) and isinstance(response.get("id"), str):
                    found: str = response["id"]
                    return found
    except APIError:
        pass
    return None
