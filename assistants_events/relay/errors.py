"""The relay's errors: part of the one `AssistantsEventsError` hierarchy."""

from __future__ import annotations

from ..errors import AssistantsEventsError, HandlerError

__all__ = [
    "EventsTrimmed",
    "JobTimeout",
    "LeaseLost",
    "RedisUnavailable",
    "RelayError",
    "RelayTimeout",
    "StreamAborted",
    "UnknownJob",
    "relay_cause",
]


class RelayError(AssistantsEventsError):
    """Base class of the Redis relay's errors (a Redis command failed, a job is unknown...)."""


class RedisUnavailable(RelayError):
    """Redis could not be reached (or dropped the connection) after the bounded retries.

    The message names the server without its password.  Nothing was acknowledged:
    a worker's job stays pending and is taken again once Redis is back.
    """


class RelayTimeout(RelayError):
    """A followed stream stayed silent longer than the follower's `idle_timeout`."""


class StreamAborted(RelayError):
    """The publisher closed the stream with an error instead of a terminal event."""

    def __init__(self, key: str, error: str) -> None:
        self.key = key
        self.error = error
        super().__init__(
            f"the publisher of stream {key!r} closed it without a terminal event: {error}"
        )


class EventsTrimmed(RelayError):
    """Events after the requested position were trimmed away (`maxlen`) before being read."""


class JobTimeout(RelayError):
    """`wait()` gave up: the job has no summary yet (it may still finish)."""


class UnknownJob(RelayError):
    """No job with this id was enqueued (or its record expired)."""


class LeaseLost(RelayError):
    """Another worker took over this job: this one stops without touching the run."""


def relay_cause(exc: BaseException) -> RelayError | None:
    """The relay error behind `exc`: itself, or what a publisher raised inside a handler.

    A handler wraps what its routers raise in `HandlerError`; a worker must still
    tell "Redis is down / the job was taken over" from a failing handler.
    """
    if isinstance(exc, RelayError):
        return exc
    if isinstance(exc, HandlerError) and isinstance(exc.__cause__, RelayError):
        return exc.__cause__
    return None
