"""Feed the events of an official `openai` SDK stream to our handlers.

SDK users keep their client (`client.beta.threads.runs.stream(...)`) and adopt
handlers: every event the SDK yields becomes an `ae.Event` and goes through the
same lifecycle, accumulation and dispatch as bytes would.  The `openai` package
is not imported here: any object with `event` and a pydantic `data` will do.

`consume_azure` is its twin for the `azure-ai-agents` SDK (Azure AI Foundry):
`async with await agents.runs.stream(...) as s: await bot.consume_azure(s)`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Iterable
from typing import TYPE_CHECKING, Any

from ..events import Event
from ..result import StreamResult
from ..sdk import converted
from . import names
from .foundry import azure_event

if TYPE_CHECKING:
    from ..handler import EventHandler

__all__ = ["consume_azure", "consume_openai", "event_from_azure", "event_from_openai"]


def event_from_openai(sdk_event: Any) -> Event:
    """The `ae.Event` for one SDK stream event (`AssistantStreamEvent`).

    The data goes the way bytes go: as JSON text, decoded and merged by the same
    code.  Only the fields the server sent are kept (`exclude_unset`): a full dump
    would invent `"id": null` and friends in later deltas, which say "absent" to
    the SDK but would read as values here.
    """
    name = getattr(sdk_event, "event", None)
    data = getattr(sdk_event, "data", None)
    if not isinstance(name, str) or data is None:
        raise TypeError(f"not an Assistants SDK stream event: {sdk_event!r}")
    dump_json = getattr(data, "model_dump_json", None)
    if dump_json is not None:
        # The SDK builds models without validating, so a newer server's part may sit in
        # a class of another type: its fields are still dumped, only pydantic complains.
        raw = dump_json(exclude_unset=True, by_alias=True, warnings=False)
        return Event(name, raw)
    return Event(name, json.dumps(data, ensure_ascii=False))


async def consume_openai(
    handler: EventHandler, stream: AsyncIterable[Any] | Iterable[Any]
) -> StreamResult:
    """Dispatch every event of an SDK stream to `handler`; return its `StreamResult`.

    The SDK swallows the `done` event, so a stream that ends normally gets it back:
    handlers and the lifecycle see the same events as from the bytes.
    """

    done = Event(names.DONE, "[DONE]")
    return await handler.consume_events(converted(stream, event_from_openai, [done]))


def event_from_azure(sdk_event: Any) -> Event:
    """The `ae.Event` for one item of an `azure-ai-agents` stream `(event_type, data, _)`."""
    name, payload = azure_event(sdk_event)
    if isinstance(payload, str):
        return Event(name, payload)
    return Event(name, json.dumps(payload, separators=(",", ":")), _json=payload)


async def consume_azure(
    handler: EventHandler, stream: AsyncIterable[Any] | Iterable[Any]
) -> StreamResult:
    """Dispatch every event of an `azure-ai-agents` stream to `handler`; its `StreamResult`.

    The SDK passes `done` on, so the lifecycle sees the stream's own end.
    """

    return await handler.consume_events(converted(stream, event_from_azure))
