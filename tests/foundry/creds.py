"""Test credentials shaped like azure-identity's async credentials."""

from __future__ import annotations

import time
from typing import Any

import anyio
import attrs


@attrs.frozen
class AccessToken:
    token: str
    expires_on: int


class CountingCredential:
    """Hands out `tok-1`, `tok-2`, ... each valid for `lifetime` seconds of `clock`."""

    def __init__(
        self, clock: Any = None, lifetime: int = 3600, delay: float = 0.0, prefix: str = "tok"
    ) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.delay = delay
        self.prefix = prefix
        self.calls: list[tuple[str, ...]] = []

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.calls.append(scopes)
        if self.delay:
            await anyio.sleep(self.delay)
        now = self.clock() if self.clock else time.time()
        return AccessToken(f"{self.prefix}-{len(self.calls)}", int(now + self.lifetime))


class FailingCredential:
    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        raise RuntimeError("DefaultAzureCredential failed to retrieve a token")


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
