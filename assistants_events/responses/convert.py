"""The cattrs converter of the Responses models, and the event-name -> payload model table.

All hooks are registered here, in one place.  Output items are discriminated by
`type`; an item type this library does not know becomes an `UnknownItem` holding
its JSON, an unknown part or annotation stays a plain dict, a missing `type` is an
error.  Scalars are strict (cattrs would turn `{"call_id": 5}` into `"5"` without
a word); statuses accept any string (see `models`).  Every failure is an
`EventDecodeError` naming the event and the path, e.g. `$.response.output[2].call_id`.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, TypeVar

import attrs

from ..convert import (
    new_converter,
    optional_hook,
    resolve_all,
    structure_with,
    tagged_union_hook,
)
from . import models as m
from . import names as n

__all__ = ["EVENT_MODELS", "converter", "decode_event", "structure", "unstructure"]

T = TypeVar("T")

converter = new_converter()
_strict_str = converter.get_structure_hook(str)


def _unknown_item(tag: str, value: m.JSON) -> m.UnknownItem:
    item_id, status = value.get("id"), value.get("status")
    return m.UnknownItem(
        tag,
        value,
        item_id if isinstance(item_id, str) else None,
        status if isinstance(status, str) else None,
    )


def _register() -> None:
    for alias in (m.ResponseStatus, m.ItemStatus):
        # Any string: statuses newer than this library must decode (see `models`).
        converter.register_structure_hook(alias, _strict_str)
        converter.register_structure_hook(typing.Optional[alias], optional_hook(_strict_str))  # noqa: UP045
    # An item type newer than this library becomes an `UnknownItem`, never an error.
    converter.register_structure_hook(
        m.OutputItem, tagged_union_hook(converter, m.KNOWN_ITEMS, _unknown_item)
    )
    for alias in (m.Annotation, m.MessageContent, m.ContentPart, m.SummaryPart,
                  m.ReasoningContent):  # fmt: skip
        members = tuple(a for a in typing.get_args(alias) if attrs.has(a))
        hook = tagged_union_hook(converter, members)
        converter.register_structure_hook(alias, hook)
        converter.register_structure_hook(typing.Optional[alias], optional_hook(hook))  # noqa: UP045
    # The models use string annotations (PEP 563); resolve them once, up front.
    resolve_all(vars(m))


_register()

EVENT_MODELS: Final[Mapping[str, type[Any]]] = MappingProxyType({
    **dict.fromkeys(n.RESPONSE_LIFECYCLE_EVENTS, m.ResponseEvent),
    n.ERROR: m.ErrorEvent,
    **dict.fromkeys(n.ITEM_EVENTS, m.OutputItemEvent),
    **dict.fromkeys(n.CONTENT_PART_EVENTS, m.ContentPartEvent),
    n.RESPONSE_OUTPUT_TEXT_DELTA: m.OutputTextDeltaEvent,
    n.RESPONSE_OUTPUT_TEXT_DONE: m.OutputTextDoneEvent,
    n.RESPONSE_OUTPUT_TEXT_ANNOTATION_ADDED: m.OutputTextAnnotationAddedEvent,
    n.RESPONSE_REFUSAL_DELTA: m.ContentDeltaEvent,
    n.RESPONSE_REFUSAL_DONE: m.RefusalDoneEvent,
    n.RESPONSE_REASONING_TEXT_DELTA: m.ContentDeltaEvent,
    n.RESPONSE_REASONING_TEXT_DONE: m.ReasoningTextDoneEvent,
    **dict.fromkeys(n.SUMMARY_PART_EVENTS, m.ReasoningSummaryPartEvent),
    n.RESPONSE_REASONING_SUMMARY_TEXT_DELTA: m.ReasoningSummaryTextDeltaEvent,
    n.RESPONSE_REASONING_SUMMARY_TEXT_DONE: m.ReasoningSummaryTextDoneEvent,
    n.RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA: m.ItemDeltaEvent,
    n.RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE: m.ArgumentsDoneEvent,
    n.RESPONSE_MCP_CALL_ARGUMENTS_DELTA: m.ItemDeltaEvent,
    n.RESPONSE_MCP_CALL_ARGUMENTS_DONE: m.ArgumentsDoneEvent,
    n.RESPONSE_CUSTOM_TOOL_CALL_INPUT_DELTA: m.ItemDeltaEvent,
    n.RESPONSE_CUSTOM_TOOL_CALL_INPUT_DONE: m.CustomToolCallInputDoneEvent,
    n.RESPONSE_CODE_INTERPRETER_CALL_CODE_DELTA: m.ItemDeltaEvent,
    n.RESPONSE_CODE_INTERPRETER_CALL_CODE_DONE: m.CodeDoneEvent,
    **dict.fromkeys(n.ITEM_STATUS_EVENTS, m.ItemProgressEvent),
    n.RESPONSE_COMPACTION_COMPACTING: m.ItemProgressEvent,
    n.RESPONSE_IMAGE_GENERATION_CALL_PARTIAL_IMAGE: m.ImagePartialEvent,
    n.RESPONSE_SHELL_CALL_COMMAND_ADDED: m.ShellCallCommandEvent,
    n.RESPONSE_SHELL_CALL_COMMAND_DELTA: m.ShellCallCommandEvent,
    n.RESPONSE_SHELL_CALL_COMMAND_DONE: m.ShellCallCommandEvent,
    n.RESPONSE_SHELL_CALL_OUTPUT_CONTENT_DELTA: m.ShellCallOutputContentEvent,
    n.RESPONSE_SHELL_CALL_OUTPUT_CONTENT_DONE: m.ShellCallOutputContentEvent,
    n.RESPONSE_AUDIO_DELTA: m.AudioEvent,
    n.RESPONSE_AUDIO_DONE: m.AudioEvent,
    n.RESPONSE_AUDIO_TRANSCRIPT_DELTA: m.AudioEvent,
    n.RESPONSE_AUDIO_TRANSCRIPT_DONE: m.AudioEvent,
})  # fmt: skip
"""Event name -> the model its data is structured into (every name of RESPONSE_EVENTS)."""


def structure(data: Any, cls: type[T], *, event: str = "") -> T:
    """Structure decoded JSON into `cls`; a mismatch raises `EventDecodeError` with paths."""
    return structure_with(converter, data, cls, event)


def _flat_error(payload: Any) -> Any:
    # Genuine servers nest the error: {"type": "error", "error": {...}, "sequence_number": 3}.
    if not isinstance(payload, dict):
        return payload
    inner = payload.get("error")
    if isinstance(inner, dict):
        flat = dict(inner)
        if "sequence_number" in payload:
            flat["sequence_number"] = payload["sequence_number"]
        return flat
    return {k: v for k, v in payload.items() if k != "type"}


def decode_event(name: str, payload: Any) -> Any:
    """The typed payload of a Responses event, or `payload` itself for an unknown name."""
    cls = EVENT_MODELS.get(name)
    if cls is None:
        return payload
    if cls is m.ErrorEvent:
        payload = _flat_error(payload)
    return structure(payload, cls, event=name)


def unstructure(obj: Any) -> Any:
    """The JSON-ready form of a model."""
    if isinstance(obj, m.UnknownItem):
        return obj.raw
    return converter.unstructure(obj)
