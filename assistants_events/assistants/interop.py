"""Feed the events of an official `openai` SDK stream to our handlers.

SDK users keep their client (`client.beta.threads.runs.stream(...)`) and adopt
handlers: every event the SDK yields becomes an `ae.Event` and goes through the
same lifecycle, accumulation and dispatch as bytes would.  The `openai` package
is not imported here: any object with `event` and a pydantic `data` will do.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any

from ..events import Event
from ..result import StreamResult
from . import names

if TYPE_CHECKING:
    from ..handler import EventHandler

__all__ = ["consume_openai", "event_from_openai"]


def event_from_openai(sdk_event: Any) -> Event:
    """The `ae.Event` for one SDK stream event (`AssistantStreamEvent`)."""
    name = getattr(sdk_event, "event", None)
    data = getattr(sdk_event, "data", None)
    if not isinstance(name, str) or data is None:
        raise TypeError(f"not an Assistants SDK stream event: {sdk_event!r}")
    payload = data.model_dump(mode="json") if hasattr(data, "model_dump") else data
    raw = data.model_dump_json() if hasattr(data, "model_dump_json") else repr(payload)
    return Event(name, raw, _json=payload)


async def consume_openai(
    handler: EventHandler, stream: AsyncIterable[Any] | Iterable[Any]
) -> StreamResult:
    """Dispatch every event of an SDK stream to `handler`; return its `StreamResult`.

    The SDK swallows the `done` event, so a stream that ends normally gets it back:
    handlers and the lifecycle see the same events as from the bytes.
    """

    async def events() -> AsyncIterator[Event]:
        if isinstance(stream, AsyncIterable):
            async for sdk_event in stream:
                yield event_from_openai(sdk_event)
        else:
            for sdk_event in stream:
                yield event_from_openai(sdk_event)
        yield Event(names.DONE, "[DONE]")

    return await handler.consume_events(events())
