"""cattrs building blocks every protocol's converter shares.

Each protocol keeps its own `Converter` (its models, its unions); what they share
is here: strict scalars (cattrs would turn `{"id": 5}` into `"5"` without a word),
unions discriminated by their `type` field with unknown tags kept as plain JSON,
and one way of turning a structuring failure into `EventDecodeError` with paths.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.v import format_exception

from .errors import EventDecodeError

__all__ = [
    "new_converter",
    "optional_hook",
    "resolve_all",
    "structure_with",
    "tagged_union_hook",
]

T = TypeVar("T")
Hook = Callable[[Any, Any], Any]


def _strict_scalar(kind: type, accepted: tuple[type, ...]) -> Hook:
    def hook(value: Any, _: Any) -> Any:
        # bool is an int in Python, never in JSON.
        if isinstance(value, accepted) and not (kind is not bool and isinstance(value, bool)):
            return float(typing.cast(float, value)) if kind is float else value
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__} {value!r}")

    return hook


def new_converter() -> cattrs.Converter:
    """A converter for inbound payloads: strict scalars, extra keys ignored, `Any` as is."""
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
    converter.register_structure_hook(str, _strict_scalar(str, (str,)))
    converter.register_structure_hook(int, _strict_scalar(int, (int,)))
    converter.register_structure_hook(float, _strict_scalar(float, (int, float)))
    converter.register_structure_hook(bool, _strict_scalar(bool, (bool,)))
    # A predicate, not `register_structure_hook(Any, ...)`: on Python 3.10,
    # functools.singledispatch refuses `typing.Any` (not a class).
    converter.register_structure_hook_func(lambda cls: cls is Any, lambda value, _: value)
    return converter


def tagged_union_hook(
    converter: cattrs.Converter,
    members: tuple[type, ...],
    unknown: Callable[[str, dict[str, Any]], Any] | None = None,
) -> Hook:
    """Structure a union of attrs classes by the `type` field's Literal tags.

    An unknown tag (a type newer than this library) is kept as the plain dict, or
    given to `unknown(tag, value)`; a missing or non-string `type` is an error.
    """
    by_tag: dict[str, type] = {}
    for member in members:
        tag_type = typing.get_type_hints(member)["type"]
        for tag in typing.get_args(tag_type):
            by_tag[tag] = member

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, dict):
            raise TypeError(f"expected an object, got {type(value).__name__} {value!r}")
        tag = value.get("type")
        if not isinstance(tag, str):
            raise ValueError(f"missing or non-string 'type' in {sorted(value)}")
        target = by_tag.get(tag)
        if target is None:
            return value if unknown is None else unknown(tag, value)
        return converter.structure(value, target)

    return hook


def optional_hook(hook: Hook) -> Hook:
    """`hook`, letting `None` through."""

    def optional(value: Any, type_: Any) -> Any:
        return None if value is None else hook(value, type_)

    return optional


def _describe(exc: BaseException, type_: Any) -> str:
    # Our hooks' own messages say more than cattrs' generic "invalid value".
    if isinstance(exc, (TypeError, ValueError)) and str(exc):
        return str(exc)
    return format_exception(exc, type_)


def structure_with(converter: cattrs.Converter, data: Any, cls: type[T], event: str = "") -> T:
    """Structure decoded JSON into `cls`; a mismatch raises `EventDecodeError` with paths."""
    try:
        return converter.structure(data, cls)
    except cattrs.BaseValidationError as exc:
        detail = "; ".join(
            cattrs.transform_error(exc, path=f"$ ({cls.__name__})", format_exception=_describe)
        )
        raise EventDecodeError(event or cls.__name__, detail) from exc
    except (cattrs.errors.CattrsError, TypeError, ValueError, KeyError, AttributeError,
            RecursionError) as exc:  # fmt: skip
        raise EventDecodeError(event or cls.__name__, f"{cls.__name__}: {exc}") from exc


def resolve_all(namespace: dict[str, Any]) -> None:
    """Resolve the string annotations (PEP 563) of every attrs class in a module, once."""
    for obj in list(namespace.values()):
        if isinstance(obj, type) and attrs.has(obj):
            attrs.resolve_types(obj, globalns=namespace)
