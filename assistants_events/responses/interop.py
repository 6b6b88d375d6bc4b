"""Feed the events of an official `openai` SDK Responses stream to our handlers.

SDK users keep their client (`client.responses.stream(...)`, `create(stream=True)`,
`retrieve(id, stream=True, starting_after=N)`) and adopt handlers: every event the
SDK yields becomes an `ae.Event` and goes through the same lifecycle,
accumulation and dispatch as the bytes would.  The `openai` package is not
imported here: any object with a `type` and pydantic's `model_dump_json` will do
(a plain dict too).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Iterable
from typing import TYPE_CHECKING, Any

from ..events import Event
from ..result import StreamResult
from ..sdk import converted

if TYPE_CHECKING:
    from ..handler import EventHandler

__all__ = ["consume_openai", "event_from_openai"]

# The SDK's stream helper adds the text or arguments so far to each delta event: the
# accumulator rebuilds that, and copying it per delta would be quadratic.
_HELPER_FIELDS = frozenset({"snapshot"})


def event_from_openai(sdk_event: Any) -> Event:
    """The `ae.Event` for one SDK Responses stream event (`ResponseStreamEvent`)."""
    name: Any
    raw: Any
    if isinstance(sdk_event, dict):
        name, raw = sdk_event.get("type"), json.dumps(sdk_event)
    else:
        name = getattr(sdk_event, "type", None)
        dump = getattr(sdk_event, "model_dump_json", None)
        raw = (dump(by_alias=True, exclude_unset=True, exclude=_HELPER_FIELDS, warnings=False)
               if dump else None)  # fmt: skip
    if not isinstance(name, str) or not isinstance(raw, str):
        raise TypeError(f"not a Responses SDK stream event: {type(sdk_event).__name__}")
    return Event(name, raw)


async def consume_openai(
    handler: EventHandler, stream: AsyncIterable[Any] | Iterable[Any]
) -> StreamResult:
    """Dispatch every event of an SDK Responses stream to `handler`; return its `StreamResult`.

    `async with client.responses.stream(...) as s: await bot.consume_openai(s)`
    """

    return await handler.consume_events(converted(stream, event_from_openai))
