"""`EventHandler`: subscribe methods to events and consume Assistants streams.

Per event, in order: the lifecycle checks it, the accumulator folds it into the
snapshots, then the subscribed callables run: the class's `@on` methods in
definition order (base class first, an override keeping its base's place), then
the routers included in the class (and its bases), then those included in the
instance.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from . import names
from .accumulate import Accumulator, StreamResult
from .dispatch import MARK, Call, Router, is_async_callable, matches
from .errors import AssistantsEventsError, EventDecodeError, HandlerError, RouterError, StreamError
from .events import Event, require_id
from .lifecycle import Lifecycle, Violation, kind_of
from .models import ErrorObject, Run
from .sse import DEFAULT_MAX_EVENT_SIZE, SSEDecoder
from .tools import DEFAULT_TOOL_TIMEOUT, ToolCallRequest, ToolOutput, ToolSpec
from .tools import execute as execute_tools

if TYPE_CHECKING:
    from .client import AssistantsClient

__all__ = ["Chunks", "EventHandler"]

log = logging.getLogger("assistants_events")

Chunks = AsyncIterable[bytes] | Iterable[bytes] | bytes
"""What `consume` reads: an async or plain iterable of byte chunks, or one bytes object."""

_KINDS: dict[str, str | None] = {name: kind_of(name) for name in names.ALL_EVENTS}
_MAX_CACHED_NAMES = 512
R = TypeVar("R")


class _State:
    __slots__ = ("acc", "lifecycle")

    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle
        self.acc = Accumulator()


class _IncludeRouter:
    """Include a router's subscriptions (and tools) in a handler class or instance.

    `Bot.include_router(r)` serves every instance; `bot.include_router(r)` that one
    only.  Including the same router twice, or a router already reachable through
    another, raises `RouterError`: its handlers would run twice.
    """

    def __get__(
        self, obj: EventHandler | None, owner: type[EventHandler]
    ) -> Callable[[Router], Router]:
        def include_router(router: Router) -> Router:
            if not isinstance(router, Router):
                raise TypeError(f"include_router() takes a Router, not {type(router).__name__}")
            where = owner.__name__ if obj is None else f"this {owner.__name__} instance"
            present = owner._ae_class_router_chain()
            if obj is not None:
                present = present + obj._ae_instance_routers()
            reachable = {id(r) for p in present for r in p.walk()}
            if any(id(r) in reachable for r in router.walk()):
                raise RouterError(
                    f"{router!r} (or a router inside it) is already included in {where}; "
                    "its handlers would run twice"
                )
            if obj is None:
                if "_ae_routers" not in vars(owner):
                    owner._ae_routers = []
                owner._ae_routers.append(router)
                owner._ae_class_calls = {}
                global _generation
                _generation += 1
            else:
                obj._ae_instance_routers().append(router)
                obj.__dict__.pop("_ae_table", None)
            return router

        include_router.__doc__ = _IncludeRouter.__doc__
        return include_router


class _ClassOrInstance(Generic[R]):
    """A method that works on the class and on an instance: `f(cls, instance or None)`."""

    def __init__(self, func: Callable[[type[EventHandler], EventHandler | None], R]) -> None:
        self.func = func
        self.__doc__ = func.__doc__

    def __get__(self, obj: EventHandler | None, owner: type[EventHandler]) -> Callable[[], R]:
        return functools.partial(self.func, owner, obj)


_generation = 0  # bumped when a class includes a router: instance tables are rebuilt


class EventHandler:
    """Base class of services that react to Assistants stream events.

    Subclass it, mark methods with `@on(...)` (and tools with `@tool`), then feed
    it a stream with `await handler.consume(chunks)` or drive a whole run with
    `await handler.run(client, ...)`.  Class attributes tune it: `strict` (raise
    on lifecycle violations, else report them to `on_violation`) and
    `max_event_size` (characters one server-sent event may hold).

    One handler instance follows one run: consuming a second stream (such as the
    one `submit_tool_outputs` returns) continues the same lifecycle and result.
    Call `reset()` to start over.
    """

    strict: ClassVar[bool] = True
    max_event_size: ClassVar[int] = DEFAULT_MAX_EVENT_SIZE

    _ae_marks: ClassVar[dict[str, tuple[str, ...]]] = {}
    _ae_routers: ClassVar[list[Router]] = []
    _ae_tools: ClassVar[dict[str, Any]] = {}
    _ae_class_calls: ClassVar[dict[str, tuple[str, ...]]] = {}

    include_router: ClassVar[_IncludeRouter] = _IncludeRouter()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Collected by attribute name over the MRO, base first: a subclass method of
        # the same name replaces its parent's subscription instead of adding one.
        marks: dict[str, tuple[str, ...]] = {}
        tools: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                patterns = getattr(value, MARK, None)
                if patterns is not None:
                    marks[attr] = patterns
                spec = getattr(value, "__assistants_events_tool__", None)
                if spec is not None:
                    tools[spec.name] = spec
        cls._ae_marks = marks
        cls._ae_tools = tools
        cls._ae_routers = []
        cls._ae_class_calls = {}

    # ------------------------------------------------------------------ routers

    def _ae_instance_routers(self) -> list[Router]:
        routers: list[Router] | None = self.__dict__.get("_ae_own_routers")
        if routers is None:
            routers = self.__dict__["_ae_own_routers"] = []
        return routers

    @classmethod
    def _ae_class_router_chain(cls) -> list[Router]:
        chain: list[Router] = []
        for klass in reversed(cls.__mro__):
            chain.extend(vars(klass).get("_ae_routers", ()))
        return chain

    # -------------------------------------------------------------------- state

    @property
    def lifecycle(self) -> Lifecycle:
        """The lifecycle checker following this handler's run."""
        return self._ae_state().lifecycle

    @property
    def result(self) -> StreamResult:
        """The result of everything consumed so far."""
        return self._ae_state().acc.result()

    def reset(self) -> None:
        """Forget the lifecycle and snapshots: the next stream starts a new run."""
        self.__dict__.pop("_ae_stream", None)

    def on_violation(self, violation: Violation) -> None:
        """Called for each lifecycle violation when `strict` is False; logs a warning.

        Override it to count, alert or raise.
        """
        log.warning("lifecycle violation: %s", violation.error)

    def _ae_state(self) -> _State:
        # Created on first use so subclasses need not call super().__init__().
        state: _State | None = self.__dict__.get("_ae_stream")
        if state is None:
            state = self.__dict__["_ae_stream"] = _State(Lifecycle(self.strict, self.on_violation))
        return state

    # ----------------------------------------------------------------- dispatch

    def _ae_calls(self, name: str) -> tuple[Call, ...]:
        table: dict[str, tuple[Call, ...]] | None = self.__dict__.get("_ae_table")
        if table is None:
            table = self.__dict__["_ae_table"] = {}
        calls = table.get(name)
        if calls is None:
            calls = self._ae_resolve(name)
            if len(table) < _MAX_CACHED_NAMES:  # a server inventing names cannot grow it
                table[name] = calls
        return calls

    def _ae_resolve(self, name: str) -> tuple[Call, ...]:
        cls = type(self)
        attrs_for = cls._ae_class_calls.get(name)
        if attrs_for is None:
            attrs_for = tuple(
                attr
                for attr, patterns in cls._ae_marks.items()
                if any(matches(p, name) for p in patterns)
            )
            cls._ae_class_calls[name] = attrs_for
        calls = []
        for attr in attrs_for:
            method = getattr(self, attr)
            calls.append(Call(method, is_async_callable(method)))
        for router in [*cls._ae_class_router_chain(), *self._ae_instance_routers()]:
            calls.extend(router.calls_for(name, self))
        return tuple(calls)

    def subscribers(self, name: str) -> list[Callable[..., Any]]:
        """The callables an event of this name reaches, in call order."""
        return [call.fn for call in self._ae_calls(name)]

    def _ae_ingest(self, event: Event, state: _State) -> tuple[Call, ...]:
        """Check and fold one event; return who must hear of it."""
        name = event.name
        # Names newer than this library are dispatched but neither checked nor folded.
        kind = _KINDS.get(name)
        if kind is not None:
            if name in names.DELTA_EVENTS:
                object_id = require_id(event)
                state.lifecycle.check_delta(kind, object_id, name)
                state.acc.add_delta(kind, object_id, event)
            else:
                state.lifecycle.observe(event)
                state.acc.add(event, kind)
        else:
            state.acc.add(event, None)
        table: dict[str, tuple[Call, ...]] | None = self.__dict__.get("_ae_table")
        if table is not None and name in table:
            return table[name]
        return self._ae_calls(name)

    async def _ae_notify(self, event: Event, calls: tuple[Call, ...]) -> None:
        before = sys.getrefcount(event)
        for call in calls:
            try:
                if call.is_async:
                    await call.fn(event)
                else:
                    call.fn(event)
            except AssistantsEventsError:
                raise
            except Exception as exc:
                raise HandlerError(event.name, call.fn, exc) from exc
        if sys.getrefcount(event) > before:
            # A handler kept the event: pin its snapshot before the next delta moves it.
            event._freeze_snapshot()

    async def dispatch(self, event: Event) -> None:
        """Check, accumulate and dispatch one event (what `consume` does per event)."""
        calls = self._ae_ingest(event, self._ae_state())
        if calls:
            await self._ae_notify(event, calls)
        if event.name == names.ERROR:
            raise StreamError(_error_object(event))

    async def consume(self, chunks: Chunks) -> StreamResult:
        """Read one SSE body: parse, check, accumulate and dispatch every event.

        Returns the `StreamResult` of everything this handler consumed so far.
        Raises `InvalidTransition` on a lifecycle violation (when `strict`),
        `IncompleteStream` when the body ended mid-run without `done`,
        `StreamError` after dispatching an `error` event, `HandlerError` when a
        handler raised, and `SSEError`/`EventDecodeError` on malformed input.
        """
        state = self._ae_state()
        state.acc.done = False
        if self.__dict__.get("_ae_generation") != _generation:
            self.__dict__.pop("_ae_table", None)
            self.__dict__["_ae_generation"] = _generation
        decoder = SSEDecoder(self.max_event_size)
        if isinstance(chunks, (bytes, bytearray, memoryview)):
            chunks = [bytes(chunks)]
        if isinstance(chunks, AsyncIterable):
            async for chunk in chunks:
                await self._ae_events(decoder.feed_fields(chunk), state)
        else:
            for chunk in chunks:
                await self._ae_events(decoder.feed_fields(chunk), state)
        await self._ae_events(decoder.close_fields(), state)
        state.lifecycle.finish(state.acc.done)
        return state.acc.result()

    async def _ae_events(self, frames: list[tuple[str, str, Any, Any]], state: _State) -> None:
        # `dispatch`, inlined for a chunk's worth of events: this loop is the hot path.
        ingest, notify = self._ae_ingest, self._ae_notify
        for name, data, _, _ in frames:
            event = Event(name, data)
            calls = ingest(event, state)
            if calls:
                await notify(event, calls)
            if name == "error":
                raise StreamError(_error_object(event))

    def known_thread(self) -> str | None:
        """The id of the thread a `thread.created` event announced, if one did."""
        return self._ae_state().acc.thread_id()

    def known_runs(self) -> list[tuple[str, str | None, str]]:
        """Every run seen so far as (run id, thread id, status)."""
        state = self._ae_state()
        return [
            (run_id, state.acc.run_thread_id(run_id), status)
            for run_id, status in state.lifecycle.runs.items()
        ]

    async def consume_openai(self, stream: AsyncIterable[Any] | Iterable[Any]) -> StreamResult:
        """Dispatch the events of an official `openai` SDK stream to this handler.

        `async with client.beta.threads.runs.stream(...) as s: await bot.consume_openai(s)`
        """
        from .interop import consume_openai

        return await consume_openai(self, stream)

    # -------------------------------------------------------------------- tools

    tool_timeout: ClassVar[float | None] = DEFAULT_TOOL_TIMEOUT
    """Seconds one tool call may take unless its `@tool(timeout=...)` says otherwise."""

    @_ClassOrInstance
    def tool_specs(cls: type[EventHandler], self: EventHandler | None) -> Mapping[str, ToolSpec]:  # noqa: N805
        """Every tool answered: the class's, its routers', and (on an instance) the instance's.

        Works on the class (`Bot.tool_specs()`) and on an instance.
        """
        found = dict(cls._ae_tools)
        routers = cls._ae_class_router_chain()
        if self is not None:
            routers = [*routers, *self._ae_instance_routers()]
        for router in routers:
            found.update(router.all_tools())
        return found

    @_ClassOrInstance
    def tool_definitions(
        cls: type[EventHandler],  # noqa: N805 - called on the class or an instance
        self: EventHandler | None,
    ) -> list[dict[str, Any]]:
        """The `tools` list to create an assistant with: one function entry per tool.

        Works on the class (`Bot.tool_definitions()`) and on an instance.
        """
        specs = (self or cls).tool_specs()
        return [spec.definition() for spec in specs.values()]

    async def answer_tool_calls(self, run: Run) -> list[ToolOutput]:
        """Produce one output per tool call of a `requires_action` run.

        The default runs the declared tools concurrently (each bounded by its
        timeout) and turns bad arguments, exceptions, timeouts and unknown tool
        names into error outputs for the model.  Override it to answer calls
        yourself; return exactly one `ToolOutput` per call: the driver checks, and
        submits them all in one request.
        """
        calls = [
            ToolCallRequest(call.id, call.function.name, call.function.arguments)
            for call in run.tool_calls
        ]
        return await execute_tools(
            self.tool_specs(), calls, self, default_timeout=self.tool_timeout
        )

    async def run(self, client: AssistantsClient, **params: Any) -> StreamResult:
        """Drive a run with this handler: `await bot.run(client, thread_id=..., assistant_id=...)`.

        Without `thread_id`, a new thread is created with `messages=[...]`.
        """
        from . import runner  # the driver sits above the handler

        if "thread_id" in params:
            return await runner.run(client, self, **params)
        return await runner.run_new_thread(client, self, **params)


def _error_object(event: Event) -> ErrorObject:
    try:
        data = event.data
    except EventDecodeError:
        return ErrorObject(message=event.raw)
    return data if isinstance(data, ErrorObject) else ErrorObject(message=event.raw)
