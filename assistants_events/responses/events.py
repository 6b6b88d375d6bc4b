"""How the core reads Responses events: the typed payload, text delta and object id per name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..events import EventType
from ..flatmodel import flat_decoder
from . import names as n
from .convert import EVENT_MODELS, structure

__all__ = ["EVENT_TYPES"]


def _decoder(name: str, cls: type[Any]) -> Callable[[Any], Any]:
    def detailed(payload: Any) -> Any:
        return structure(payload, cls, event=name)

    # Most events are flat: the checked table walk first, the converter for the rest.
    return flat_decoder(cls, detailed)


def _text_delta(payload: Any) -> str | None:
    delta = payload["delta"]
    return delta if isinstance(delta, str) else None


def _item_event_id(payload: Any) -> str | None:
    value = payload.get("item_id") if isinstance(payload, dict) else None
    return value if isinstance(value, str) else None


def _item_id(payload: Any) -> str | None:
    item = payload.get("item") if isinstance(payload, dict) else None
    value = item.get("id") if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _response_id(payload: Any) -> str | None:
    response = payload.get("response") if isinstance(payload, dict) else None
    value = response.get("id") if isinstance(response, dict) else None
    return value if isinstance(value, str) else None


def _response_view(data: Any) -> Any:
    return data.response


def _item_view(data: Any) -> Any:
    return data.item


def _views(name: str) -> dict[str, Callable[[Any], Any]]:
    # `event.response` (a `Response`), `event.item` (an `OutputItem`): functions of `data`.
    if name in n.RESPONSE_LIFECYCLE_EVENTS:
        return {"response": _response_view}
    if name in n.ITEM_EVENTS:
        return {"item": _item_view}
    return {}


def _object_id(name: str) -> Callable[[Any], str | None]:
    if name in n.RESPONSE_LIFECYCLE_EVENTS:
        return _response_id
    if name in n.ITEM_EVENTS:
        return _item_id
    return _item_event_id


# `error` stays the core's (one decoder for both protocols' error events).
EVENT_TYPES: dict[str, EventType] = {
    name: EventType(
        decode=_decoder(name, cls),
        object_id=_object_id(name),
        delta=name in n.DELTA_EVENTS,
        text_delta=_text_delta if name == n.RESPONSE_OUTPUT_TEXT_DELTA else None,
        views=_views(name),
    )
    for name, cls in EVENT_MODELS.items()
    if name != n.ERROR
}
"""Every Responses event name (but `error`) -> how the core reads it."""
