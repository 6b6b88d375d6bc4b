"""Hand-written builders of the two Assistants deltas that arrive by the hundred thousand.

A text piece (`thread.message.delta` of text parts) and a function call's arguments
piece (`thread.run.step.delta` of function calls) are most of every stream.  For
them a builder that knows the shape checks each value once and writes each slot
directly: about a third fewer instructions than the table walk (`flatmodel`), whose
per-field loop (a tuple unpacked, a `None` branch, an indirect check) is paid by
every field.  Anything else -- another part or call type, an annotation, a wrong
type, a null where the walk wants a value -- goes to the walk (`fallback`), and
from there to the converter, so objects and errors are the walk's.  Property tests
keep both builders equal to the converter.

Every slot of every object built is written here: the field names are checked
against the models at import, so a field added to a model fails loudly here
instead of leaving a slot unset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from . import models as m

__all__ = ["message_delta_builder", "step_delta_builder"]

_Setter = Callable[[Any, Any], None]
_new = object.__new__


def _setters(cls: type, *names: str) -> tuple[_Setter, ...]:
    """The slot setters of `cls`, whose fields must be exactly `names`, in order.

    The builders write what the payload holds, `None` for a missing optional value:
    so every optional field must default to `None` (`object` excepted: its default
    is read from the model).
    """
    fields = attrs.fields(cls)
    found = tuple(field.name for field in fields)
    if found != names:
        raise RuntimeError(f"fast_deltas builds {cls.__name__}{names}, the model has {found}")
    for field in fields:
        if field.default not in (None, attrs.NOTHING) and field.name != "object":
            raise RuntimeError(
                f"fast_deltas writes None for a missing {cls.__name__}.{field.name}, "
                f"the model defaults to {field.default!r}"
            )
    return tuple(cls.__dict__[name].__set__ for name in names)


def _event_data_maker(cls: type) -> Callable[[str, Any, str], Any]:
    """The constructor of a delta event's data, `cls(id, delta, object)`, from checked values."""
    set_id, set_delta, set_object = _setters(cls, "id", "delta", "object")

    def make(object_id: str, delta: Any, kind: str) -> Any:
        made: Any = _new(cls)
        set_id(made, object_id)
        set_delta(made, delta)
        set_object(made, kind)
        return made

    return make


def step_delta_builder(fallback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A `RunStepDelta` decoder: function-call deltas built here, the rest by `fallback`."""
    set_name, set_arguments, set_output = _setters(
        m.FunctionCallDelta, "name", "arguments", "output"
    )
    set_index, set_call_type, set_call_id, set_function = _setters(
        m.FunctionToolCallDelta, "index", "type", "id", "function"
    )
    set_details_type, set_calls = _setters(m.ToolCallsDetailsDelta, "type", "tool_calls")
    (set_details,) = _setters(m.RunStepDeltaBody, "step_details")
    step_delta = _event_data_maker(m.RunStepDelta)
    default_kind = attrs.fields(m.RunStepDelta).object.default
    function_cls, call_cls = m.FunctionCallDelta, m.FunctionToolCallDelta
    details_cls, body_cls = m.ToolCallsDetailsDelta, m.RunStepDeltaBody

    def build(payload: Any) -> Any:
        if type(payload) is not dict:
            return fallback(payload)
        object_id, delta = payload.get("id"), payload.get("delta")
        kind = payload.get("object", default_kind)
        if type(object_id) is not str or type(delta) is not dict or type(kind) is not str:
            return fallback(payload)
        details = delta.get("step_details")
        if type(details) is not dict:
            return fallback(payload)
        tag = details.get("type")
        # Tags exactly str, as the walk reads them: a subclass takes the converter's way.
        if type(tag) is not str or tag != "tool_calls":
            return fallback(payload)
        calls = details.get("tool_calls")
        if type(calls) is not list:
            return fallback(payload)
        built = []
        for call in calls:
            if type(call) is not dict:
                return fallback(payload)
            tag = call.get("type")
            if type(tag) is not str or tag != "function":
                return fallback(payload)
            index, call_id, fields = call.get("index"), call.get("id"), call.get("function")
            if type(index) is not int or (call_id is not None and type(call_id) is not str):
                return fallback(payload)
            function = None
            if fields is not None:
                if type(fields) is not dict:
                    return fallback(payload)
                name, arguments = fields.get("name"), fields.get("arguments")
                output = fields.get("output")
                if (
                    (name is not None and type(name) is not str)
                    or (arguments is not None and type(arguments) is not str)
                    or (output is not None and type(output) is not str)
                ):
                    return fallback(payload)
                function = _new(function_cls)
                set_name(function, name)
                set_arguments(function, arguments)
                set_output(function, output)
            made = _new(call_cls)
            set_index(made, index)
            set_call_type(made, "function")
            set_call_id(made, call_id)
            set_function(made, function)
            built.append(made)
        step_details = _new(details_cls)
        set_details_type(step_details, "tool_calls")
        set_calls(step_details, built)
        body = _new(body_cls)
        set_details(body, step_details)
        return step_delta(object_id, body, kind)

    return build


def message_delta_builder(fallback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A `MessageDelta` decoder: text-part deltas built here, the rest by `fallback`."""
    set_value, set_annotations = _setters(m.TextDelta, "value", "annotations")
    set_index, set_part_type, set_text = _setters(m.TextDeltaBlock, "index", "type", "text")
    set_role, set_content = _setters(m.MessageDeltaBody, "role", "content")
    message_delta = _event_data_maker(m.MessageDelta)
    default_kind = attrs.fields(m.MessageDelta).object.default
    text_cls, part_cls, body_cls = m.TextDelta, m.TextDeltaBlock, m.MessageDeltaBody

    def build(payload: Any) -> Any:
        if type(payload) is not dict:
            return fallback(payload)
        object_id, delta = payload.get("id"), payload.get("delta")
        kind = payload.get("object", default_kind)
        if type(object_id) is not str or type(delta) is not dict or type(kind) is not str:
            return fallback(payload)
        role, parts = delta.get("role"), delta.get("content")
        if role is not None and type(role) is not str:
            return fallback(payload)
        content = None
        if parts is not None:
            if type(parts) is not list:
                return fallback(payload)
            content = []
            for part in parts:
                if type(part) is not dict:
                    return fallback(payload)
                tag = part.get("type")
                # Exactly str, as the walk reads a tag: a subclass takes the converter's way.
                if type(tag) is not str or tag != "text":
                    return fallback(payload)
                index, fields = part.get("index"), part.get("text")
                if type(index) is not int:
                    return fallback(payload)
                text = None
                if fields is not None:
                    if type(fields) is not dict:
                        return fallback(payload)
                    value, notes = fields.get("value"), fields.get("annotations")
                    if value is not None and type(value) is not str:
                        return fallback(payload)
                    if notes is not None:
                        # Annotations take the walk; an empty list (as genuine servers
                        # send with every piece) is this model's own empty list.
                        if type(notes) is not list or notes:
                            return fallback(payload)
                        notes = []
                    text = _new(text_cls)
                    set_value(text, value)
                    set_annotations(text, notes)
                made = _new(part_cls)
                set_index(made, index)
                set_part_type(made, "text")
                set_text(made, text)
                content.append(made)
        body = _new(body_cls)
        set_role(body, role)
        set_content(body, content)
        return message_delta(object_id, body, kind)

    return build
