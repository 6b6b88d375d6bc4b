"""Where the relay keeps things in Redis, and the stream-entry ids it compares."""

from __future__ import annotations

import re

import attrs

__all__ = ["Keys", "entry_id", "parse_id"]

_ID = re.compile(r"\A(\d{1,20})-(\d{1,20})\Z")


def parse_id(value: str) -> tuple[int, int]:
    """A stream entry id (`1700000000000-3`) as comparable integers; ValueError otherwise."""
    match = _ID.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a Redis stream entry id (milliseconds-sequence)")
    return int(match.group(1)), int(match.group(2))


def entry_id(ms: int, seq: int) -> str:
    """The text form of an entry id."""
    return f"{ms}-{seq}"


@attrs.frozen
class Keys:
    """Key names under one prefix.  Internal keys start with `_` after the prefix."""

    prefix: str

    def events(self, key: str) -> str:
        """The stream of a run's / response's / job's events."""
        return f"{self.prefix}:{key}"

    @property
    def queue(self) -> str:
        """The job requests' stream, read by the workers' consumer group."""
        return f"{self.prefix}:_jobs"

    group = "workers"

    def job(self, job_id: str) -> str:
        """A job's record: api, params, and what a resuming worker needs to know."""
        return f"{self.prefix}:_job:{job_id}"

    def result(self, job_id: str) -> str:
        """A one-entry stream holding a finished job's summary (`wait` blocks on it)."""
        return f"{self.prefix}:_result:{job_id}"

    def lease(self, job_id: str) -> str:
        """Which worker drives a job now (expires unless renewed)."""
        return f"{self.prefix}:_lease:{job_id}"

    def calls(self, object_id: str) -> str:
        """The call_ids whose outputs were (about to be) submitted for a run or response."""
        return f"{self.prefix}:_calls:{object_id}"
