"""Jobs for the worker pool: the request, the summary, and the Redis operations around them.

A job is a record (`<prefix>:_job:<id>`: api, params, and what a resuming worker
must know: thread, run, response ids) and an entry in the queue stream read by
the workers' consumer group.  Whoever drives a job holds its lease; the summary,
the job's acknowledgement and the lease's release happen in one Lua script, so a
job is acknowledged exactly when its summary is recorded.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .errors import JobTimeout, UnknownJob

if TYPE_CHECKING:
    from .relay import RedisRelay

__all__ = ["APIS", "JobSummary", "enqueue", "wait"]

APIS = ("assistants", "responses")
"""The protocols a job may use."""


@attrs.frozen
class JobSummary:
    """What a finished job amounted to.

    `status` is the run's or response's final status (`completed`, `failed`,
    `incomplete`, `cancelled`, `expired`), or `error` when the job could not be
    driven (then `error` says why); `text` the assistant's text; `usage` the
    token usage as the server reported it; `object_id` the run or response id;
    `attempts` how many times a worker started driving it, `worker` the one that
    finished it.
    """

    job_id: str
    api: str
    status: str
    text: str = ""
    usage: dict[str, Any] | None = None
    error: str | None = None
    object_id: str | None = None
    thread_id: str | None = None
    attempts: int = 1
    worker: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the job completed."""
        return self.status == "completed"

    def to_json(self) -> str:
        """The summary as stored in Redis."""
        return json.dumps(attrs.asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> JobSummary:
        """A summary read back from Redis."""
        value = json.loads(raw)
        names = {f.name for f in attrs.fields(cls)}
        return cls(**{k: v for k, v in value.items() if k in names})


async def enqueue(relay: RedisRelay, api: str, params: Mapping[str, Any]) -> str:
    """Record a job and put it in the queue; returns its id."""
    if api not in APIS:
        raise ValueError(f"api must be one of {APIS}, got {api!r}")
    try:
        encoded = json.dumps(dict(params), separators=(",", ":"))
    except TypeError as exc:
        raise ValueError(f"job parameters must be JSON values: {exc}") from None
    job_id = f"job_{uuid.uuid4().hex}"
    keys = relay.keys
    record = {"api": api, "params": encoded, "enqueued_at": str(time.time())}

    async def send(client: Any) -> None:
        pipe = client.pipeline(transaction=True)
        pipe.hset(keys.job(job_id), mapping=record)
        pipe.xadd(keys.queue, {"job": job_id})
        await pipe.execute()

    # A retry may queue the job twice: the second delivery finds its summary and is acked.
    await relay.redis.call("enqueue", send)
    return job_id


async def wait(relay: RedisRelay, job_id: str, timeout: float | None) -> JobSummary:
    """Block until the job's summary is recorded (bounded by `timeout` seconds)."""
    keys = relay.keys
    result = keys.result(job_id)

    async def exists(client: Any) -> Any:
        return await client.exists(keys.job(job_id), result)

    if not await relay.redis.call("EXISTS job", exists):
        raise UnknownJob(f"no job {job_id!r} in {relay.url} under prefix {relay.prefix!r} "
                         "(never enqueued, or its record expired)")  # fmt: skip
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        block = 5000
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise JobTimeout(
                    f"job {job_id!r} has no summary after {timeout}s; it may be queued or "
                    "still running: wait again, or follow its events"
                )
            block = max(1, min(block, int(left * 1000)))

        async def read(client: Any, block: int = block) -> Any:
            return await client.xread({result: "0-0"}, count=1, block=block)

        answer = await relay.redis.call(f"XREAD {result}", read)
        if answer and answer[0][1]:
            return JobSummary.from_json(answer[0][1][0][1]["summary"])


# ------------------------------------------------------------ worker side

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('XCLAIM', KEYS[2], ARGV[3], ARGV[4], 0, ARGV[5], 'JUSTID')
  return 1
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 0
"""

# Summary, acknowledgement and lease release together: acked exactly when recorded.
_FINISH = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  return 0
end
if redis.call('XLEN', KEYS[2]) == 0 then
  redis.call('XADD', KEYS[2], '*', 'summary', ARGV[2])
end
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[3], 'status', ARGV[4])
redis.call('EXPIRE', KEYS[3], ARGV[3])
redis.call('XACK', KEYS[4], ARGV[5], ARGV[6])
redis.call('XDEL', KEYS[4], ARGV[6])  -- the queue keeps only unfinished jobs
redis.call('DEL', KEYS[1])
return 1
"""

# Only the lease holder writes the job's state: a worker that lost the job cannot
# overwrite what the new owner recorded.
_UPDATE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
return 1
"""

_RECORD_CALLS = """
local seen = {}
for i, call_id in ipairs(ARGV) do
  if i > 1 and redis.call('SADD', KEYS[1], call_id) == 0 then
    table.insert(seen, call_id)
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return seen
"""


class JobStore:
    """The Redis side of driving jobs: leases, job state, submitted call ids, summaries."""

    def __init__(self, relay: RedisRelay, *, lease_seconds: float) -> None:
        self.relay = relay
        self.keys = relay.keys
        self.lease_ms = max(1, int(lease_seconds * 1000))
        client = relay.redis.client
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._finish = client.register_script(_FINISH)
        self._record_calls = client.register_script(_RECORD_CALLS)
        self._update = client.register_script(_UPDATE)

    async def acquire(self, job_id: str, token: str) -> bool:
        """Take the job's lease if nobody holds it."""
        key, ms = self.keys.lease(job_id), self.lease_ms

        async def run(client: Any) -> Any:
            return await client.set(key, token, nx=True, px=ms)

        if await self.relay.redis.call("SET lease", run):
            return True

        async def holder(client: Any) -> Any:
            return await client.get(key)

        return bool(await self.relay.redis.call("GET lease", holder) == token)

    async def holds(self, job_id: str, token: str) -> bool:
        """Whether `token` holds the job's lease now (never takes it)."""
        key = self.keys.lease(job_id)

        async def run(client: Any) -> Any:
            return await client.get(key)

        return bool(await self.relay.redis.call("GET lease", run) == token)

    async def renew(self, job_id: str, token: str, entry: str, consumer: str) -> bool:
        """Extend the lease and reset the queue entry's idle time; False if the lease is lost."""
        keys = [self.keys.lease(job_id), self.keys.queue]
        args = [token, self.lease_ms, self.keys.group, consumer, entry]

        async def run(client: Any) -> Any:
            return await self._renew(keys=keys, args=args, client=client)

        return bool(await self.relay.redis.call("renew lease", run))

    async def release(self, job_id: str, token: str) -> None:
        """Give the lease up (the job stays pending for another attempt)."""
        keys = [self.keys.lease(job_id)]

        async def run(client: Any) -> Any:
            return await self._release(keys=keys, args=[token], client=client)

        await self.relay.redis.call("release lease", run)

    async def finish(self, summary: JobSummary, token: str, entry: str) -> bool:
        """Record the summary and acknowledge the queue entry; False if another worker owns it."""
        job_id = summary.job_id
        keys = [self.keys.lease(job_id), self.keys.result(job_id), self.keys.job(job_id),
                self.keys.queue]  # fmt: skip
        ttl = max(1, int(self.relay.ttl))
        args = [token, summary.to_json(), ttl, summary.status, self.keys.group, entry]

        async def run(client: Any) -> Any:
            return await self._finish(keys=keys, args=args, client=client)

        return bool(await self.relay.redis.call("record summary", run))

    async def ack(self, entry: str) -> None:
        """Acknowledge a queue entry whose job already has its summary."""
        queue, group = self.keys.queue, self.keys.group

        async def run(client: Any) -> Any:
            pipe = client.pipeline(transaction=True)
            pipe.xack(queue, group, entry)
            pipe.xdel(queue, entry)
            return await pipe.execute()

        await self.relay.redis.call("XACK", run)

    async def summary(self, job_id: str) -> JobSummary | None:
        """The recorded summary, if the job has one."""
        key = self.keys.result(job_id)

        async def run(client: Any) -> Any:
            return await client.xrange(key, "-", "+", count=1)

        found = await self.relay.redis.call("XRANGE result", run)
        return JobSummary.from_json(found[0][1]["summary"]) if found else None

    async def record(self, job_id: str) -> dict[str, str]:
        """The job's record (api, params, and the state fields set so far)."""
        key = self.keys.job(job_id)

        async def run(client: Any) -> Any:
            return await client.hgetall(key)

        found: dict[str, str] = await self.relay.redis.call("HGETALL job", run)
        return found

    async def update(self, job_id: str, token: str, **fields: str) -> bool:
        """Remember state a resuming worker needs (ids), if `token` still holds the lease."""
        keys = [self.keys.lease(job_id), self.keys.job(job_id)]
        args = [token, *[x for item in fields.items() for x in item]]

        async def run(client: Any) -> Any:
            return await self._update(keys=keys, args=args, client=client)

        return bool(await self.relay.redis.call("HSET job", run))

    async def attempt(self, job_id: str) -> int:
        """Count one more attempt at the job; returns the count."""
        key = self.keys.job(job_id)

        async def run(client: Any) -> Any:
            return await client.hincrby(key, "attempts", 1)

        return int(await self.relay.redis.call("HINCRBY job", run, retry=False))

    async def record_calls(self, object_id: str, call_ids: Sequence[str]) -> list[str]:
        """Record call ids as submitted (before submitting); returns those already recorded."""
        keys = [self.keys.calls(object_id)]
        args = [max(1, int(self.relay.ttl)) + 86_400, *call_ids]

        async def run(client: Any) -> Any:
            return await self._record_calls(keys=keys, args=args, client=client)

        # Not retried: a retry would find its own first attempt and report it as someone else's.
        seen: list[str] = await self.relay.redis.call("record call ids", run, retry=False)
        return seen

    async def recorded_calls(self, object_id: str) -> set[str]:
        """The call ids recorded as submitted for a run or response."""
        key = self.keys.calls(object_id)

        async def run(client: Any) -> Any:
            return await client.smembers(key)

        found: set[str] = await self.relay.redis.call("SMEMBERS calls", run)
        return found
