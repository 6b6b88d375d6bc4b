"""Scale-out on Redis Streams: relay a run's events to any node, and a worker pool.

```python
from assistants_events.relay import RedisRelay

relay = RedisRelay("redis://127.0.0.1:6379/0")
bot.include_router(relay.publisher(key))               # node A
async for event in relay.follow(key, after=None): ...   # node B
job_id = await relay.enqueue(api="assistants", assistant_id=..., messages=[...])
summary = await relay.wait(job_id, timeout=60)
```

Needs the `redis` extra (`pip install 'assistants-events[redis]'`).  Workers:
`assistants-events worker --redis URL --handler module:Class`.
"""

from __future__ import annotations

from .errors import (
    EventsTrimmed,
    JobTimeout,
    LeaseLost,
    RedisUnavailable,
    RelayError,
    RelayTimeout,
    StreamAborted,
    UnknownJob,
)
from .jobs import JobSummary
from .relay import DEFAULT_MAXLEN, DEFAULT_TTL, ENDS, Publisher, RedisRelay

__all__ = [
    "DEFAULT_MAXLEN",
    "DEFAULT_TTL",
    "ENDS",
    "EventsTrimmed",
    "JobSummary",
    "JobTimeout",
    "LeaseLost",
    "Publisher",
    "RedisRelay",
    "RedisUnavailable",
    "RelayError",
    "RelayTimeout",
    "StreamAborted",
    "UnknownJob",
]
