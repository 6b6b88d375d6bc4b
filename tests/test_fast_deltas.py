"""The hand-written builders of text and arguments deltas (`fast_deltas`) build what the
converter builds, and hand every other payload to the table walk."""

from __future__ import annotations

from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistants_events import models as m
from assistants_events.assistants import names
from assistants_events.assistants.convert import converter
from assistants_events.assistants.events import EVENT_TYPES
from assistants_events.assistants.fast_deltas import (
    _setters,
    message_delta_builder,
    step_delta_builder,
)
from assistants_events.errors import EventDecodeError


def detailed(value: Any, cls: type) -> Any:
    # The converter's generated function: what every path must agree with.
    return cattrs.gen.make_dict_structure_fn(cls, converter)(value, cls)


def decode(name: str, value: Any) -> Any:
    event_type = EVENT_TYPES[name]
    assert event_type.decode is not None
    return event_type.decode(value)


def refuse(payload: Any) -> Any:
    raise AssertionError(f"the fallback was asked to build {payload!r}")


class Fallback:
    """A fallback that records what it was handed."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def __call__(self, payload: Any) -> str:
        self.seen.append(payload)
        return "fallback"


# Each value is mostly well typed, sometimes not: both the builder and the walk get work.
def _mostly(good: Any, bad: Any) -> Any:
    return st.one_of(good, good, good, good, bad)


_str_or_not = _mostly(
    st.one_of(st.none(), st.text(max_size=6)), st.one_of(st.integers(), st.booleans())
)
_index = _mostly(st.integers(0, 3), st.one_of(st.booleans(), st.none(), st.text(max_size=1)))
_extra = st.dictionaries(st.sampled_from(["newer", "x_field"]), st.integers(), max_size=1)


def _with(required: dict[str, Any], optional: dict[str, Any]) -> Any:
    return st.tuples(st.fixed_dictionaries(required, optional=optional), _extra).map(
        lambda pair: {**pair[1], **pair[0]}
    )


_annotations: Any = st.one_of(
    st.none(),
    st.just([]),
    st.just([{"index": 0, "type": "file_path", "text": "t", "file_path": {"file_id": "f"}}]),
    st.just("not a list"),
)
_text = _with({}, {"value": _str_or_not, "annotations": _annotations})
_text_part = _with(
    {"index": _index, "type": _mostly(st.just("text"), st.just("image_file"))},
    {"text": _mostly(st.one_of(st.none(), _text), st.integers())},
)
_message_body = _with(
    {"content": _mostly(st.lists(_text_part, min_size=1, max_size=3),
                        st.one_of(st.none(), st.integers()))},
    {"role": _mostly(st.just("assistant"), st.one_of(st.none(), st.just(3)))},
)  # fmt: skip
_message_delta = _mostly(
    _with(
        {"id": _mostly(st.text(max_size=5), st.integers()),
         "delta": _mostly(_message_body, st.none())},
        {"object": _mostly(st.just("thread.message.delta"), st.sampled_from([None, 7]))},
    ),
    st.lists(st.integers(), max_size=1),
)  # fmt: skip

_function = _with({}, {"name": _str_or_not, "arguments": _str_or_not, "output": _str_or_not})
_call = _with(
    {"index": _index, "type": _mostly(st.just("function"), st.just("file_search"))},
    {"id": _str_or_not, "function": _mostly(st.one_of(st.none(), _function), st.integers()),
     "file_search": st.just({})},
)  # fmt: skip
_details = _with(
    {"type": _mostly(st.just("tool_calls"), st.just("message_creation")),
     "tool_calls": _mostly(st.lists(_call, min_size=1, max_size=3),
                           st.one_of(st.none(), st.just("x")))},
    {"message_creation": st.just({"message_id": "msg_1"})},
)  # fmt: skip
_step_delta = _mostly(
    _with(
        {"id": _mostly(st.text(max_size=5), st.none()),
         "delta": _with({"step_details": _mostly(_details, st.none())}, {})},
        {"object": _mostly(st.just("thread.run.step.delta"), st.sampled_from([None, 7]))},
    ),
    st.none(),
)  # fmt: skip


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (a `str` subclass is not a str)."""
    if type(a) is not type(b):
        return False
    if attrs.has(type(a)):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in attrs.fields(type(a)))
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _agrees(name: str, cls: type, value: Any) -> None:
    try:
        expected = detailed(value, cls)
    except Exception:
        with pytest.raises(EventDecodeError):
            decode(name, value)
        return
    assert _same(decode(name, value), expected)


class Tag(str):
    """A str subclass: the walk reads only exact strs as tags, so must the builders."""


@settings(max_examples=400, deadline=None)
@given(_message_delta)
def test_message_delta_event_data_equals_the_converters(value: Any) -> None:
    _agrees(names.MESSAGE_DELTA, m.MessageDelta, value)


@settings(max_examples=400, deadline=None)
@given(_step_delta)
def test_step_delta_event_data_equals_the_converters(value: Any) -> None:
    _agrees(names.STEP_DELTA, m.RunStepDelta, value)


_plain_text = _with(
    {},
    {
        "value": st.one_of(st.none(), st.text(max_size=6)),
        "annotations": st.one_of(st.none(), st.just([])),
    },
)
_plain_message_delta = _with(
    {"id": st.text(max_size=5),
     "delta": _with({}, {"role": st.one_of(st.none(), st.just("assistant")),
                         "content": st.one_of(st.none(), st.lists(_with(
                             {"index": st.integers(0, 3), "type": st.just("text")},
                             {"text": st.one_of(st.none(), _plain_text)}), max_size=3))})},
    {"object": st.just("thread.message.delta")},
)  # fmt: skip
_plain_function = _with({}, {key: st.one_of(st.none(), st.text(max_size=6))
                             for key in ("name", "arguments", "output")})  # fmt: skip
_plain_step_delta = _with(
    {"id": st.text(max_size=5),
     "delta": st.fixed_dictionaries({"step_details": _with(
         {"type": st.just("tool_calls"), "tool_calls": st.lists(_with(
             {"index": st.integers(0, 3), "type": st.just("function")},
             {"id": st.one_of(st.none(), st.text(max_size=4)),
              "function": st.one_of(st.none(), _plain_function)}), max_size=3)}, {})})},
    {"object": st.just("thread.run.step.delta")},
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(_plain_message_delta)
def test_every_plain_text_delta_is_built_here_as_the_converter_builds_it(value: Any) -> None:
    assert message_delta_builder(refuse)(value) == detailed(value, m.MessageDelta)


@settings(max_examples=200, deadline=None)
@given(_plain_step_delta)
def test_every_plain_function_call_delta_is_built_here_as_the_converter_builds_it(
    value: Any,
) -> None:
    assert step_delta_builder(refuse)(value) == detailed(value, m.RunStepDelta)


TEXT_PIECE = {
    "id": "msg_1",
    "object": "thread.message.delta",
    "delta": {"content": [{"index": 0, "type": "text",
                           "text": {"value": "Hel", "annotations": []}}]},
}  # fmt: skip
ARGUMENTS_PIECE = {
    "id": "step_1",
    "object": "thread.run.step.delta",
    "delta": {"step_details": {"type": "tool_calls", "tool_calls": [
        {"index": 0, "type": "function", "function": {"arguments": "{\"ci"}}]}},
}  # fmt: skip


def test_a_text_piece_is_built_without_the_fallback() -> None:
    assert message_delta_builder(refuse)(TEXT_PIECE) == detailed(TEXT_PIECE, m.MessageDelta)


def test_an_arguments_piece_is_built_without_the_fallback() -> None:
    built = step_delta_builder(refuse)(ARGUMENTS_PIECE)
    assert built == detailed(ARGUMENTS_PIECE, m.RunStepDelta)


def test_a_first_function_call_delta_with_its_id_and_name_is_built_here() -> None:
    value = {"id": "step_1", "delta": {"step_details": {"type": "tool_calls", "tool_calls": [
        {"index": 0, "id": "call_1", "type": "function",
         "function": {"name": "get_weather", "arguments": "", "output": None}}]}}}  # fmt: skip
    built = step_delta_builder(refuse)(value)
    assert built == detailed(value, m.RunStepDelta)
    assert built.object == "thread.run.step.delta"


def test_an_annotated_text_piece_goes_to_the_fallback() -> None:
    note = {"index": 0, "type": "file_path", "text": "t"}
    text = {"value": "x", "annotations": [note]}
    value = {"id": "msg_1", "delta": {"content": [{"index": 0, "type": "text", "text": text}]}}
    fallback = Fallback()
    assert message_delta_builder(fallback)(value) == "fallback"
    assert fallback.seen == [value]


def test_a_code_interpreter_call_delta_goes_to_the_fallback() -> None:
    call = {"index": 0, "type": "code_interpreter", "code_interpreter": {"input": "1+1"}}
    value = {
        "id": "step_1",
        "delta": {"step_details": {"type": "tool_calls", "tool_calls": [call]}},
    }
    fallback = Fallback()
    assert step_delta_builder(fallback)(value) == "fallback"
    assert fallback.seen == [value]


def test_a_bool_index_goes_to_the_converter_which_names_its_path() -> None:
    value = {"id": "msg_1", "delta": {"content": [{"index": True, "type": "text"}]}}
    with pytest.raises(EventDecodeError, match=r"content\[0\]\.index"):
        decode(names.MESSAGE_DELTA, value)


def test_the_built_delta_has_its_own_lists() -> None:
    annotations: list[Any] = []
    content = [{"index": 0, "type": "text", "text": {"value": "x", "annotations": annotations}}]
    built = message_delta_builder(refuse)({"id": "msg_1", "delta": {"content": content}})
    assert built.delta.content is not content
    assert built.delta.content[0].text.annotations is not annotations


def test_a_model_default_the_builder_does_not_write_fails_at_import() -> None:
    @attrs.frozen
    class Defaulted:
        value: str | None = None
        annotations: list[Any] = attrs.field(factory=list)

    with pytest.raises(RuntimeError, match=r"None for a missing Defaulted\.annotations"):
        _setters(Defaulted, "value", "annotations")


def test_a_model_field_the_builder_does_not_write_fails_at_import() -> None:
    @attrs.frozen
    class Grown:
        value: str | None = None
        annotations: list[Any] | None = None
        newer: int = 0

    with pytest.raises(RuntimeError, match=r"Grown\('value', 'annotations'\).*'newer'"):
        _setters(Grown, "value", "annotations")


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of `value` with the item at `path` set (or added) to `new`."""
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[path[0]] = new if len(path) == 1 else _replaced(value[path[0]], path[1:], new)
    return copy


_TEXT = ("delta", "content", 0, "text")
_CALL = ("delta", "step_details", "tool_calls", 0)


@pytest.mark.parametrize(
    ("path", "new"),
    [
        (("id",), 5), (("object",), None), (("object",), 7), (("delta",), None),
        (("delta", "role"), 3), (("delta", "content"), "x"), (("delta", "content", 0), "x"),
        (("delta", "content", 0, "index"), True), (("delta", "content", 0, "index"), None),
        (("delta", "content", 0, "type"), "image_file"),
        (("delta", "content", 0, "type"), Tag("text")), (_TEXT, 5),
        ((*_TEXT, "value"), 5), ((*_TEXT, "value"), None), ((*_TEXT, "annotations"), "x"),
        ((*_TEXT, "annotations"), [{"index": 0, "type": "file_path", "text": "t"}]),
    ],
)  # fmt: skip
def test_a_text_delta_off_the_common_shape_decodes_as_the_converter_does(
    path: tuple[Any, ...], new: Any
) -> None:
    _agrees(names.MESSAGE_DELTA, m.MessageDelta, _replaced(TEXT_PIECE, path, new))


@pytest.mark.parametrize(
    ("path", "new"),
    [
        (("id",), None), (("object",), None), (("object",), 7), (("delta",), "x"),
        (("delta", "step_details"), None), (("delta", "step_details", "type"), "message_creation"),
        (("delta", "step_details", "tool_calls"), None), (_CALL, "x"),
        (("delta", "step_details", "type"), Tag("tool_calls")),
        ((*_CALL, "index"), False), ((*_CALL, "index"), "0"), ((*_CALL, "type"), "file_search"),
        ((*_CALL, "type"), Tag("function")),
        ((*_CALL, "id"), 5), ((*_CALL, "function"), 5), ((*_CALL, "function"), None),
        ((*_CALL, "function", "arguments"), 5), ((*_CALL, "function", "name"), ["x"]),
        ((*_CALL, "function", "output"), 1.5),
    ],
)  # fmt: skip
def test_a_step_delta_off_the_common_shape_decodes_as_the_converter_does(
    path: tuple[Any, ...], new: Any
) -> None:
    _agrees(names.STEP_DELTA, m.RunStepDelta, _replaced(ARGUMENTS_PIECE, path, new))
