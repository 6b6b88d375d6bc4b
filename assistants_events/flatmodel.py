"""Checked constructors for flat models: every field a str, int, float, bool, a list, or None.

Streaming events arrive by the hundred thousand and most of them are flat (a
Responses `output_text.delta` is five strings and integers).  For such a class,
`flat_maker(cls)` generates a function that checks each field's exact type in the
decoded JSON and fills the attrs slots directly; anything else (a missing required
field, a wrong type, a `bool` where an `int` goes) gives None, and the caller takes
the converter's detailed path, errors with paths included.  A property test keeps
both paths equal.
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
    fields = attrs.fields(cls)
    hints = typing.get_type_hints(cls)
    lines = ["def make(payload):", "    if type(payload) is not dict:", "        return None",
             "    get = payload.get"]  # fmt: skip
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    for i, field in enumerate(fields):
        kind = _kind(hints[field.name])
        if kind is None or field.init is False:
            return None
        exact, optional = kind
        if optional and field.default is not None:
            return None  # a default other than None is left to the converter
        if not optional and field.default is not attrs.NOTHING:
            return None
        namespace[f"t{i}"] = exact
        namespace[f"set{i}"] = cls.__dict__[field.name].__set__
        lines.append(f"    v{i} = get({field.name!r})")
        check = f"type(v{i}) is not t{i}"
        lines.append(f"    if {f'v{i} is not None and ' if optional else ''}{check}:")
        lines.append("        return None")
        if exact is list:
            lines.append(f"    if v{i} is not None:")
            lines.append(f"        v{i} = list(v{i})  # the model's own list, as the converter's")
    lines.append("    obj = new(cls)")
    lines += [f"    set{i}(obj, v{i})" for i in range(len(fields))]
    lines.append("    return obj")
    exec("\n".join(lines), namespace)  # code built from the class's own field names only
    make: Callable[[Any], Any] = namespace["make"]
    return make
