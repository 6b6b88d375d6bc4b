"""Facts about callables, decided once when something is registered (never per event)."""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["is_async_callable"]


def is_async_callable(fn: Any) -> bool:
    """Whether calling `fn` returns an awaitable that must be awaited."""
    while hasattr(fn, "func") and not inspect.isfunction(fn):  # functools.partial
        fn = fn.func
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004 - async callable objects
    )
