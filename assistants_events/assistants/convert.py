"""The one cattrs converter that turns decoded JSON into the typed models.

All hooks are registered here, in one place.  Unions are discriminated by their
`type` field; an unknown `type` is kept as the plain dict (forward compatibility),
a missing one is an error with a path.  Scalars are checked strictly: cattrs would
otherwise turn `{"id": 5}` into `"5"` without a word.

`structure` and the event decoders try a checked table walk first (`flatmodel`):
a plain, well-typed payload becomes its objects with a few slot writes per field;
anything else takes the converter's path, errors and paths included.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from ..convert import new_converter, optional_hook, resolve_all, structure_with, tagged_union_hook
from ..flatmodel import model_decoder, model_maker
from . import models as m

__all__ = ["converter", "decoder", "structure", "unstructure"]

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


_register()


# Per class, the checked table walk (`flatmodel`) tried before the converter: plain,
# well-typed payloads (nearly all of them) take a few slot writes per field.
_MAKERS: dict[Any, Callable[[Any], Any] | None] = {}
_UNSEEN: Any = object()


def structure(data: Any, cls: type[T], *, event: str = "") -> T:
    """Structure decoded JSON into `cls`; a mismatch raises `EventDecodeError` with paths."""
    make = _MAKERS.get(cls, _UNSEEN)
    if make is _UNSEEN:
        make = _MAKERS[cls] = model_maker(cls)
    if make is not None:
        built: T | None = make(data)
        if built is not None:
            return built
    return structure_with(converter, data, cls, event)


def decoder(cls: type[T], event: str) -> Callable[[Any], T]:
    """`structure(…, cls, event=event)` as one function of the payload (an event's decoder)."""

    def detailed(data: Any) -> T:
        return structure_with(converter, data, cls, event)

    return model_decoder(cls, detailed)


def unstructure(obj: Any) -> Any:
    """The JSON-ready form of a model (round-trips through `structure`)."""
    return converter.unstructure(obj)
