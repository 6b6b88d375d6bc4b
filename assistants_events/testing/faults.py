"""Faults the mock server can inject, per server or for the next requests."""

from __future__ import annotations

from typing import Any, Literal

import attrs

__all__ = ["Faults", "HTTPFault"]


@attrs.define
class Faults:
    """What goes wrong in a stream.

    `drop_after`: close the connection after that many events.  `stall_after` /
    `stall_seconds`: go silent after that many events.  `delta_delay`: seconds
    between deltas.  `malformed_after`: send an event whose data is not JSON after
    that many events.  `out_of_order`: send `in_progress` before `queued`.
    `error_after`: send an `error` event after that many events and end the
    stream.  `run_outcome`: the run fails, expires or ends incomplete instead of
    answering.

    On the Responses API the same faults mean: `drop_after` / `malformed_after`
    act on the connection (the response goes on server-side, so a background one
    can be resumed); `stall_after`, `delta_delay`, `error_after` and `run_outcome`
    act on the response itself: a stall is silence (a cancel ends it), `error_after`
    sends an `error` event then `response.failed`, `run_outcome` is `failed` or
    `incomplete` (`expired` has no Responses equivalent and is refused with a 400),
    and `out_of_order` sends `response.in_progress` after the event that follows it.
    `error_shape="nested"` sends the `error` event as some genuine streams do,
    `{"type": "error", "error": {...}}`, instead of the documented flat fields.
    `keepalive_every=N` (Responses only) sends `{"type": "keepalive",
    "sequence_number": n}` after every N events, as the API does in long silences.
    `drop_before_answer` (Assistants): apply the request (create the run, take the
    tool outputs), then close the connection before any answer byte.
    """

    drop_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 30.0
    delta_delay: float = 0.0
    malformed_after: int | None = None
    out_of_order: bool = False
    error_after: int | None = None
    error: dict[str, Any] = attrs.field(
        factory=lambda: {
            "code": "server_error",
            "message": "The server had an error while processing your request.",
            "param": None,
            "type": "server_error",
        }
    )
    run_outcome: Literal["failed", "expired", "incomplete"] | None = None
    error_shape: Literal["flat", "nested"] = "flat"
    keepalive_every: int | None = None
    drop_before_answer: bool = False

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Faults:
        """Faults from a JSON object (the `X-Mock-Faults` request header)."""
        names = {f.name for f in attrs.fields(cls)}
        unknown = sorted(set(value) - names)
        if unknown:
            raise ValueError(f"unknown fault(s) {unknown}; known: {sorted(names)}")
        return cls(**value)


@attrs.define
class HTTPFault:
    """An HTTP error answered instead of the real response."""

    status: int = 503
    retry_after: float | None = None
    code: str | None = None
    message: str = "The mock server was told to fail this request."
    paths: tuple[str, ...] = ()  # only requests whose path contains one of these; () = any

    def applies_to(self, path: str) -> bool:
        return not self.paths or any(p in path for p in self.paths)
