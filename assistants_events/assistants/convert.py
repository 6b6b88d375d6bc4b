"""The one cattrs converter that turns decoded JSON into the typed models.

All hooks are registered here, in one place.  Unions are discriminated by their
`type` field; an unknown `type` is kept as the plain dict (forward compatibility),
a missing one is an error with a path.  Scalars are checked strictly: cattrs would
otherwise turn `{"id": 5}` into `"5"` without a word.
"""

from __future__ import annotations

import typing
from typing import Any, TypeVar

import attrs

from ..convert import new_converter, optional_hook, resolve_all, structure_with, tagged_union_hook
from . import models as m

__all__ = ["converter", "structure", "unstructure"]

T = TypeVar("T")

converter = new_converter()


def _any_string(value: Any, _: Any) -> str:
    if type(value) is not str:
        raise TypeError(f"expected str, got {type(value).__name__} {value!r}")
    return value


def _register() -> None:
    for alias in (
        m.Tool, m.CodeOutput, m.ToolCall, m.StepDetails, m.CodeOutputDelta,
        m.ToolCallDelta, m.StepDetailsDelta, m.Annotation, m.Content,
        m.AnnotationDelta, m.ContentDelta, m.AnyRequiredAction,
    ):  # fmt: skip
        members = tuple(a for a in typing.get_args(alias) if attrs.has(a))
        hook = tagged_union_hook(converter, members)
        converter.register_structure_hook(alias, hook)
        converter.register_structure_hook(
            typing.Optional[alias],  # noqa: UP045 - the runtime type object cattrs looks up
            optional_hook(hook),
        )
    for status in (m.RunStatus, m.StepStatus, m.MessageStatus):
        # Any string: statuses newer than this library must decode (the lifecycle judges).
        converter.register_structure_hook(status, _any_string)
        converter.register_structure_hook(
            typing.Optional[status],  # noqa: UP045 - the runtime type object cattrs looks up
            optional_hook(_any_string),
        )
    resolve_all(vars(m))


# Fast paths for the two shapes that arrive by the hundred thousand: text deltas and
# function-call argument deltas.  They build the same objects as the generated
# functions, checking every type on the way; anything unusual (annotations, other
# part types, a wrong type) returns None and goes the detailed way, errors included.


def _maker(cls: Any) -> Any:
    """A constructor taking every field positionally that fills the slots directly.

    A frozen attrs `__init__` goes through `object.__setattr__` per field; the slot
    descriptors are ~40% cheaper.  The models have no validators or converters to
    skip, and the fast paths check every value before they build anything.
    """
    setters = tuple(cls.__dict__[field.name].__set__ for field in attrs.fields(cls))
    new = object.__new__

    def make(*values: Any) -> Any:
        obj = new(cls)
        for fill, value in zip(setters, values, strict=True):
            fill(obj, value)
        return obj

    return make


_TextDelta = _maker(m.TextDelta)
_TextDeltaBlock = _maker(m.TextDeltaBlock)
_MessageDeltaBody = _maker(m.MessageDeltaBody)
_MessageDelta = _maker(m.MessageDelta)
_FunctionCallDelta = _maker(m.FunctionCallDelta)
_FunctionToolCallDelta = _maker(m.FunctionToolCallDelta)
_ToolCallsDetailsDelta = _maker(m.ToolCallsDetailsDelta)
_RunStepDeltaBody = _maker(m.RunStepDeltaBody)
_RunStepDelta = _maker(m.RunStepDelta)


def _delta_head(obj: Any, default_object: str) -> tuple[str, dict[str, Any], str] | None:
    """The id, delta body and object name every delta event has, if they are well typed."""
    if type(obj) is not dict:
        return None
    object_id, delta = obj.get("id"), obj.get("delta")
    kind = obj.get("object", default_object)
    if type(object_id) is not str or type(delta) is not dict or type(kind) is not str:
        return None
    return object_id, delta, kind


def fast_message_delta(obj: Any) -> m.MessageDelta | None:
    """A `MessageDelta` of plain text parts, or None for anything else."""
    head = _delta_head(obj, "thread.message.delta")
    if head is None:
        return None
    object_id, delta, kind = head
    role, content = delta.get("role"), delta.get("content")
    if role is not None and type(role) is not str:
        return None
    parts: list[m.ContentDelta] | None = None
    if content is not None:
        if type(content) is not list:
            return None
        parts = []
        for part in content:
            if type(part) is not dict or part.get("type") != "text":
                return None
            index, text = part.get("index"), part.get("text")
            if type(index) is not int:
                return None
            value: m.TextDelta | None = None
            if text is not None:
                if type(text) is not dict:
                    return None
                piece, notes = text.get("value"), text.get("annotations")
                if (piece is not None and type(piece) is not str) or notes:
                    return None
                value = _TextDelta(piece, None if notes is None else [])
            parts.append(_TextDeltaBlock(index, "text", value))
    result: m.MessageDelta = _MessageDelta(object_id, _MessageDeltaBody(role, parts), kind)
    return result


def fast_step_delta(obj: Any) -> m.RunStepDelta | None:
    """A `RunStepDelta` of function-call pieces, or None for anything else."""
    head = _delta_head(obj, "thread.run.step.delta")
    if head is None:
        return None
    object_id, delta, kind = head
    details = delta.get("step_details")
    if type(details) is not dict or details.get("type") != "tool_calls":
        return None
    calls = details.get("tool_calls")
    if type(calls) is not list:
        return None
    out: list[m.ToolCallDelta] = []
    for call in calls:
        if type(call) is not dict or call.get("type") != "function":
            return None
        index, call_id, function = call.get("index"), call.get("id"), call.get("function")
        if type(index) is not int or (call_id is not None and type(call_id) is not str):
            return None
        fields: m.FunctionCallDelta | None = None
        if function is not None:
            if type(function) is not dict:
                return None
            name, arguments, output = (
                function.get("name"), function.get("arguments"), function.get("output"),
            )  # fmt: skip
            for value in (name, arguments, output):
                if value is not None and type(value) is not str:
                    return None
            fields = _FunctionCallDelta(name, arguments, output)
        out.append(_FunctionToolCallDelta(index, "function", call_id, fields))
    body = _RunStepDeltaBody(_ToolCallsDetailsDelta("tool_calls", out))
    result: m.RunStepDelta = _RunStepDelta(object_id, body, kind)
    return result


_register()


def structure(data: Any, cls: type[T], *, event: str = "") -> T:
    """Structure decoded JSON into `cls`; a mismatch raises `EventDecodeError` with paths."""
    return structure_with(converter, data, cls, event)


def unstructure(obj: Any) -> Any:
    """The JSON-ready form of a model (round-trips through `structure`)."""
    return converter.unstructure(obj)
