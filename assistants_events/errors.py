"""The one exception hierarchy of assistants_events.

Every error says what was wrong, where (event name, object id, byte offset where
it applies) and what to do about it. Catch `AssistantsEventsError` to catch them all.
"""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class ErrorObject:
    """The payload of an `error` stream event (either protocol) or an API error body."""

    message: str | None = None
    type: str | None = None
    code: str | None = None
    param: str | None = None

    @classmethod
    def from_json(cls, payload: Any, raw: str = "") -> ErrorObject:
        """Read an error payload leniently: flat, or nested as `{"error": {...}}`.

        An error report must never fail to decode: odd fields become `None` and a
        payload that is not an object becomes the message.
        """
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            payload = payload["error"]
        if not isinstance(payload, dict):
            return cls(message=raw or None)

        def text(key: str) -> str | None:
            value = payload.get(key)
            return value if isinstance(value, str) else None

        return cls(text("message") or (None if text("code") else raw or None),
                   text("type"), text("code"), text("param"))  # fmt: skip


class AssistantsEventsError(Exception):
    """Base class of every error raised by assistants_events.

    An error raised by the run driver also says which run it was about: `run_id`
    and `thread_id` (None when none was known) and `remote_cancel_sent` (whether
    the driver asked the server to cancel that run); its message says the same.
    """

    run_id: str | None = None
    thread_id: str | None = None
    remote_cancel_sent: bool | None = None


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
    """The stream ended while its run or response was still going (not terminal, not waiting).

    `object_id` (also `run_id`) names it, `kind` says which ("run", "response"),
    `status` is the last status seen.
    """

    def __init__(
        self, run_id: str, status: str, *, kind: str = "run", expected: str = "'done'"
    ) -> None:
        self.run_id = self.object_id = run_id
        self.status = status
        self.kind = kind
        super().__init__(
            f"stream ended without {expected} while {kind} {run_id!r} was {status!r}; "
            f"the connection was probably dropped: retrieve the {kind} to learn its state"
        )


class RunNotStarted(IncompleteStream):
    """A driven stream ended (or broke) before any event named its run."""

    def __init__(self, detail: str) -> None:
        self.run_id = None
        self.status = "not started"
        LifecycleError.__init__(self, detail)


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


class ConfigurationError(AssistantsEventsError):
    """The client is missing something it needs (an API key, a base URL)."""


class APIError(AssistantsEventsError):
    """The server answered a request with an error (or could not be reached).

    `status` is the HTTP status (None when no response came), `code`, `type`,
    `param` and `message` come from the API's error body, `request_id` from the
    `x-request-id` header: quote it when asking the provider for help.  `advice`
    replaces the generic hint for the status (what to do about it).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        type: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
        advice: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.type = type
        self.param = param
        self.request_id = request_id
        self.method = method
        self.url = url
        where = f" on {method} {url}" if method and url else ""
        status_text = f"HTTP {status}" if status is not None else "no response"
        extras = ", ".join(
            f"{k}={v!r}" for k, v in (("code", code), ("type", type), ("request_id", request_id))
            if v
        )  # fmt: skip
        super().__init__(
            f"{status_text}{where}: {message}"
            + (f" [{extras}]" if extras else "")
            + (f"; {advice}" if advice else _ADVICE.get(status or 0, ""))
        )


_ADVICE = {
    401: "; check the API key (OPENAI_API_KEY)",
    403: "; the key lacks access to this resource or project",
    404: "; check the ids and the base URL (OPENAI_BASE_URL)",
    429: "; slow down or raise max_retries",
}


class BadRequestError(APIError):
    """HTTP 400: the request is malformed or not allowed in the object's state."""


class AuthenticationError(APIError):
    """HTTP 401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIError):
    """HTTP 403: the key may not use this resource."""


class NotFoundError(APIError):
    """HTTP 404: no such assistant, thread, run or endpoint."""


class ConflictError(APIError):
    """HTTP 409: the object changed under the request (e.g. a run already active)."""


class UnprocessableEntityError(APIError):
    """HTTP 422: the request is well-formed but cannot be processed."""


class RateLimitError(APIError):
    """HTTP 429: too many requests; retried with backoff up to `max_retries`."""


class QuotaExceededError(RateLimitError):
    """HTTP 429 with code `insufficient_quota`: no retry will help, billing will."""


class InternalServerError(APIError):
    """HTTP 5xx: the server failed; retried with backoff up to `max_retries`."""


class APIConnectionError(APIError):
    """The server could not be reached, or the connection dropped mid-stream."""


class PaginationError(APIError):
    """A list endpoint answered a page it already gave while saying it has more."""


class RequestOutcomeUnknown(APIConnectionError):
    """A request that must not be repeated was sent, and no answer came.

    The server may or may not have applied it (created the run, taken the tool
    outputs): look before acting again.  The run driver does.
    """


class APITimeoutError(APIConnectionError):
    """A request took longer than the client's timeout."""


class StreamTimeout(APITimeoutError):
    """A stream sent nothing for `idle_timeout` seconds."""
