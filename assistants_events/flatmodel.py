"""Checked constructors for flat models: every field a str, int, float, bool, a list, or None.

Streaming events arrive by the hundred thousand and most of them are flat (a
Responses `output_text.delta` is five strings and integers).  For such a class,
`flat_maker(cls)` gives a function that walks a table of the class's fields, checks
each one's exact type in the decoded JSON and fills the attrs slots directly;
anything else (a missing required field, a wrong type, a `bool` where an `int` goes)
gives None, and the caller takes the converter's detailed path, errors with paths
included.  A property test keeps both paths equal.  No code is generated: a table
walk costs ~0.2 µs more per event than a generated function, and reads plainly.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["flat_maker"]

_PLAIN = (str, int, float, bool)


def _kind(hint: Any) -> tuple[type, bool] | None:
    """(the exact type, whether None is allowed) for a supported field type, else None."""
    args = typing.get_args(hint)
    optional = type(None) in args
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            return None
        hint = rest[0]
    origin = typing.get_origin(hint)
    if origin is list and typing.get_args(hint) in ((Any,), ()):
        return list, optional
    if hint in _PLAIN:
        return hint, optional
    return None


def flat_maker(cls: type[Any]) -> Callable[[Any], Any] | None:
    """A checked constructor of `cls` from decoded JSON, or None if `cls` is not flat."""
    hints = typing.get_type_hints(cls)
    # (JSON key, exact type, None allowed, the slot's setter), one per field, in order.
    slots: list[tuple[str, type, bool, Callable[[Any, Any], None]]] = []
    for field in attrs.fields(cls):
        kind = _kind(hints[field.name])
        if kind is None or field.init is False:
            return None
        exact, optional = kind
        if optional and field.default is not None:
            return None  # a default other than None is left to the converter
        if not optional and field.default is not attrs.NOTHING:
            return None
        slots.append((field.name, exact, optional, cls.__dict__[field.name].__set__))
    table = tuple(slots)
    new = object.__new__

    def make(payload: Any) -> Any:
        if type(payload) is not dict:
            return None
        get: Callable[[str], Any] = payload.get
        obj = new(cls)
        for key, exact, optional, fill in table:
            value: Any = get(key)
            if value is None:
                if not optional:
                    return None
            elif type(value) is not exact:
                return None
            elif exact is list:
                value = list(typing.cast("list[Any]", value))  # the model's own list
            fill(obj, value)
        return obj

    return make
