"""`StreamResult`: what the streams a handler consumed amounted to, for either protocol."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from .assistants.models import Message, Run, RunStep, Thread, Usage
    from .responses.models import Response, ResponseUsage

__all__ = ["HandedOut", "StreamResult"]

T = TypeVar("T")

_DEFAULTS: dict[str, Callable[[], Any]] = {
    "run": lambda: None,
    "messages": list,
    "run_steps": list,
    "usage": lambda: None,
    "done": lambda: False,
    "text": str,
    "thread": lambda: None,
    "runs": list,
    "response": lambda: None,
    "responses": list,
}


class _Field(Generic[T]):
    """A field built on first read by the thunk its result was given, then kept."""

    name: str

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, result: None, owner: type) -> _Field[T]: ...
    @overload
    def __get__(self, result: StreamResult, owner: type) -> T: ...
    def __get__(self, result: StreamResult | None, owner: type) -> _Field[T] | T:
        if result is None:
            return self
        values = result._values
        try:
            value: Any = values[self.name]
        except KeyError:
            thunks = result._thunks
            value = values[self.name] = thunks[self.name](result)
            del thunks[self.name]  # only once built: a thunk that raised raises again
        if type(value) is _Failed:
            raise value.error
        built: T = value
        return built

    def __set__(self, result: StreamResult, value: T) -> None:
        raise AttributeError(f"StreamResult is frozen: cannot set {self.name!r}")


class _Failed:
    """A field whose thunk raised while the result was frozen: raised when read."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


class StreamResult:
    """What one or more consumed streams amounted to.

    Assistants: `run` is the last run snapshot, `runs` every run seen, `messages` the
    final snapshots of the messages in the order they were created, `run_steps`
    likewise for steps, `thread` the thread a create-thread-and-run stream made.
    Responses: `response` is the last response snapshot, `responses` every response of
    a tool loop, in order.  Both: `usage` the token usage (a run's, or its steps' sum
    while it has none; the sum of all responses), `done` whether the last stream
    reached its end (`done`, or a terminal response event), and `text` the assistant's
    text (Assistants: every assistant message, separated by a blank line; Responses:
    the output text of the last response).

    A result a handler returns builds each typed field on first read: a result
    nobody reads costs nothing.  It is still a picture of the moment it was returned:
    before the handler folds another event, whatever is unread is built.
    Results compare equal when all their fields do.
    """

    __slots__ = ("__weakref__", "_thunks", "_values")

    run: _Field[Run | None] = _Field()
    messages: _Field[list[Message]] = _Field()
    run_steps: _Field[list[RunStep]] = _Field()
    usage: _Field[Usage | ResponseUsage | None] = _Field()
    done: _Field[bool] = _Field()
    text: _Field[str] = _Field()
    thread: _Field[Thread | None] = _Field()
    runs: _Field[list[Run]] = _Field()
    response: _Field[Response | None] = _Field()
    responses: _Field[list[Response]] = _Field()

    _thunks: dict[str, Callable[[StreamResult], Any]]
    _values: dict[str, Any]

    def __init__(
        self,
        run: Run | None = None,
        messages: list[Message] | None = None,
        run_steps: list[RunStep] | None = None,
        usage: Usage | ResponseUsage | None = None,
        done: bool = False,
        text: str = "",
        thread: Thread | None = None,
        runs: list[Run] | None = None,
        response: Response | None = None,
        responses: list[Response] | None = None,
    ) -> None:
        self._thunks = {}
        self._values = {
            "run": run,
            "messages": [] if messages is None else messages,
            "run_steps": [] if run_steps is None else run_steps,
            "usage": usage,
            "done": done,
            "text": text,
            "thread": thread,
            "runs": [] if runs is None else runs,
            "response": response,
            "responses": [] if responses is None else responses,
        }

    @classmethod
    def deferred(
        cls, build: Mapping[str, Callable[[StreamResult], Any]], **values: Any
    ) -> StreamResult:
        """A result whose fields in `build` are built on first read, by `build[name](result)`.

        `values` are given as they are; other fields take their defaults.  The caller
        (a protocol's state) must `freeze()` the result before the data its thunks
        read changes (see `HandedOut`).
        """
        unknown = (set(build) | set(values)) - set(_DEFAULTS)
        if unknown:
            raise TypeError(f"StreamResult has no field(s) {sorted(unknown)}")
        result = cls.__new__(cls)
        result._values = {name: make() for name, make in _DEFAULTS.items()
                          if name not in build and name not in values}  # fmt: skip
        result._values.update(values)
        result._thunks = dict(build)
        return result

    def freeze(self) -> None:
        """Build every field not read yet (before the data behind it changes).

        A field that cannot be built raises its error when it is read, not here.
        """
        thunks, values = self._thunks, self._values
        for name in list(thunks):
            if name in thunks:  # not built meanwhile by another field's thunk
                try:
                    values[name] = thunks[name](self)
                except Exception as exc:
                    values[name] = _Failed(exc)
                del thunks[name]

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _DEFAULTS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StreamResult):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable lists inside, as before

    def __repr__(self) -> str:
        pairs = zip(_DEFAULTS, self._fields(), strict=True)
        shown = ", ".join(f"{name}={value!r}" for name, value in pairs)
        return f"StreamResult({shown})"


class HandedOut:
    """The deferred result a protocol state handed out last, held weakly.

    The state calls `settle()` before it folds anything new into what that result
    reads: a result still held is built then; one nobody holds any more never is.
    """

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last: weakref.ref[StreamResult] | None = None

    def hand_out(self, result: StreamResult) -> StreamResult:
        """Settle the result handed out before, remember `result` (weakly), return it."""
        self.settle()
        self.last = weakref.ref(result)
        return result

    def settle(self) -> None:
        """Build what the result handed out last has not built yet, if still held."""
        last, self.last = self.last, None
        result = last() if last is not None else None
        if result is not None:
            result.freeze()


def _check_fields() -> None:
    names = [name for name, value in vars(StreamResult).items() if isinstance(value, _Field)]
    if names != list(_DEFAULTS):
        raise AssertionError("every StreamResult field has a default, in order")


_check_fields()
