"""One redis-py asyncio client with bounded retries, typed errors and no password in messages.

redis-py's own retry is switched off: retrying is decided here, per operation,
because only some operations are idempotent (see `RedisConnection.call`).
"""

from __future__ import annotations

import logging
import random
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

from .errors import RedisUnavailable, RelayError

__all__ = ["RedisConnection", "redact"]

log = logging.getLogger("assistants_events.relay")

T = TypeVar("T")


def redact(url: str) -> str:
    """The URL with its password (and a user-info token) replaced by `***`."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None and not parts.username:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    userinfo = f"{user}:***@" if parts.password is not None else "***@"
    return urllib.parse.urlunsplit(parts._replace(netloc=userinfo + host))


def _import_redis() -> Any:
    try:
        import redis.asyncio as aioredis
    except ImportError:  # pragma: no cover - the extra is part of the test install
        raise RelayError(
            "the relay needs redis-py: pip install 'assistants-events[redis]'"
        ) from None
    return aioredis


class RedisConnection:
    """A Redis client for one URL: `call(op, fn)` runs `fn(client)` with bounded retries.

    Connection failures and timeouts are retried `retries` times with jittered
    exponential backoff, then raised as `RedisUnavailable`; Redis' own error
    replies become `RelayError` at once.  Messages name the server by its
    redacted URL.
    """

    def __init__(
        self,
        url: str,
        *,
        retries: int = 3,
        backoff: float = 0.1,
        connect_timeout: float = 2.0,
        socket_timeout: float = 10.0,
    ) -> None:
        self.safe_url = redact(url)
        self._secret = urllib.parse.urlsplit(url).password or ""
        self.retries = retries
        self.backoff = backoff
        aioredis = _import_redis()
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.client: Any = aioredis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=connect_timeout,
            socket_timeout=socket_timeout,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
        )

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    async def call(self, op: str, fn: Callable[[Any], Awaitable[T]], *, retry: bool = True) -> T:
        """Run `fn(client)`; retry connection failures when `retry` (the op is idempotent)."""
        from redis import exceptions as rx

        attempt = 0
        while True:
            try:
                return await fn(self.client)
            except (rx.ConnectionError, rx.TimeoutError, OSError) as exc:
                if isinstance(exc, rx.AuthenticationError):
                    raise RelayError(
                        f"Redis at {self.safe_url} refused the credentials during {op}; "
                        "check the URL's user and password"
                    ) from None
                if not retry or attempt >= self.retries:
                    raise RedisUnavailable(
                        f"Redis at {self.safe_url} is unreachable during {op} after "
                        f"{attempt + 1} attempt(s): {self._scrub(type(exc).__name__)}: "
                        f"{self._scrub(str(exc))[:200]}; start it or fix the URL"
                    ) from None
                delay = self.backoff * 2**attempt * (0.75 + random.random() / 2)
                attempt += 1
                log.info("Redis %s failed (%s), retry %d in %.2fs", op, type(exc).__name__,
                         attempt, delay)  # fmt: skip
                await anyio.sleep(delay)
            except rx.RedisError as exc:
                raise RelayError(
                    f"Redis at {self.safe_url} rejected {op}: {self._scrub(str(exc))[:300]}"
                ) from None

    async def close(self) -> None:
        """Close the connection pool (idempotent)."""
        try:
            await self.client.aclose()
        except Exception:
            log.debug("closing the Redis pool failed", exc_info=True)
