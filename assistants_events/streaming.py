"""Pull-style streaming: `async for event in ...` over a run or response the driver drives.

Web frameworks want to iterate: `EventStream` runs the driver (tools answered, tool
rounds followed, a remote cancel on the way out) in a task of its own and hands
every event the handler saw to the consumer, in order, through a bounded buffer.
Leaving the `async with` block early — a browser gone, an exception — cancels the
driver, which cancels the run or response on the server.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .dispatch import Router
from .errors import AssistantsEventsError
from .events import Event
from .result import StreamResult

if TYPE_CHECKING:
    from .handler import EventHandler

__all__ = ["EventStream"]

_TAP = "_ae_stream_tap"


class _Tap:
    """The one router per handler instance that copies events to the current stream."""

    __slots__ = ("send",)

    def __init__(self) -> None:
        self.send: MemoryObjectSendStream[Event] | None = None

    async def __call__(self, event: Event) -> None:
        if self.send is not None:
            await self.send.send(event)


def _tap_of(handler: EventHandler) -> _Tap:
    tap: _Tap | None = handler.__dict__.get(_TAP)
    if tap is None:
        tap = handler.__dict__[_TAP] = _Tap()
        router = Router(f"stream tap of {type(handler).__name__}")
        router.on("*")(tap)
        handler.include_router(router)
    return tap


class EventStream:
    """`async with handler.stream_run(client, ...) as events: async for event in events`.

    Iterating yields every event the handler dispatched, in order; the handler's own
    subscriptions run too.  After the iteration ends, `result` holds the driver's
    `StreamResult`; an error of the driver is raised from the iteration (or from the
    `async with` exit when the consumer stopped iterating).  `buffer` bounds how many
    events may wait for the consumer: a slow consumer slows the stream down rather
    than letting memory grow.
    """

    def __init__(
        self,
        handler: EventHandler,
        drive: Callable[[], Awaitable[StreamResult]],
        *,
        buffer: int = 256,
    ) -> None:
        self._handler = handler
        self._drive = drive
        self._buffer = buffer if buffer > 0 else math.inf
        self._group: TaskGroup | None = None
        self._receive: MemoryObjectReceiveStream[Event] | None = None
        self._result: StreamResult | None = None
        self._error: BaseException | None = None

    @property
    def result(self) -> StreamResult:
        """The driver's result; `AssistantsEventsError` if the stream has not ended."""
        if self._result is None:
            raise AssistantsEventsError(
                "the stream has not finished: iterate it to the end before reading result"
            )
        return self._result

    async def __aenter__(self) -> EventStream:
        tap = _tap_of(self._handler)
        if tap.send is not None:
            raise AssistantsEventsError(
                "this handler is already streaming; use one handler instance per stream"
            )
        send, self._receive = anyio.create_memory_object_stream[Event](self._buffer)
        tap.send = send
        self._group = anyio.create_task_group()
        await self._group.__aenter__()
        self._group.start_soon(self._run, send)
        return self

    async def _run(self, send: MemoryObjectSendStream[Event]) -> None:
        try:
            async with send:
                self._result = await self._drive()
        except Exception as exc:  # handed to the consumer, not lost in the task group
            self._error = exc
        finally:
            _tap_of(self._handler).send = None

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        if self._receive is None:
            raise AssistantsEventsError("use the stream in `async with` before iterating it")
        async for event in self._receive:
            yield event
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._group is not None and self._receive is not None
        if self._result is None and self._error is None:
            # The consumer left early: stop the driver (it cancels the remote work).
            self._group.cancel_scope.cancel()
        self._receive.close()
        # The body's own exception goes on as it is, not wrapped in an exception group.
        await self._group.__aexit__(None, None, None)
        if exc is None and self._error is not None:
            error, self._error = self._error, None
            raise error
