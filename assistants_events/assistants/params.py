"""The shapes of the Assistants endpoints' request parameters, named for signatures.

The API takes plain JSON, so each alias is a `Mapping` or a string; the names (and
the literals an IDE completes) say what each parameter holds.  `given` builds a
request body from keyword arguments: a parameter left `None` is not sent, so the
server applies its own default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

__all__ = [
    "Metadata",
    "MessageParam",
    "ReasoningEffort",
    "ResponseFormat",
    "ThreadParam",
    "ToolChoice",
    "ToolParam",
    "ToolResources",
    "TruncationStrategy",
    "given",
]

ToolParam = Mapping[str, Any]
"""A tool: `{"type": "function", "function": {...}}` (`Bot.tool_definitions()` gives
these), `{"type": "code_interpreter"}` or `{"type": "file_search"}`."""

MessageParam = Mapping[str, Any]
"""A message to add: `{"role": "user", "content": "..."}` (`attachments`, `metadata` optional)."""

ThreadParam = Mapping[str, Any]
"""A thread to create: `{"messages": [...], "metadata": {...}, "tool_resources": {...}}`."""

ToolChoice = Literal["none", "auto", "required"] | str | Mapping[str, Any]
"""`"none"`, `"auto"`, `"required"`, or `{"type": "function", "function": {"name": ...}}`."""

ResponseFormat = Literal["auto"] | str | Mapping[str, Any]
"""`"auto"`, `{"type": "json_object"}` or `{"type": "json_schema", "json_schema": {...}}`."""

ReasoningEffort = Literal["minimal", "low", "medium", "high"] | str
"""How hard a reasoning model thinks (reasoning models only)."""

TruncationStrategy = Mapping[str, Any]
"""`{"type": "auto"}` or `{"type": "last_messages", "last_messages": N}`."""

ToolResources = Mapping[str, Any]
"""`{"code_interpreter": {"file_ids": [...]}, "file_search": {"vector_store_ids": [...]}}`."""

Metadata = Mapping[str, str]
"""Up to 16 string pairs stored with the object."""


def given(**fields: Any) -> dict[str, Any]:
    """The fields that were set: a parameter left `None` is not sent."""
    return {name: value for name, value in fields.items() if value is not None}
