"""What a worker hands a job driver: the job, its lease, its publisher, its client."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ..events import Event
from ..handler import EventHandler
from .errors import LeaseLost
from .jobs import JobStore, JobSummary
from .relay import Publisher, RedisRelay

__all__ = ["JobContext", "dumps"]

log = logging.getLogger("assistants_events.relay")


def dumps(value: Any) -> str:
    """Compact JSON, as the API sends it."""
    return json.dumps(value, separators=(",", ":"))


@attrs.define
class JobContext:
    """One attempt at one job, by one worker."""

    relay: RedisRelay
    store: JobStore
    job_id: str
    token: str
    api: str
    params: dict[str, Any]
    record: dict[str, str]
    handler_factory: Callable[[], EventHandler]
    client: Any
    attempts: int = 1
    publisher: Publisher | None = None

    async def remember(self, **fields: str) -> None:
        """Store state a resuming worker needs, and keep it in `record`."""
        if not await self.store.update(self.job_id, self.token, **fields):
            raise LeaseLost(f"job {self.job_id!r} was taken over by another worker")
        self.record.update(fields)

    async def check_lease(self) -> None:
        """Raise `LeaseLost` unless this attempt still holds the job's lease."""
        if not await self.store.holds(self.job_id, self.token):
            raise LeaseLost(f"job {self.job_id!r} was taken over by another worker")

    async def history(self) -> tuple[list[Event], Mapping[str, str] | None]:
        """The events already relayed for this job (by earlier attempts), and its end marker."""
        entries = await self.relay.entries(self.job_id)
        events = [
            Event(fields.get("e", "message"), fields.get("d", ""), id=id_)
            for id_, fields in entries
            if "end" not in fields
        ]
        end = entries[-1][1] if entries and "end" in entries[-1][1] else None
        return events, end

    def attach(self, handler: EventHandler) -> Publisher:
        """Include the job's publisher in the handler: from now on its events are relayed."""
        fence = (self.relay.keys.lease(self.job_id), self.token)
        self.publisher = self.relay.publisher(self.job_id, fence=fence, end_on_error=False)
        handler.include_router(self.publisher)
        return self.publisher

    async def publisher_close(self, error: str) -> None:
        """End the job's stream with an error, unless it already ended."""
        if self.publisher is not None and not self.publisher.ended:
            await self.publisher.close(error=error)

    def summary(self, status: str, **fields: Any) -> JobSummary:
        """This job's summary."""
        worker = self.token.rsplit(":", 1)[0]
        return JobSummary(
            self.job_id, self.api, status, attempts=self.attempts, worker=worker, **fields
        )
