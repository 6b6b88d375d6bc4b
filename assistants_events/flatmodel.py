"""Checked, table-driven constructors of attrs models from decoded JSON.

Streaming events arrive by the hundred thousand, and their payloads are plain and
well typed almost always.  For such payloads a walk over a table of each class's
fields is several times cheaper than the converter's general path: per field, one
`dict.get`, one exact type check (or a nested build) and one slot write.
`model_maker(cls)` gives that walk for a class; `model_decoder(cls, fallback)` gives
the walk with the converter's detailed path behind it.  Anything unusual -- a
missing required field, a wrong type, a `bool` where an `int` goes, a `str`
subclass, a tuple where a list goes -- stops the walk, and the converter decides,
errors with their paths included.  A property test keeps the walk equal to the
converter on every model.

What a table reads, per field hint (`X | None` lets null through):
`str`, `int`, `bool` (exact type), `float` (a float, or an int made float),
`Any` (as is), a `Literal` of strings, `Literal[...] | str` (any string: statuses),
an attrs class, `list[X]`, `dict[str, Any]` and `dict[str, str|int|bool]` (copied),
and a union of attrs classes tagged by a `Literal` `type` field (plus the plain
dict): the member its `type` names, and for a tag no member has, the dict itself --
the way `convert.tagged_union_hook` reads such a union.  A class with any other
field type, a validator, a converter or a non-init field gets no table (None).

No code is generated: a table walk reads plainly, and it costs less than the two
hand-written delta fast paths it replaced, which filled slots through one generic
positional constructor per class (a quarter fewer instructions per text or argument
delta; under half for code interpreter and annotation deltas).  Its per-field
loop is still a third of an argument delta's cost, so the two commonest delta shapes
have hand-written builders in front of it (`assistants.fast_deltas`).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import attrs

__all__ = ["flat_decoder", "flat_maker", "model_decoder", "model_maker"]

T = TypeVar("T")
_Build = Callable[[Any], Any]
_Absent = Callable[[dict[str, Any]], Any]
# One table row: JSON key, exact type checked inline (or None), nested build (or
# None), the slot's setter, and what a missing or null value becomes (None: None).
_Row = tuple[str, type | None, _Build | None, Callable[[Any, Any], None], _Absent | None]

_EXACT = (str, int, bool)
_UNION_ORIGINS = (typing.Union, types.UnionType)


class _Misfit(Exception):
    """The payload is not of the plain well-typed shape: the converter's path decides."""


class _Unsupported(Exception):
    """A field type no table reads: the class has no fast constructor."""


# ------------------------------------------------------------ value builders


def _as_is(value: Any) -> Any:
    return value


def _float(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return value
    if kind is int:  # JSON `1` in a float field, as the converter reads it
        try:
            return float(value)
        except OverflowError:
            raise _Misfit from None
    raise _Misfit


def _literal(tags: frozenset[str]) -> _Build:
    def check(value: Any) -> Any:
        if type(value) is str and value in tags:
            return value
        raise _Misfit

    return check


def _exact_list(exact: type) -> _Build:
    def build(value: Any) -> Any:
        if type(value) is not list:
            raise _Misfit
        for item in value:
            if type(item) is not exact:
                raise _Misfit
        return list(value)  # the model's own list

    return build


def _copied_list(value: Any) -> Any:
    if type(value) is not list:
        raise _Misfit
    return list(value)  # the model's own list


def _list(item: _Build) -> _Build:
    def build(value: Any) -> Any:
        if type(value) is not list:
            raise _Misfit
        return [item(element) for element in value]

    return build


def _union(by_tag: dict[str, _Build]) -> _Build:
    get = by_tag.get

    def build(value: Any) -> Any:
        if type(value) is not dict:
            raise _Misfit
        tag = value.get("type")
        if type(tag) is not str:
            raise _Misfit
        make = get(tag)
        # A tag no member has (a type newer than the models) keeps its plain JSON.
        return value if make is None else make(value)

    return build


def _union_list(by_tag: dict[str, _Build]) -> _Build:
    # A list of a tagged union, the commonest nesting (content parts, tool calls):
    # one loop instead of a list build calling a union build calling a member build.
    get = by_tag.get

    def build(value: Any) -> Any:
        if type(value) is not list:
            raise _Misfit
        out = []
        for element in value:
            if type(element) is not dict:
                raise _Misfit
            tag = element.get("type")
            if type(tag) is not str:
                raise _Misfit
            make = get(tag)
            out.append(element if make is None else make(element))
        return out

    return build


def _mapping(value_exact: type | None) -> _Build:
    def build(value: Any) -> Any:
        if type(value) is not dict:
            raise _Misfit
        for key, item in value.items():
            if type(key) is not str or (value_exact is not None and type(item) is not value_exact):
                raise _Misfit
        return dict(value)  # the model's own dict

    return build


def _absent(key: str, optional: bool, default: Any) -> _Absent:
    """What a missing or null `key` becomes: the default, None, or a misfit."""
    factory = default.factory if isinstance(default, attrs.Factory) else None  # type: ignore[arg-type]

    def absent(payload: dict[str, Any]) -> Any:
        if key in payload:  # an explicit null
            if optional:
                return None
            raise _Misfit
        if factory is not None:
            return factory()
        if default is attrs.NOTHING:
            raise _Misfit  # a required field is missing
        return default

    return absent


# -------------------------------------------------------------------- plans


def _without_none(hint: Any) -> tuple[Any, bool]:
    """The hint without `None`, and whether `None` was allowed."""
    if hint is Any:
        return hint, True
    if typing.get_origin(hint) not in _UNION_ORIGINS:
        return hint, False
    args = typing.get_args(hint)
    rest = tuple(arg for arg in args if arg is not type(None))
    if len(rest) == len(args):
        return hint, False
    return (rest[0] if len(rest) == 1 else typing.Union[rest]), True  # noqa: UP007


def _is_str_literal(hint: Any) -> bool:
    return typing.get_origin(hint) is Literal and all(
        type(arg) is str for arg in typing.get_args(hint)
    )


def _tags(cls: type) -> tuple[str, ...]:
    """The tags of a union member: the strings of its `type` field's `Literal`."""
    hint = typing.get_type_hints(cls).get("type")
    if not _is_str_literal(hint):
        raise _Unsupported(f"{cls.__name__} has no Literal `type` field to tag a union")
    return typing.get_args(hint)


def _members(hint: Any) -> dict[str, _Build]:
    """Tag -> member build of a union of attrs classes tagged by `type` (+ the plain dict)."""
    by_tag: dict[str, _Build] = {}
    for member in typing.get_args(hint):
        if isinstance(member, type) and attrs.has(member):
            build = _builder(member, tagged=True)
            for tag in _tags(member):
                by_tag[tag] = build
        elif member != dict[str, Any]:
            raise _Unsupported(hint)
    return by_tag


def _plan(hint: Any) -> tuple[type | None, _Build | None]:
    """(exact type, None) for a value checked inline, or (None, build) for the rest."""
    if hint in _EXACT:
        return hint, None
    if hint is Any:
        return None, _as_is
    if hint is float:
        return None, _float
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal and _is_str_literal(hint):
        return None, _literal(frozenset(args))
    if origin in _UNION_ORIGINS:
        if str in args and all(arg is str or _is_str_literal(arg) for arg in args):
            return str, None  # documented values or any newer string
        return None, _union(_members(hint))
    if origin is list and len(args) == 1:
        item = args[0]
        if typing.get_origin(item) in _UNION_ORIGINS and not any(a is str for a in item.__args__):
            return None, _union_list(_members(item))
        if item is Any:
            return None, _copied_list
        exact, build = _plan(item)
        return None, (_exact_list(exact) if exact is not None else _list(build))  # type: ignore[arg-type]
    if origin is dict and len(args) == 2 and args[0] is str:
        if args[1] is Any:
            return None, _mapping(None)
        if args[1] in _EXACT:
            return None, _mapping(args[1])
    if isinstance(hint, type) and attrs.has(hint):
        return None, _builder(hint)
    raise _Unsupported(hint)


def _setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    for klass in cls.__mro__:
        slot = klass.__dict__.get(name)
        if slot is not None and type(slot) is types.MemberDescriptorType:
            setter: Callable[[Any, Any], None] = slot.__set__
            return setter
    raise _Unsupported(f"{cls.__name__}.{name} is not a slot")


def _rows(cls: type, tagged: bool) -> tuple[_Row, ...]:
    if getattr(cls, "__attrs_post_init__", None) is not None:
        raise _Unsupported(f"{cls.__name__} has __attrs_post_init__")
    hints = typing.get_type_hints(cls)
    rows: list[_Row] = []
    for field in attrs.fields(cls):
        if not field.init or field.converter is not None or field.validator is not None:
            raise _Unsupported(f"{cls.__name__}.{field.name}")
        if field.alias != field.name:
            raise _Unsupported(f"{cls.__name__}.{field.name} has an alias")
        if isinstance(field.default, attrs.Factory) and field.default.takes_self:  # type: ignore[arg-type]
            raise _Unsupported(f"{cls.__name__}.{field.name}'s factory takes self")
        hint, optional = _without_none(hints[field.name])
        exact: type | None = str  # a tag: the union picked this member by it
        build: _Build | None = None
        if not (tagged and field.name == "type" and _is_str_literal(hint)):
            exact, build = _plan(hint)
        plain = optional and field.default is None
        absent = None if plain else _absent(field.name, optional, field.default)
        rows.append((field.name, exact, build, _setter(cls, field.name), absent))
    return tuple(rows)


def _walk(cls: type, table: tuple[_Row, ...], on_misfit: _Build | None) -> _Build:
    """The table walk building `cls`: a misfit is raised on (nested), or `on_misfit(payload)`."""
    new = object.__new__

    def build(value: Any) -> Any:
        try:
            if type(value) is not dict:
                raise _Misfit
            obj: Any = new(cls)
            for key, exact, convert, fill, absent in table:
                item = value.get(key)  # a method call: no bound method per object
                if item is None:
                    if absent is not None:
                        item = absent(value)
                elif convert is None:
                    if type(item) is not exact:
                        raise _Misfit
                else:
                    item = convert(item)
                fill(obj, item)
            return obj
        except _Misfit:
            if on_misfit is None:
                raise
            return on_misfit(value)

    return build


_BUILDERS: dict[tuple[type, bool], _Build | None] = {}


def _builder(cls: type, tagged: bool = False) -> _Build:
    """The nested build of `cls` (raising `_Misfit`), made once per class and tag mode."""
    key = (cls, tagged)
    if key in _BUILDERS:
        known = _BUILDERS[key]
        if known is None:
            raise _Unsupported(f"{cls.__name__} is unsupported or recursive")
        return known
    _BUILDERS[key] = None  # a recursive model meets this while its table is being made
    build = _BUILDERS[key] = _walk(cls, _rows(cls, tagged), None)
    return build


def _top(cls: type, on_misfit: _Build) -> _Build | None:
    """The build of `cls` giving `on_misfit(payload)` for a misfit; None if `cls` has no table."""
    if not (isinstance(cls, type) and attrs.has(cls)):
        return None
    try:
        _builder(cls)  # every nested class's table, and whether there is one at all
        return _walk(cls, _rows(cls, tagged=False), on_misfit)
    except _Unsupported:
        return None


def _none(payload: Any) -> None:
    return None


# ------------------------------------------------------------------- public


def model_maker(cls: type[T]) -> Callable[[Any], T | None] | None:
    """A checked constructor of `cls` from decoded JSON (None when the payload does not
    fit it plainly), or None when `cls` has a field type no table reads."""
    return _top(cls, _none)


def model_decoder(cls: type[T], fallback: Callable[[Any], T]) -> Callable[[Any], T]:
    """`cls` from decoded JSON: the table walk, and `fallback` (the converter's detailed
    path) for a payload the walk does not fit, or for every payload if `cls` has no table."""
    build = _top(cls, fallback)
    return fallback if build is None else build


def _is_flat(cls: type) -> bool:
    hints = typing.get_type_hints(cls)
    for field in attrs.fields(cls):
        hint, optional = _without_none(hints[field.name])
        if hint is Any:
            return False
        if optional and field.default is not None:
            return False  # a default other than None is left to the converter
        if not optional and field.default is not attrs.NOTHING:
            return False
        if hint in (*_EXACT, float):
            continue
        if not (typing.get_origin(hint) is list and typing.get_args(hint) in ((Any,), ())):
            return False
    return True


def flat_maker(cls: type[T]) -> Callable[[Any], T | None] | None:
    """`model_maker(cls)` for a flat class (every field a str, int, float, bool, list or
    None, required or defaulting to None), else None."""
    return model_maker(cls) if _is_flat(cls) else None


def flat_decoder(cls: type[T], fallback: Callable[[Any], T]) -> Callable[[Any], T]:
    """`model_decoder(cls, fallback)` for a flat class (see `flat_maker`), else `fallback`."""
    return model_decoder(cls, fallback) if _is_flat(cls) else fallback
