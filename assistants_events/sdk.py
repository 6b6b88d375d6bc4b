"""Official SDK streams into handlers: which protocol's reader takes them, by their shape.

`handler.consume_openai(stream)` accepts a stream of the `openai` SDK of either
protocol.  The first event's attributes tell which: Assistants events carry
`event` and `data`, Responses events `type` (and `sequence_number`); an event
dumped to a dict is told by its keys.  The table
below is data, not a chain of protocol tests; each reader module (it sits above
the handler, so it is imported when first needed) has
`consume_openai(handler, stream) -> StreamResult`.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .events import Event
from .result import StreamResult

if TYPE_CHECKING:
    from .handler import EventHandler

__all__ = ["READERS", "consume_sdk_stream", "converted", "reader_for"]

READERS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("event", "data"), "assistants_events.assistants.interop"),
    (("type",), "assistants_events.responses.interop"),
)
"""(attributes an SDK event has, the module that reads such streams), first match wins."""


def reader_for(sdk_event: Any) -> str:
    """The module that reads streams whose events look like `sdk_event`."""
    for attributes, module in READERS:
        if all(hasattr(sdk_event, a) for a in attributes):
            return module
        if isinstance(sdk_event, dict) and all(a in sdk_event for a in attributes):
            return module  # an event dumped to a dict
    shapes = " or ".join("/".join(a) for a, _ in READERS)
    raise TypeError(
        f"not an event of an official SDK stream: {type(sdk_event).__name__} has no "
        f"{shapes} attributes; pass the stream the SDK's `stream(...)` or "
        "`create(stream=True)` returned"
    )


async def consume_sdk_stream(
    handler: EventHandler, stream: AsyncIterable[Any] | Iterable[Any]
) -> StreamResult:
    """Dispatch an SDK stream of either protocol to `handler` (see the module doc)."""
    if isinstance(stream, AsyncIterable):
        iterator = aiter(stream)
        try:
            first = await anext(iterator)
        except StopAsyncIteration:
            return await handler.consume_events(())
        rest: AsyncIterable[Any] | Iterable[Any] = _chain_async(first, iterator)
    else:
        plain = iter(stream)
        try:
            first = next(plain)
        except StopIteration:
            return await handler.consume_events(())
        rest = _chain(first, plain)
    reader = importlib.import_module(reader_for(first))
    result: StreamResult = await reader.consume_openai(handler, rest)
    return result


async def _chain_async(first: Any, rest: AsyncIterator[Any]) -> AsyncIterator[Any]:
    yield first
    async for item in rest:
        yield item


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


async def converted(
    stream: AsyncIterable[Any] | Iterable[Any],
    convert: Callable[[Any], Event],
    then: Iterable[Event] = (),
) -> AsyncIterator[Event]:
    """Each event of an SDK stream (async or plain) as an `ae.Event`, then `then`'s."""
    if isinstance(stream, AsyncIterable):
        async for sdk_event in stream:
            yield convert(sdk_event)
    else:
        for sdk_event in stream:
            yield convert(sdk_event)
    for event in then:
        yield event
