"""A client for a real server when one is configured, else for an embedded mock."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from ..client import AssistantsClient
from .server import MockAssistantsServer

__all__ = ["connect"]


@contextlib.asynccontextmanager
async def connect(
    base_url: str | None = None, api_key: str | None = None, **mock_options: Any
) -> AsyncIterator[AssistantsClient]:
    """`async with connect() as client:` — the examples' way to run with or without a key.

    With `base_url` (or `$OPENAI_BASE_URL`) the client talks to that server; otherwise
    a `MockAssistantsServer(**mock_options)` is started for the duration.
    """
    async with contextlib.AsyncExitStack() as stack:
        if base_url is None and not os.environ.get("OPENAI_BASE_URL"):
            server = await stack.enter_async_context(MockAssistantsServer(**mock_options))
            base_url, api_key = server.url, api_key or "mock-key"
        yield await stack.enter_async_context(AssistantsClient(api_key, base_url))
