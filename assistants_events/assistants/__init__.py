"""The Assistants protocol (threads / runs / steps / messages), plugged into the core.

Served by Azure AI Foundry's classic agents (until 2027-03-31) and compatible
servers; OpenAI shut its own Assistants API down on 2026-08-26.
"""

from __future__ import annotations

from ..events import register_event_types
from ..protocol import Protocol, register_protocol
from . import names
from .events import EVENT_TYPES
from .state import AssistantsState

__all__ = ["PROTOCOL"]

PROTOCOL = Protocol(
    name="assistants",
    prefixes=("thread.",),
    names=frozenset({names.DONE}),
    new_state=AssistantsState,
)
"""The Assistants protocol as the core sees it."""

register_event_types(EVENT_TYPES)
register_protocol(PROTOCOL)
