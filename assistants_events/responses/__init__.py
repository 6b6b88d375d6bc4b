"""The Responses protocol (responses / output items / content parts), plugged into the core.

OpenAI's live API since the Assistants API shut down (2026-08-26), and Azure
Foundry's new agents.  `PROTOCOL` is registered with the core on import: a handler
whose first event is a `response.*` one follows it with a `ResponsesState`.
"""

from __future__ import annotations

from ..events import register_event_types
from ..protocol import Protocol, register_protocol
from . import names
from .accumulate import Accumulator
from .events import EVENT_TYPES
from .lifecycle import (
    ITEM_TRANSITIONS,
    QUIRKS,
    RESPONSE_TRANSITIONS,
    TEXT_STREAMS,
    ResponsesLifecycle,
)
from .names import KEEPALIVE, RESPONSE_EVENTS
from .state import ResponsesState

__all__ = [
    "ITEM_TRANSITIONS",
    "KEEPALIVE",
    "PROTOCOL",
    "QUIRKS",
    "RESPONSE_EVENTS",
    "RESPONSE_TRANSITIONS",
    "TEXT_STREAMS",
    "Accumulator",
    "ResponsesLifecycle",
    "ResponsesState",
    "names",
]

PROTOCOL = Protocol(
    name="responses",
    prefixes=("response.",),
    names=frozenset(),
    new_state=ResponsesState,
)
"""The Responses protocol as the core sees it."""

register_event_types(EVENT_TYPES)
register_protocol(PROTOCOL)
