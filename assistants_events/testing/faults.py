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
    answering.  `drop_before_answer`: apply the request (create the run, take the
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
