"""The table walk (`flatmodel`) builds what the converter builds on every Assistants model.

Payloads are drawn from each model's own type hints: mostly well typed, with fields
left out, nulled, retyped, tags unknown or missing, and extra keys.  Whatever the
converter's detailed path builds, the walk builds the same (compared by `repr`, so
`1`, `1.0` and `True` differ) or steps aside; whatever the converter refuses, the
walk refuses too.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistants_events.assistants import convert
from assistants_events.assistants import models as m
from assistants_events.convert import structure_with
from assistants_events.errors import EventDecodeError
from assistants_events.flatmodel import model_maker

MODELS = sorted(
    (obj for obj in vars(m).values() if isinstance(obj, type) and attrs.has(obj)),
    key=lambda cls: cls.__name__,
)

_noise = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(-2, 2), st.text(max_size=3),
    st.lists(st.integers(0, 2), max_size=2),
    st.dictionaries(st.text(max_size=2), st.none(), max_size=1),
    st.just(10**400),  # an int no float holds
)  # fmt: skip


class Draw:
    """Draws a payload for a type hint; `clean` draws only well-typed, complete ones."""

    def __init__(self, data: st.DataObject, clean: bool) -> None:
        self.data, self.clean = data, clean

    def choice(self, *options: str) -> str:
        return self.data.draw(st.sampled_from(options))

    def value(self, hint: Any, depth: int = 0) -> Any:
        if not self.clean and self.choice(*["typed"] * 8, "null", "noise") != "typed":
            return None if self.choice("null", "noise") == "null" else self.data.draw(_noise)
        return self.typed(hint, depth)

    def typed(self, hint: Any, depth: int) -> Any:
        draw = self.data.draw
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if hint is str:
            return draw(st.text(max_size=4))
        if hint is int:
            return draw(st.integers(-3, 3))
        if hint is float:
            return draw(st.one_of(st.floats(-2, 2), st.integers(-3, 3)))
        if hint is bool:
            return draw(st.booleans())
        if hint is Any:
            return draw(_noise)
        if origin is Literal:
            return draw(st.sampled_from(args))
        if origin in (typing.Union, types.UnionType):
            members = [a for a in args if a is not type(None)]
            if type(None) in args and self.choice("value", "value", "none") == "none":
                return None
            if len(members) == 1:
                return self.typed(members[0], depth)
            classes = [a for a in members if attrs.has(a)]
            if not classes:  # a status: documented values or any string
                documented = st.sampled_from(typing.get_args(members[0]))
                return draw(st.one_of(documented, st.text(max_size=3)))
            picked = draw(st.sampled_from([*classes, "unknown tag"]))
            if picked == "unknown tag":
                return {"type": "newer_" + draw(st.text(max_size=2)), "x": draw(_noise)}
            return self.typed(picked, depth)
        if origin is list:
            size = 0 if depth > 3 else draw(st.integers(0, 2))
            return [self.value(args[0], depth + 1) for _ in range(size)]
        if origin is dict:
            keys = draw(st.lists(st.text(max_size=3), max_size=2))
            return {k: self.value(args[1], depth + 1) for k in keys}
        assert attrs.has(hint), hint
        return self.model(hint, depth)

    def model(self, cls: type, depth: int) -> dict[str, Any]:
        hints = typing.get_type_hints(cls)
        payload: dict[str, Any] = {}
        for field in attrs.fields(cls):
            required = field.default is attrs.NOTHING
            leave_out = not required and depth > 2
            if not self.clean or not required:
                leave_out = leave_out or self.choice("keep", "keep", "leave out") == "leave out"
            if not leave_out:
                payload[field.name] = self.value(hints[field.name], depth + 1)
        if not self.clean and self.choice("plain", "plain", "extra") == "extra":
            payload["newer_field"] = self.data.draw(_noise)
        return payload


def detailed(payload: Any, cls: type) -> Any:
    return structure_with(convert.converter, payload, cls)


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_every_assistants_model_has_a_table(cls: type) -> None:
    assert model_maker(cls) is not None


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_table_walk_agrees_with_the_converter(cls: type, data: st.DataObject) -> None:
    payload = Draw(data, clean=False).model(cls, 0)
    make = model_maker(cls)
    assert make is not None
    built = make(payload)
    try:
        expected = detailed(payload, cls)
    except EventDecodeError:
        assert built is None  # whatever the converter refuses, the walk leaves to it
        return
    assert built is None or repr(built) == repr(expected)


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_table_walk_builds_every_well_typed_payload(cls: type, data: st.DataObject) -> None:
    payload = Draw(data, clean=True).model(cls, 0)
    make = model_maker(cls)
    assert make is not None
    built = make(payload)
    assert built is not None
    assert repr(built) == repr(detailed(payload, cls))
