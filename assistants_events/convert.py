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
import cattrs
from cattrs.v import format_exception

from . import models as m
from .errors import EventDecodeError

__all__ = ["converter", "structure", "unstructure"]

T = TypeVar("T")

converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)


def _strict_scalar(kind: type, accepted: tuple[type, ...]) -> Any:
    def hook(value: Any, _: Any) -> Any:
        # bool is an int in Python, never in JSON.
        if isinstance(value, accepted) and not (kind is not bool and isinstance(value, bool)):
            return float(typing.cast(float, value)) if kind is float else value
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__} {value!r}")

    return hook


def _union_hook(members: tuple[type, ...]) -> Any:
    by_tag: dict[str, type] = {}
    for member in members:
        if attrs.has(member):
            tag_type = attrs.fields_dict(member)["type"].type
            for tag in typing.get_args(_resolve(member, tag_type)):
                by_tag[tag] = member

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, dict):
            raise TypeError(f"expected an object, got {type(value).__name__} {value!r}")
        tag = value.get("type")
        if not isinstance(tag, str):
            raise ValueError(f"missing or non-string 'type' in {sorted(value)}")
        target = by_tag.get(tag)
        if target is None:
            return value  # a part type newer than this library: keep it as JSON
        return converter.structure(value, target)

    return hook


def _optional(hook: Any) -> Any:
    def optional_hook(value: Any, type_: Any) -> Any:
        return None if value is None else hook(value, type_)

    return optional_hook


def _resolve(cls: type, annotation: Any) -> Any:
    if isinstance(annotation, str):
        return typing.get_type_hints(cls)["type"]
    return annotation


def _register() -> None:
    converter.register_structure_hook(str, _strict_scalar(str, (str,)))
    converter.register_structure_hook(int, _strict_scalar(int, (int,)))
    converter.register_structure_hook(float, _strict_scalar(float, (int, float)))
    converter.register_structure_hook(bool, _strict_scalar(bool, (bool,)))
    converter.register_structure_hook(Any, lambda value, _: value)
    for alias in (
        m.Tool, m.CodeOutput, m.ToolCall, m.StepDetails, m.CodeOutputDelta,
        m.ToolCallDelta, m.StepDetailsDelta, m.Annotation, m.Content,
        m.AnnotationDelta, m.ContentDelta,
    ):  # fmt: skip
        members = tuple(a for a in typing.get_args(alias) if attrs.has(a))
        hook = _union_hook(members)
        converter.register_structure_hook(alias, hook)
        converter.register_structure_hook(
            typing.Optional[alias],  # noqa: UP045 - the runtime type object cattrs looks up
            _optional(hook),
        )
    # attrs classes use string annotations (PEP 563); resolve them once, up front.
    for name in dir(m):
        obj = getattr(m, name)
        if isinstance(obj, type) and attrs.has(obj):
            attrs.resolve_types(obj, globalns=vars(m))


_register()


def _describe(exc: BaseException, type_: Any) -> str:
    # Our hooks' own messages say more than cattrs' generic "invalid value".
    if isinstance(exc, (TypeError, ValueError)) and str(exc):
        return str(exc)
    return format_exception(exc, type_)


def structure(data: Any, cls: type[T], *, event: str = "") -> T:
    """Structure decoded JSON into `cls`; a mismatch raises `EventDecodeError` with paths."""
    try:
        return converter.structure(data, cls)
    except cattrs.BaseValidationError as exc:
        detail = "; ".join(
            cattrs.transform_error(exc, path=f"$ ({cls.__name__})", format_exception=_describe)
        )
        raise EventDecodeError(event or cls.__name__, detail) from exc
    except (cattrs.errors.CattrsError, TypeError, ValueError, KeyError, AttributeError) as exc:
        raise EventDecodeError(event or cls.__name__, f"{cls.__name__}: {exc}") from exc


def unstructure(obj: Any) -> Any:
    """The JSON-ready form of a model (round-trips through `structure`)."""
    return converter.unstructure(obj)
