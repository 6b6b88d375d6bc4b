"""`EventHandler`: subscribe methods to events and consume streams of either protocol.

A handler class is a router: its `@on` methods are its routes, and routers can be
included in the class (every instance) or in one instance.  Per event, in order:
the protocol's state checks the lifecycle and folds the event into the snapshots,
then the subscribed callables run: the class's `@on` methods in definition order
(base class first, an override keeping its base's place), then the routers
included in the class (and its bases), then those included in the instance.

The protocol is told by the first event that names one (`thread.*` or `done`:
Assistants; `response.*`: Responses), unless the class sets `protocol`.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import types
import weakref
from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Mapping, Sequence
from inspect import isawaitable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from .dispatch import (
    MARK,
    METHOD,
    PLAIN,
    Call,
    Router,
    is_async_callable,
    matches,
    warn_if_unknown,
)
from .errors import (
    ConfigurationError,
    ErrorObject,
    HandlerError,
    LifecycleError,
    RouterError,
    StreamError,
)
from .events import Event, frame_events, whole_last_frame
from .lifecycle import Policy, Quirk, Violation
from .protocol import StreamState, protocol_for, protocol_named
from .result import StreamResult
from .sse import DEFAULT_MAX_EVENT_SIZE, SSEDecoder
from .tool_calls import ToolCallRequest, ToolOutput, default_error_text
from .tool_calls import execute as execute_tools
from .tool_schema import DEFAULT_TOOL_TIMEOUT, ToolSpec

if TYPE_CHECKING:
    from .assistants import params as p
    from .assistants.foundry import ToolApproval
    from .assistants.models import Run
    from .client import AssistantsClient
    from .responses.client import ResponsesEndpoints
    from .streaming import EventStream

__all__ = ["Chunks", "EventHandler"]

log = logging.getLogger("assistants_events")

Chunks = AsyncIterable[bytes] | Iterable[bytes] | bytes
"""What `consume` reads: an async or plain iterable of byte chunks, or one bytes object."""

_weak = weakref.ref
_MAX_CACHED_NAMES = 512  # a server inventing names cannot grow a table past this


def _method_call(cls: type, attr: str) -> Call:
    """The call of a subscribed method, unbound: the table is shared by instances."""
    static = inspect.getattr_static(cls, attr)
    fn = getattr(cls, attr)
    if isinstance(static, types.FunctionType):
        return Call(static, is_async_callable(fn), METHOD)
    if isinstance(static, (staticmethod, classmethod)) or not hasattr(static, "__get__"):
        return Call(fn, is_async_callable(fn), PLAIN)  # nothing to bind per instance
    # Any other descriptor binds as a method does.
    return Call(functools.partial(_bind_and_call, static), is_async_callable(fn), METHOD)


class _WeakMethod:
    """A bound method, called only while its handler lives (no cycle through the state)."""

    __slots__ = ("_func", "_ref")

    def __init__(self, method: types.MethodType) -> None:
        self._ref = weakref.ref(method.__self__)
        self._func = method.__func__

    def __call__(self, arg: Any) -> None:
        handler = self._ref()
        if handler is not None:
            self._func(handler, arg)


def _log_violation(violation: Violation) -> None:
    log.warning("lifecycle violation: %s", violation.error)


def _log_quirk(quirk: Quirk) -> None:
    log.debug("server quirk accepted: %s", quirk)


def _hook(
    handler: EventHandler, name: str, default: Callable[[Any], None]
) -> Callable[[Any], object]:
    """What a handler's state calls for the hook `name`, reaching the handler weakly.

    A hook the class does not override is `default` itself (what the base's method
    calls): nothing per handler for the state to hold.
    """
    method: Callable[[Any], object] = getattr(handler, name)
    if not isinstance(method, types.MethodType):
        return method  # a function set on the instance: the user's to hold
    if method.__func__ is vars(EventHandler)[name]:
        return default
    return _WeakMethod(method)


def _bind_and_call(descriptor: Any, handler: Any, event: Any) -> Any:
    return descriptor.__get__(handler, type(handler))(event)


R = TypeVar("R")


class _ClassOrInstance(Generic[R]):
    """A method that works on the class and on an instance: `f(cls, instance or None, ...)`."""

    def __init__(self, func: Callable[..., R]) -> None:
        self.func = func
        self.__doc__ = func.__doc__

    def __get__(self, obj: EventHandler | None, owner: type[EventHandler]) -> Callable[..., R]:
        return functools.partial(self.func, owner, obj)


def _include_router(cls: type[EventHandler], self: EventHandler | None, router: Router) -> Router:
    """Include a router's subscriptions (and tools) in a handler class or instance.

    `Bot.include_router(r)` serves every instance; `bot.include_router(r)` that one
    only.  Including the same router twice, or a router already reachable through
    another, raises `RouterError`: its handlers would run twice.
    """
    if not isinstance(router, Router):
        raise TypeError(f"include_router() takes a Router, not {type(router).__name__}")
    present = cls._ae_class_routers() if self is None else self._ae_routers_of_instance()
    reachable = {id(r) for p in present for r in p.walk()}
    if any(id(r) in reachable for r in router.walk()):
        where = cls.__name__ if self is None else f"this {cls.__name__} instance"
        raise RouterError(
            f"{router!r} (or a router inside it) is already included in {where}; "
            "its handlers would run twice"
        )
    if self is None:
        if "_ae_routers" not in vars(cls):
            cls._ae_routers = []
        cls._ae_routers.append(router)
    else:
        self.__dict__.setdefault("_ae_own_routers", []).append(router)
    return router


class EventHandler:
    """Base class of services that react to assistant stream events (either protocol).

    Subclass it, mark methods with `@on(...)` (and tools with `@tool`), then feed
    it a stream with `await handler.consume(chunks)`, or drive a whole run with
    `await handler.run(client, ...)` (Assistants) / `await handler.respond(client, ...)`
    (Responses).  Class attributes tune it: `strict` (raise on lifecycle violations,
    else report them to `on_violation`), `max_event_size` (characters one
    server-sent event may hold), `tool_timeout`, and `protocol` (None: told by the
    first event).

    One handler instance follows one run or response (and its tool rounds):
    consuming a second stream continues the same lifecycle and result.  Call
    `reset()` to start over.
    """

    strict: ClassVar[bool] = True
    max_event_size: ClassVar[int] = DEFAULT_MAX_EVENT_SIZE
    protocol: ClassVar[str | None] = None
    tool_timeout: ClassVar[float | None] = DEFAULT_TOOL_TIMEOUT
    """Seconds one tool call may take unless its `@tool(timeout=...)` says otherwise."""

    _ae_marks: ClassVar[dict[str, tuple[str, ...]]] = {}
    _ae_routers: ClassVar[list[Router]] = []
    _ae_tools: ClassVar[dict[str, Any]] = {}
    _ae_table_cache: ClassVar[tuple[tuple[int, ...], dict[str, tuple[Call, ...]]] | None] = None

    include_router: ClassVar[_ClassOrInstance[Router]] = _ClassOrInstance(_include_router)

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
        for attr, patterns in marks.items():
            if attr in vars(cls):
                warn_if_unknown(patterns, f"{cls.__qualname__}.{attr}")
        cls._ae_marks = marks
        cls._ae_tools = tools
        cls._ae_routers = []
        cls._ae_table_cache = None

    # ------------------------------------------------------------------ routers

    @classmethod
    def _ae_class_routers(cls) -> list[Router]:
        chain: list[Router] = []
        for klass in reversed(cls.__mro__):
            chain.extend(vars(klass).get("_ae_routers", ()))
        return chain

    def _ae_routers_of_instance(self) -> list[Router]:
        return [*self._ae_class_routers(), *self.__dict__.get("_ae_own_routers", ())]

    # -------------------------------------------------------------------- state

    @property
    def state(self) -> StreamState | None:
        """The protocol state following this handler's stream (None before its first event)."""
        state: StreamState | None = self.__dict__.get("_ae_stream")
        return state

    @property
    def lifecycle(self) -> Any:
        """The lifecycle checker of the protocol being followed (None before any event)."""
        return getattr(self.state, "lifecycle", None)

    @property
    def result(self) -> StreamResult:
        """The result of everything consumed so far."""
        state = self.state
        return state.result() if state is not None else StreamResult()

    def reset(self) -> None:
        """Forget the lifecycle and snapshots: the next stream starts a new run."""
        self.__dict__.pop("_ae_stream", None)

    def on_violation(self, violation: Violation) -> None:
        """Called for each lifecycle violation when `strict` is False; logs a warning.

        Override it to count, alert or raise.
        """
        _log_violation(violation)

    def on_quirk(self, quirk: Quirk) -> None:
        """Called for genuine server behaviour that departs from the spec (accepted).

        Logs at DEBUG; override it to count or alert.
        """
        _log_quirk(quirk)

    def _ae_start(self, name: str) -> StreamState | None:
        """The protocol state, created on the first event that names a protocol."""
        state: StreamState | None = self.__dict__.get("_ae_stream")
        if state is None:
            protocol = protocol_named(self.protocol) if self.protocol else protocol_for(name)
            if protocol is None:
                return None
            # The state reaches the handler's hooks weakly: no cycle keeps a finished
            # handler (and all it accumulated) alive until the garbage collector runs.
            violation = _hook(self, "on_violation", _log_violation)
            state = protocol.new_state(
                Policy(self.strict, violation, _hook(self, "on_quirk", _log_quirk))
            )
            self.__dict__["_ae_stream"] = state
        return state

    # ----------------------------------------------------------------- dispatch

    def _ae_table(self) -> dict[str, tuple[Call, ...]]:
        """The dispatch table: the class's, shared by its instances, unless this
        instance includes routers of its own.  Its calls hold no handler."""
        routers = self._ae_routers_of_instance()
        # Changes whenever a router is included anywhere this handler looks, or changes.
        stamp = tuple(r.version for r in routers)
        own = "_ae_own_routers" in self.__dict__
        home: Any = self.__dict__ if own else vars(type(self))
        cached: tuple[tuple[int, ...], dict[str, tuple[Call, ...]]] | None = home.get(
            "_ae_table_cache"
        )
        if cached is None or cached[0] != stamp:
            cached = (stamp, {})
            if own:
                self.__dict__["_ae_table_cache"] = cached
            else:
                type(self)._ae_table_cache = cached
        return cached[1]

    def _ae_calls(self, name: str, table: dict[str, tuple[Call, ...]]) -> tuple[Call, ...]:
        calls = table.get(name)
        if calls is None:
            calls = self._ae_resolve(name)
            if len(table) < _MAX_CACHED_NAMES:
                table[name] = calls
        return calls

    def _ae_resolve(self, name: str) -> tuple[Call, ...]:
        cls = type(self)
        calls = [
            _method_call(cls, attr)
            for attr, patterns in cls._ae_marks.items()
            if any(matches(p, name) for p in patterns)
        ]
        for router in self._ae_routers_of_instance():
            calls.extend(router.calls_for(name))
        return tuple(calls)

    def subscribers(self, name: str) -> list[Callable[..., Any]]:
        """The callables an event of this name reaches, in call order."""
        return [call.bound(self) for call in self._ae_calls(name, self._ae_table())]

    async def _ae_feed(self, events: Iterable[Event], table: dict[str, tuple[Call, ...]]) -> None:
        """Check, fold and dispatch a batch of events: the one path every input takes."""
        state: StreamState | None = self.__dict__.get("_ae_stream")
        previous: weakref.ref[Event] | None = self.__dict__.get("_ae_previous")
        try:
            for event in events:
                if previous is not None:
                    kept = previous()
                    if kept is not None:
                        # Still alive now that the loop let go of it: a handler kept it.
                        # Pin its snapshot before this event moves the state on.
                        kept._freeze_snapshot()
                        del kept
                name = event.name
                if state is None:
                    state = self._ae_start(name)
                if state is not None:
                    state.ingest(event)
                calls = table.get(name)
                if calls is None:
                    calls = self._ae_calls(name, table)
                for call in calls:
                    try:
                        style = call.style
                        if style == METHOD:
                            result = call.fn(self, event)
                        elif style == PLAIN:
                            result = call.fn(event)
                        else:
                            result = call.fn(event, self)
                        # An async handler behind a plain decorator is still awaited.
                        if call.is_async or (result is not None and isawaitable(result)):
                            await result
                    except Exception as exc:
                        raise HandlerError(name, call.bound(self), exc) from exc
                if name == "error":
                    # Dispatched, and the rest of the body still read (a `response.failed`
                    # may follow); raised when the body ends.
                    self.__dict__["_ae_error"] = event
                previous = _weak(event)
        finally:
            self.__dict__["_ae_previous"] = previous

    async def dispatch(self, event: Event) -> None:
        """Check, accumulate and dispatch one event (what `consume` does per event).

        An `error` event raises `StreamError` after its subscribers ran.
        """
        await self._ae_feed((event,), self._ae_table())
        error = self.__dict__.pop("_ae_error", None)
        if error is not None:
            raise StreamError(ErrorObject.from_json(error.json, error.raw))

    async def consume(self, chunks: Chunks) -> StreamResult:
        """Read one SSE body: parse, check, accumulate and dispatch every event.

        Returns the `StreamResult` of everything this handler consumed so far.
        Raises `InvalidTransition` on a lifecycle violation (when `strict`),
        `IncompleteStream` when the body ended before the run or response did,
        `StreamError` after dispatching an `error` event (and the rest of the body),
        `HandlerError` when a handler raised, and `SSEError`/`EventDecodeError` on
        malformed input.
        """
        return await self._ae_consume(chunks)

    async def _ae_consume(
        self, chunks: Chunks, counted: Callable[[int], object] | None = None
    ) -> StreamResult:
        """`consume`; `counted(n)` after each chunk's `n` events were dispatched (the run
        driver's count, for the message of a stream that breaks)."""
        decoder = SSEDecoder(self.max_event_size)
        if isinstance(chunks, (bytes, bytearray, memoryview)):
            chunks = [bytes(chunks)]
        elif isinstance(chunks, str):
            raise TypeError(
                "consume() reads bytes, not str: pass text.encode() or Path.read_bytes() "
                "(a stream's bytes are decoded as UTF-8 by the SSE parser)"
            )
        self._ae_begin()
        feed, table = self._ae_feed, self._ae_table()
        try:
            if isinstance(chunks, AsyncIterable):
                async for chunk in chunks:
                    frames = decoder.feed_fields(chunk)
                    await feed(frame_events(frames), table)
                    if counted is not None:
                        counted(len(frames))
            else:
                for chunk in chunks:
                    frames = decoder.feed_fields(chunk)
                    await feed(frame_events(frames), table)
                    if counted is not None:
                        counted(len(frames))
            for frames in (decoder.close_fields(), whole_last_frame(decoder.unterminated_fields())):
                await feed(frame_events(frames), table)
                if counted is not None:
                    counted(len(frames))
        except LifecycleError as exc:
            self._ae_error_first(exc)
            raise
        return self._ae_end()

    async def consume_events(self, events: AsyncIterable[Event] | Iterable[Event]) -> StreamResult:
        """`consume` for events already parsed (an SDK stream's, a relay's): one body."""
        self._ae_begin()
        feed, table = self._ae_feed, self._ae_table()
        try:
            if isinstance(events, AsyncIterable):
                async for event in events:
                    await feed((event,), table)
            else:
                await feed(events, table)
        except LifecycleError as exc:
            self._ae_error_first(exc)
            raise
        return self._ae_end()

    def _ae_error_first(self, violation: LifecycleError) -> None:
        # The server's `error` event explains what broke the lifecycle after it: it is
        # raised, with the violation as its cause, instead of "out of order or truncated".
        error = self.__dict__.pop("_ae_error", None)
        if error is not None:
            raise StreamError(ErrorObject.from_json(error.json, error.raw)) from violation

    def _ae_begin(self) -> None:
        self.__dict__.pop("_ae_error", None)
        state = self.state
        if state is not None:
            state.begin()

    def _ae_end(self) -> StreamResult:
        error = self.__dict__.pop("_ae_error", None)
        if error is not None:
            raise StreamError(ErrorObject.from_json(error.json, error.raw))
        state = self.state
        if state is None:
            return StreamResult()
        state.end()
        return state.result()

    async def consume_openai(self, stream: AsyncIterable[Any] | Iterable[Any]) -> StreamResult:
        """Dispatch the events of an official `openai` SDK stream (either protocol) to this handler.

        `async with client.responses.stream(...) as s: await bot.consume_openai(s)`, or
        `async with client.beta.threads.runs.stream(...) as s: await bot.consume_openai(s)`
        """
        from .sdk import consume_sdk_stream

        return await consume_sdk_stream(self, stream)

    async def consume_azure(self, stream: AsyncIterable[Any] | Iterable[Any]) -> StreamResult:
        """Dispatch the events of an `azure-ai-agents` SDK stream (Foundry) to this handler.

        `async with await agents.runs.stream(...) as s: await bot.consume_azure(s)`
        """
        from .assistants.interop import consume_azure

        return await consume_azure(self, stream)

    # -------------------------------------------------------------------- tools

    @_ClassOrInstance
    def tool_specs(cls: type[EventHandler], self: EventHandler | None) -> Mapping[str, ToolSpec]:  # noqa: N805
        """Every tool answered: the class's, its routers', and (on an instance) the instance's.

        Works on the class (`Bot.tool_specs()`) and on an instance.
        """
        found = dict(cls._ae_tools)
        routers = cls._ae_class_routers() if self is None else self._ae_routers_of_instance()
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

    async def call_tools(self, calls: list[ToolCallRequest]) -> list[ToolOutput]:
        """Run tool calls with the declared tools: one output per call, in call order.

        Calls run concurrently (each bounded by its timeout); bad arguments,
        exceptions, timeouts and unknown tool names become error outputs for the
        model.  Both protocols' drivers use it.
        """
        return await execute_tools(
            self.tool_specs(),
            calls,
            self,
            default_timeout=self.tool_timeout,
            error_text=self.on_tool_error,
        )

    def on_tool_error(self, call: ToolCallRequest, error: BaseException) -> str:
        """The text the model reads about a tool call that raised (its traceback is logged).

        The default says `error: tool NAME failed: ValueError: message`.  Override it
        to hide internals or to add advice; raise from it to fail the run instead
        (the driver then cancels the run and re-raises).
        """
        return default_error_text(call, error)

    async def answer_tool_calls(self, run: Run) -> list[ToolOutput]:
        """Produce one output per tool call of a `requires_action` run (Assistants).

        The default runs the declared tools with `call_tools`.  Override it to answer
        calls yourself; return exactly one `ToolOutput` per call: the driver checks,
        and submits them all in one request.
        """
        calls = [
            ToolCallRequest(call.id, call.function.name, call.function.arguments)
            for call in run.tool_calls
        ]
        return await self.call_tools(calls)

    async def approve_tool_calls(self, run: Run) -> list[ToolApproval]:
        """Approve or deny each tool call of a `submit_tool_approval` run (Foundry MCP).

        The default denies every call and logs each (INFO, with the tool and its MCP
        server): nothing reaches an MCP server unless you allow it.  Override it to
        decide (a policy, a person); return exactly one `ae.ToolApproval` per call in
        `run.approval_calls`: the driver checks, and submits them once.
        """
        from .assistants.foundry import deny_tool_calls  # the protocol's own policy

        return deny_tool_calls(run)

    def known_thread(self) -> str | None:
        """The id of the thread a `thread.created` event announced, if one did (Assistants)."""
        known: Callable[[], str | None] | None = getattr(self.state, "known_thread", None)
        return known() if known is not None else None

    def known_runs(self) -> list[tuple[str, str | None, str]]:
        """Every run seen so far as (run id, thread id, status) (Assistants)."""
        known: Callable[[], list[tuple[str, str | None, str]]] | None = getattr(
            self.state, "known_runs", None
        )
        return known() if known is not None else []

    async def run(
        self,
        client: AssistantsClient,
        *,
        thread_id: str | None = None,
        assistant_id: str,
        messages: Sequence[p.MessageParam] = (),
        thread: p.ThreadParam | None = None,
        instructions: str | None = None,
        additional_instructions: str | None = None,
        additional_messages: Sequence[p.MessageParam] | None = None,
        model: str | None = None,
        tools: Sequence[p.ToolParam] | None = None,
        tool_choice: p.ToolChoice | None = None,
        metadata: p.Metadata | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        max_prompt_tokens: int | None = None,
        max_completion_tokens: int | None = None,
        truncation_strategy: p.TruncationStrategy | None = None,
        response_format: p.ResponseFormat | None = None,
        parallel_tool_calls: bool | None = None,
        reasoning_effort: p.ReasoningEffort | None = None,
        tool_resources: p.ToolResources | None = None,
        max_rounds: int = 50,  # runner.DEFAULT_MAX_ROUNDS (a test keeps them equal)
        cancel_timeout: float = 10.0,  # runner.DEFAULT_CANCEL_TIMEOUT
        **extra: Any,
    ) -> StreamResult:
        """Drive an Assistants run: `await bot.run(client, thread_id=..., assistant_id=...)`.

        Without `thread_id`, a new thread is created with `messages=[...]` (or
        `thread={...}`, and `tool_resources`).  The other parameters are the
        create-run request's: one left `None` is not sent, and `extra` keyword
        arguments are sent as given.  Each `run()` starts fresh (the handler is
        reset: its result is this run's only), and one instance drives one run at a
        time: a second concurrent `run()` on the same instance raises
        `ConfigurationError`; create one handler per run.
        """
        from .assistants import runner  # the driver sits above the handler
        from .assistants.params import given

        run_params = {
            **given(instructions=instructions, additional_instructions=additional_instructions,
                    additional_messages=additional_messages, model=model, tools=tools,
                    tool_choice=tool_choice, metadata=metadata, temperature=temperature,
                    top_p=top_p, max_prompt_tokens=max_prompt_tokens,
                    max_completion_tokens=max_completion_tokens,
                    truncation_strategy=truncation_strategy, response_format=response_format,
                    parallel_tool_calls=parallel_tool_calls, reasoning_effort=reasoning_effort),
            **extra,
        }  # fmt: skip
        if thread_id is None:
            return await runner.drive_new_thread(
                client, self, assistant_id, run_params, max_rounds, cancel_timeout, messages,
                thread, tool_resources,
            )  # fmt: skip
        # On a thread that exists these are not the create-run request's: sent as given,
        # the server refuses them by name (as it did when they went through **params).
        thread_fields = given(thread=thread, tool_resources=tool_resources)
        if messages:
            thread_fields["messages"] = messages
        return await runner.drive_thread(
            client, self, thread_id, assistant_id, {**run_params, **thread_fields}, max_rounds,
            cancel_timeout,
        )  # fmt: skip

    async def respond(
        self,
        client: ResponsesEndpoints,
        *,
        model: str,
        input: str | Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] | None = None,
        previous_response_id: str | None = None,
        conversation: str | Mapping[str, Any] | None = None,
        background: bool = False,
        max_tool_rounds: int = 16,  # driver.DEFAULT_MAX_TOOL_ROUNDS
        cancel_timeout: float = 10.0,
        max_resumes: int = 5,  # driver.DEFAULT_MAX_RESUMES
        **params: Any,
    ) -> StreamResult:
        """Drive a response and its tool loop: `await bot.respond(client, model=..., input=...)`.

        As `ae.respond`: `tools` go with the handler's own, later rounds continue the
        previous response (or `conversation`), `background=True` resumes a dropped
        stream and cancels what it leaves; other keyword arguments are the create
        request's (`instructions`, `temperature`, `store`, ...).  Each `respond()`
        starts fresh; a second concurrent drive of the same instance raises
        `ConfigurationError`.
        """
        from .responses import driver  # the driver sits above the handler

        return await driver.respond(
            client, self, model=model, input=input, tools=tools,
            previous_response_id=previous_response_id, conversation=conversation,
            background=background, max_tool_rounds=max_tool_rounds,
            cancel_timeout=cancel_timeout, max_resumes=max_resumes, **params,
        )  # fmt: skip

    def stream_run(
        self,
        client: AssistantsClient,
        *,
        thread_id: str | None = None,
        assistant_id: str,
        messages: Sequence[p.MessageParam] = (),
        thread: p.ThreadParam | None = None,
        instructions: str | None = None,
        additional_instructions: str | None = None,
        additional_messages: Sequence[p.MessageParam] | None = None,
        model: str | None = None,
        tools: Sequence[p.ToolParam] | None = None,
        tool_choice: p.ToolChoice | None = None,
        metadata: p.Metadata | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        max_prompt_tokens: int | None = None,
        max_completion_tokens: int | None = None,
        truncation_strategy: p.TruncationStrategy | None = None,
        response_format: p.ResponseFormat | None = None,
        parallel_tool_calls: bool | None = None,
        reasoning_effort: p.ReasoningEffort | None = None,
        tool_resources: p.ToolResources | None = None,
        max_rounds: int = 50,  # runner.DEFAULT_MAX_ROUNDS (a test keeps them equal)
        cancel_timeout: float = 10.0,  # runner.DEFAULT_CANCEL_TIMEOUT
        **extra: Any,
    ) -> EventStream:
        """`run()` as an async iterator of its events, for web handlers (parameters as `run`).

        `async with bot.stream_run(client, thread_id=..., assistant_id=...) as events:`
        `async for event in events: ...`; then `events.result`.  Leaving the block
        early cancels the run on the server.
        """
        from .streaming import EventStream

        return EventStream(self, lambda: self.run(
            client, thread_id=thread_id, assistant_id=assistant_id, messages=messages,
            thread=thread, instructions=instructions,
            additional_instructions=additional_instructions,
            additional_messages=additional_messages, model=model, tools=tools,
            tool_choice=tool_choice, metadata=metadata, temperature=temperature, top_p=top_p,
            max_prompt_tokens=max_prompt_tokens, max_completion_tokens=max_completion_tokens,
            truncation_strategy=truncation_strategy, response_format=response_format,
            parallel_tool_calls=parallel_tool_calls, reasoning_effort=reasoning_effort,
            tool_resources=tool_resources, max_rounds=max_rounds, cancel_timeout=cancel_timeout,
            **extra,
        ))  # fmt: skip

    def stream_respond(
        self,
        client: ResponsesEndpoints,
        *,
        model: str,
        input: str | Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] | None = None,
        previous_response_id: str | None = None,
        conversation: str | Mapping[str, Any] | None = None,
        background: bool = False,
        max_tool_rounds: int = 16,  # driver.DEFAULT_MAX_TOOL_ROUNDS
        cancel_timeout: float = 10.0,
        max_resumes: int = 5,  # driver.DEFAULT_MAX_RESUMES
        **params: Any,
    ) -> EventStream:
        """`respond()` as an async iterator of its events (parameters as `respond`).

        `async with bot.stream_respond(client, model=..., input=...) as events:`
        `async for event in events: ...`; then `events.result`.  Leaving the block
        early cancels a background response on the server (a foreground stream is
        closed).
        """
        from .streaming import EventStream

        return EventStream(self, lambda: self.respond(
            client, model=model, input=input, tools=tools,
            previous_response_id=previous_response_id, conversation=conversation,
            background=background, max_tool_rounds=max_tool_rounds,
            cancel_timeout=cancel_timeout, max_resumes=max_resumes, **params,
        ))  # fmt: skip


def begin_drive(handler: EventHandler, what: str) -> None:
    """Let one driver at a time follow `handler`, starting it fresh (`end_drive` after).

    One handler instance follows one run or response: a second drive at the same
    time would mix two lifecycles in one state, so it raises `ConfigurationError`
    naming the fix (`what` is the driver's work: "run", "respond()").
    """
    if handler.__dict__.get("_ae_driving"):
        name = type(handler).__name__
        raise ConfigurationError(
            f"this {name} instance is already driving a run or response; a handler "
            f"follows one at a time: create one {name}() per concurrent {what}"
        )
    handler.reset()  # first: a reset that raises leaves the handler free for the next drive
    handler.__dict__["_ae_driving"] = True


def end_drive(handler: EventHandler) -> None:
    """The drive `begin_drive` started is over: another may begin."""
    handler.__dict__.pop("_ae_driving", None)


@contextlib.contextmanager
def exclusive_drive(handler: EventHandler, what: str) -> Iterator[None]:
    """`begin_drive` ... `end_drive` around a block."""
    begin_drive(handler, what)
    try:
        yield
    finally:
        end_drive(handler)
