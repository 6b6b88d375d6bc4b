"""The one exception hierarchy of assistants_events.

Every error says what was wrong, where (event name, object id, byte offset where
it applies) and what to do about it. Catch `AssistantsEventsError` to catch them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import ErrorObject


class AssistantsEventsError(Exception):
    """Base class of every error raised by assistants_events."""


class SSEError(AssistantsEventsError):
    """The bytes of the stream are not a valid server-sent-event stream."""


class EventTooLarge(SSEError):
    """One event grew past the configured size limit (memory protection)."""

    def __init__(self, limit: int, offset: int) -> None:
        self.limit = limit
        self.offset = offset
        super().__init__(
            f"server-sent event starting near byte {offset} exceeds the "
            f"{limit}-byte limit; raise max_event_size if such events are expected"
        )


class EventDecodeError(AssistantsEventsError):
    """An event's data could not be decoded or does not fit its typed model."""

    def __init__(self, event: str, detail: str, *, raw: str | None = None) -> None:
        self.event = event
        self.detail = detail
        self.raw = raw
        snippet = ""
        if raw is not None:
            snippet = f" (data starts {raw[:80]!r})"
        super().__init__(
            f"cannot decode the data of event {event!r}: {detail}{snippet}; "
            "the stream is malformed or from an incompatible server"
        )


class LifecycleError(AssistantsEventsError):
    """Base class of lifecycle violations."""


class InvalidTransition(LifecycleError):
    """A run, step or message changed status in a way the lifecycle forbids."""

    def __init__(
        self,
        kind: str,
        object_id: str,
        from_status: str | None,
        to_status: str,
        event: str,
        reason: str = "",
    ) -> None:
        self.kind = kind
        self.object_id = object_id
        self.from_status = from_status
        self.to_status = to_status
        self.event = event
        self.reason = reason
        origin = "unseen" if from_status is None else repr(from_status)
        text = (
            f"invalid {kind} transition for {object_id!r}: {origin} -> {to_status!r} "
            f"on event {event!r}"
        )
        if reason:
            text += f" ({reason})"
        super().__init__(text + "; the stream is out of order or truncated")


class IncompleteStream(LifecycleError):
    """The stream ended while a run was still running (neither terminal nor waiting)."""

    def __init__(self, run_id: str, status: str) -> None:
        self.run_id = run_id
        self.status = status
        super().__init__(
            f"stream ended without 'done' while run {run_id!r} was {status!r}; "
            "the connection was probably dropped: retrieve the run to learn its state"
        )


class StreamError(AssistantsEventsError):
    """The server sent an `error` event in the stream."""

    def __init__(self, error: ErrorObject) -> None:
        self.error = error
        super().__init__(
            f"the server sent an error event: {error.message or '(no message)'}"
            f" [type={error.type!r}, code={error.code!r}]"
        )


class HandlerError(AssistantsEventsError):
    """A subscribed handler raised; the original exception is `__cause__`."""

    def __init__(self, event: str, handler: Any, exc: BaseException) -> None:
        self.event = event
        self.handler = handler
        name = getattr(handler, "__qualname__", None) or repr(handler)
        super().__init__(f"handler {name} failed on event {event!r}: {exc!r}")


class RouterError(AssistantsEventsError):
    """A router was included in a way that would call handlers twice or forever."""


class ToolDefinitionError(AssistantsEventsError):
    """A @tool function cannot be described to the model (bad signature or type)."""
