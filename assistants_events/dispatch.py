"""Which callables receive an event, and in what order.

`@on(...)` only marks a function (it is returned unchanged); `EventHandler`
collects the marks of its class once, and `Router` registers module-level
functions.  The list of callables for an event name is computed once per handler
and name, with each callable's sync/async nature and signature inspected when it
is registered, never per event.

Patterns are segment-aware: `*` stands for one dot-separated segment
(`thread.run.*` matches `thread.run.completed`, not `thread.run.step.created`),
`**` for any number of them (`thread.run.**`), `?` for one character of a segment;
a lone `*` matches every event.  A name that is neither a pattern nor known to any
protocol draws an `UnknownEventWarning` when it is subscribed: it is usually a typo.
"""

from __future__ import annotations

import functools
import inspect
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import attrs

from .callables import is_async_callable
from .errors import RouterError
from .events import known_event_names
from .tool_schema import make_tool

__all__ = [
    "Call",
    "Router",
    "Subscription",
    "UnknownEventWarning",
    "is_async_callable",
    "matches",
    "on",
]

F = TypeVar("F", bound=Callable[..., Any])

MARK = "__assistants_events_patterns__"
_WILDCARDS = frozenset("*?")
# Names no protocol registers but servers send: subscribing to them is no typo.
_TOLERATED = frozenset({"keepalive", "message"})


class UnknownEventWarning(UserWarning):
    """A subscription names an event no protocol knows and is no pattern: likely a typo."""


def warn_if_unknown(patterns: tuple[str, ...], where: str, stacklevel: int = 3) -> None:
    """Warn about subscribed names that are neither patterns nor known event names."""
    known = known_event_names()
    if not known:  # no protocol registered yet: nothing to compare with
        return
    for pattern in patterns:
        if _WILDCARDS.isdisjoint(pattern) and pattern not in known and pattern not in _TOLERATED:
            warnings.warn(
                f"{where} subscribes to {pattern!r}, which no protocol sends; check the "
                "spelling (e.g. 'thread.message.delta', 'response.output_text.delta') or "
                "use a pattern such as 'thread.run.*'",
                UnknownEventWarning,
                stacklevel=stacklevel,
            )


def _check_patterns(patterns: tuple[str, ...]) -> tuple[str, ...]:
    if not patterns:
        raise TypeError("on() needs at least one event name or pattern, e.g. on('thread.run.*')")
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern:
            raise TypeError(f"event patterns are non-empty strings, got {pattern!r}")
    return patterns


def matches(pattern: str, name: str) -> bool:
    """Whether an event name matches an exact name or a segment-aware pattern."""
    if _WILDCARDS.isdisjoint(pattern):
        return pattern == name
    return _compiled(pattern)(name) is not None


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> Callable[[str], re.Match[str] | None]:
    if pattern == "*":
        return re.compile(r".*", re.S).fullmatch
    pieces = []
    for token in re.split(r"(\*\*|\*|\?)", pattern):
        if token == "**":
            pieces.append(r".*")
        elif token == "*":
            pieces.append(r"[^.]*")
        elif token == "?":
            pieces.append(r"[^.]")
        else:
            pieces.append(re.escape(token))
    return re.compile("".join(pieces), re.S).fullmatch


def on(*patterns: str) -> Callable[[F], F]:
    """Subscribe an `EventHandler` method to events by exact name or wildcard.

    `@on("thread.message.delta")`, `@on("thread.run.failed", "thread.run.expired")`,
    `@on("thread.run.step.*")`, `@on("response.**")`, `@on("*")` (every event).  The
    method receives the `Event`; it may be `async def` or a plain function (run
    inline: keep it quick).
    """
    checked = _check_patterns(patterns)

    def mark(fn: F) -> F:
        if not callable(fn):
            raise TypeError(f"@on(...) decorates a function, not {fn!r}")
        setattr(fn, MARK, getattr(fn, MARK, ()) + checked)
        return fn

    return mark


METHOD, PLAIN, WITH_HANDLER = 0, 1, 2
"""How a `Call` is called: `fn(handler, event)`, `fn(event)`, `fn(event, handler)`."""


@attrs.frozen
class Call:
    """A resolved callable for one event: how to call it, decided once.

    It holds no handler: a dispatch table is shared by every instance of a handler
    class, and a handler is never in a reference cycle with its own table.
    """

    fn: Callable[..., Any]
    is_async: bool
    style: int = PLAIN

    def bound(self, handler: Any) -> Callable[..., Any]:
        """The callable as one event's subscriber: takes just the event."""
        if self.style == METHOD:
            method: Callable[..., Any] = self.fn.__get__(handler)
            return method
        if self.style == WITH_HANDLER:
            return _bind_handler(self.fn, handler)
        return self.fn


@attrs.frozen
class Subscription:
    """A router function and the patterns it listens to."""

    patterns: tuple[str, ...]
    fn: Callable[..., Any]
    is_async: bool
    with_handler: bool


def _positional_count(fn: Callable[..., Any]) -> int:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 2
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return 2
    return sum(1 for p in params if p.kind in kinds)


class Router:
    """Module-level subscriptions that handlers include.

    ```python
    router = Router()

    @router.on("error")
    async def log_error(event: Event, handler: EventHandler) -> None: ...

    WeatherBot.include_router(router)
    ```

    A router function takes `(event)` or `(event, handler)`.  Routers nest with
    `include_router`; a router has at most one parent router, and including a
    router into itself, twice, or in a cycle raises `RouterError`.
    """

    def __init__(self, name: str | None = None) -> None:
        self.name = name or f"Router@{id(self):x}"
        self._subscriptions: list[Subscription] = []
        self._children: list[Router] = []
        self.parent: Router | None = None
        self.tools: dict[str, Any] = {}
        self.version = 0  # bumped on every change in this tree: handlers rebuild their tables

    def _changed(self) -> None:
        router: Router | None = self
        while router is not None:
            router.version += 1
            router = router.parent

    def __repr__(self) -> str:
        return f"<Router {self.name!r}>"

    def on(self, *patterns: str) -> Callable[[F], F]:
        """Register a function for events matching the patterns; returns it unchanged."""
        checked = _check_patterns(patterns)

        def register(fn: F) -> F:
            if not callable(fn):
                raise TypeError(f"router.on(...) decorates a function, not {fn!r}")
            warn_if_unknown(checked, repr(self))
            self._subscriptions.append(
                Subscription(checked, fn, is_async_callable(fn), _positional_count(fn) >= 2)
            )
            self._changed()
            return fn

        return register

    def tool(self, fn: Any = None, /, **options: Any) -> Any:
        """Declare a module-level function as a tool (see `ae.tool`)."""

        def register(func: Any) -> Any:
            spec = make_tool(func, bound=False, **options)
            if spec.name in self.tools:
                raise RouterError(f"{self!r} already has a tool named {spec.name!r}")
            self.tools[spec.name] = spec
            self._changed()
            return func

        return register(fn) if fn is not None else register

    def include_router(self, router: Router) -> Router:
        """Attach a child router; its subscriptions follow this router's own."""
        if not isinstance(router, Router):
            raise TypeError(f"include_router() takes a Router, not {type(router).__name__}")
        if router is self:
            raise RouterError(f"{self!r} cannot include itself")
        if router.parent is not None:
            raise RouterError(
                f"{router!r} is already included in {router.parent!r}; a router has one parent"
            )
        if any(r is self for r in router.walk()):
            raise RouterError(f"including {router!r} into {self!r} would make a cycle")
        router.parent = self
        self._children.append(router)
        self._changed()
        return router

    def walk(self) -> Iterator[Router]:
        """This router, then its descendants, depth first, in inclusion order."""
        yield self
        for child in self._children:
            yield from child.walk()

    def calls_for(self, name: str) -> list[Call]:
        """The calls, in order, of this router tree for an event name."""
        return [
            Call(sub.fn, sub.is_async, WITH_HANDLER if sub.with_handler else PLAIN)
            for router in self.walk()
            for sub in router._subscriptions
            if any(matches(p, name) for p in sub.patterns)
        ]

    def all_tools(self) -> dict[str, Any]:
        """Every tool of this router tree, by name."""
        found: dict[str, Any] = {}
        for router in self.walk():
            found.update(router.tools)
        return found


def _bind_handler(fn: Callable[..., Any], handler: Any) -> Callable[[Any], Any]:
    def call(event: Any) -> Any:
        return fn(event, handler)

    call.__qualname__ = getattr(fn, "__qualname__", repr(fn))
    return call
