"""Tools as declared: `@tool`, the JSON schema from type hints, and argument parsing.

A tool's name is its function's name, its description its docstring, its JSON
schema derived once from the type hints; the model's JSON arguments are structured
with cattrs into the declared types.  Running calls is `tool_calls`' job.
"""

from __future__ import annotations

import enum
import inspect
import json
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar, Union, overload

import attrs
import cattrs

from .callables import is_async_callable
from .convert import new_converter
from .errors import ToolDefinitionError

__all__ = [
    "DEFAULT_TOOL_TIMEOUT",
    "ToolArgumentError",
    "ToolSpec",
    "converter",
    "make_tool",
    "schema_for",
    "tool",
]

F = TypeVar("F", bound=Callable[..., Any])

converter = new_converter()
"""Structures tool arguments into the tools' parameter types; register hooks for your
own types here.  It is not the converter that decodes server payloads."""

DEFAULT_TOOL_TIMEOUT = 60.0
"""Seconds a tool call may take when neither the tool nor the handler says otherwise."""
TOOL_MARK = "__assistants_events_tool__"
_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")  # the API's rule for function names


class ToolArgumentError(Exception):
    """The model's arguments do not fit the tool's signature (told to the model)."""


@attrs.frozen
class _Param:
    name: str
    hint: Any
    required: bool
    default: Any
    nullable: bool = False


@attrs.frozen
class ToolSpec:
    """A declared tool: how to describe it to the model and how to call it."""

    name: str
    description: str
    fn: Callable[..., Any]
    parameters: dict[str, Any]
    params: tuple[_Param, ...] = attrs.field(repr=False)
    bound: bool
    is_async: bool
    timeout: float | None = None
    """Seconds a call may take; None: the handler's `tool_timeout`; `math.inf`: no limit."""
    strict: bool = False

    def definition(self) -> dict[str, Any]:
        """The `{"type": "function", "function": {...}}` entry for an assistant's tools."""
        function: dict[str, Any] = {"name": self.name, "parameters": self.parameters}
        if self.description:
            function["description"] = self.description
        if self.strict:
            function["strict"] = True
        return {"type": "function", "function": function}

    def response_definition(self) -> dict[str, Any]:
        """The flat `{"type": "function", "name", "parameters", ...}` entry of the Responses API."""
        entry: dict[str, Any] = {"type": "function", "name": self.name}
        if self.description:
            entry["description"] = self.description
        entry["parameters"] = self.parameters
        entry["strict"] = self.strict
        return entry

    def parse_arguments(self, arguments: str) -> dict[str, Any]:
        """The keyword arguments for the function; `ToolArgumentError` if they do not fit."""
        if not isinstance(arguments, str):
            # A lenient stream may hand over an item whose arguments never came.
            raise ToolArgumentError(f"arguments must be a JSON string, got {arguments!r}"[:120])
        try:
            decoded = json.loads(arguments) if arguments.strip() else {}
        except ValueError as exc:
            raise ToolArgumentError(f"arguments are not valid JSON ({exc})") from None
        except RecursionError:
            raise ToolArgumentError("arguments are nested too deeply") from None
        if not isinstance(decoded, dict):
            raise ToolArgumentError(f"arguments must be a JSON object, got {arguments[:80]!r}")
        known = {p.name for p in self.params}
        unexpected = sorted(set(decoded) - known)
        if unexpected:
            raise ToolArgumentError(f"unexpected argument(s) {', '.join(unexpected)}")
        kwargs: dict[str, Any] = {}
        for param in self.params:
            if param.name not in decoded or (
                # strict schemas make every argument required: null means "the default"
                decoded[param.name] is None and not param.required and not param.nullable
            ):
                if param.required:
                    raise ToolArgumentError(f"missing required argument {param.name!r}")
                continue
            try:
                value = _without_defaulted_nulls(decoded[param.name], param.hint)
                kwargs[param.name] = converter.structure(value, param.hint)
            except Exception as exc:  # a user's attrs validator may raise anything
                detail = (
                    _describe_error(exc)
                    if not isinstance(exc, RecursionError)
                    else ("nested too deeply")
                )
                raise ToolArgumentError(
                    f"argument {param.name!r} should be {_type_name(param.hint)}: {detail}"
                ) from None
        return kwargs


def _without_defaulted_nulls(value: Any, hint: Any) -> Any:
    """`value` with every null given to an attrs field that has a default taken out.

    Strict schemas make every field required and let the model send null for "the
    default" (see `_nullable`); cattrs would refuse that null (or make `"None"` of it
    for a `str`), so it is dropped and the field's default applies, at every depth.
    """
    hint, _ = _split_annotated(hint)
    if _is_optional(hint):
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        return _without_defaulted_nulls(value, members[0]) if len(members) == 1 else value
    if isinstance(value, list):
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (list, Sequence, set, frozenset) and args:
            return [_without_defaulted_nulls(item, args[0]) for item in value]
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return [_without_defaulted_nulls(item, args[0]) for item in value]
        return value
    if not (isinstance(value, dict) and isinstance(hint, type) and attrs.has(hint)):
        return value
    out = dict(value)
    for field in attrs.fields(hint):
        if field.name not in out:
            continue
        if out[field.name] is None:
            if field.default is not attrs.NOTHING and not _is_optional(field.type):
                del out[field.name]
        else:
            out[field.name] = _without_defaulted_nulls(out[field.name], field.type)
    return out


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(exc, path="value"))
    return str(exc) or type(exc).__name__


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def make_tool(
    fn: Callable[..., Any],
    *,
    bound: bool,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
    strict: bool = False,
) -> ToolSpec:
    """Build the `ToolSpec` of a function (a method when `bound`)."""
    if not callable(fn):
        raise ToolDefinitionError(f"@tool decorates a function, not {fn!r}")
    tool_name = name or fn.__name__
    if not _NAME.fullmatch(tool_name):
        raise ToolDefinitionError(
            f"tool name {tool_name!r} must be 1-64 ASCII letters, digits, '_' or '-' "
            "(the API's rule); pass @tool(name=...) to choose another"
        )
    if timeout is not None and not timeout > 0:
        raise ToolDefinitionError(f"tool {tool_name!r}: timeout must be > 0, got {timeout!r}")
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:
        raise ToolDefinitionError(
            f"cannot read the type hints of tool {tool_name!r}: {exc}"
        ) from exc
    signature = inspect.signature(fn)
    items = list(signature.parameters.values())
    if bound:
        items = items[1:]  # self
    params = []
    properties: dict[str, Any] = {}
    required: list[str] = []
    for p in items:
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise ToolDefinitionError(
                f"tool {tool_name!r}: *{p.name} cannot be described to the model; "
                "name each argument"
            )
        if p.name not in hints:
            raise ToolDefinitionError(
                f"tool {tool_name!r}: argument {p.name!r} needs a type hint for its JSON schema"
            )
        hint = hints[p.name]
        base, extra = _split_annotated(hint)
        optional = _is_optional(base)
        has_default = p.default is not inspect.Parameter.empty
        try:
            schema = schema_for(base, strict=strict)
        except ToolDefinitionError as exc:
            raise ToolDefinitionError(f"tool {tool_name!r}, argument {p.name!r}: {exc}") from None
        if extra:
            schema = {**schema, "description": extra}
        is_required = not has_default and not optional
        if strict and not is_required and not optional:
            schema = _nullable(schema)  # strict: sent always, null standing for the default
        properties[p.name] = schema
        if is_required:
            required.append(p.name)
        params.append(
            _Param(p.name, base, is_required, p.default if has_default else None, optional)
        )
    parameters = _object_schema(properties, required, strict)
    doc = description if description is not None else inspect.getdoc(fn) or ""
    return ToolSpec(
        tool_name,
        doc.strip(),
        fn,
        parameters,
        tuple(params),
        bound,
        is_async_callable(fn),
        timeout,
        strict,
    )


@overload
def tool(fn: F, /) -> F: ...


@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
    strict: bool = False,
) -> Callable[[F], F]: ...


def tool(
    fn: F | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
    strict: bool = False,
) -> F | Callable[[F], F]:
    """Declare an `EventHandler` method as a tool the assistant may call.

    `@tool` or `@tool(name=..., description=..., timeout=..., strict=...)`.  The
    schema comes from the type hints: `str`, `int`, `float`, `bool`, `Literal[...]`,
    `Enum`, `list[...]`, `dict`, attrs classes (nested objects), `X | None`, and
    `Annotated[X, "description"]`.  Arguments with defaults or `None` allowed are
    not required.  `timeout` (seconds) defaults to the handler's `tool_timeout`;
    `math.inf` lifts the limit.  `strict=True` emits a schema the API accepts in
    strict mode (every object closed, every property required, optional ones
    nullable).  The return value becomes the output: a string as is, anything
    else JSON-encoded.
    """

    def mark(func: F) -> F:
        spec = make_tool(func, bound=True, name=name, description=description,
                         timeout=timeout, strict=strict)  # fmt: skip
        setattr(func, TOOL_MARK, spec)
        return func

    return mark(fn) if fn is not None else mark


# ------------------------------------------------------------------- schemas


def _split_annotated(hint: Any) -> tuple[Any, str | None]:
    if typing.get_origin(hint) is typing.Annotated:
        base, *meta = typing.get_args(hint)
        text = next((x for x in meta if isinstance(x, str)), None)
        return base, text
    return hint, None


def _is_optional(hint: Any) -> bool:
    origin = typing.get_origin(hint)
    return origin in (Union, types.UnionType) and type(None) in typing.get_args(hint)


_SCALARS: Mapping[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def schema_for(hint: Any, *, strict: bool = False) -> dict[str, Any]:
    """The JSON schema of a Python type hint (the subset tools may use).

    `strict=True` gives the form the API's strict mode accepts.  A recursive attrs
    class (a tree) raises `ToolDefinitionError`.
    """
    return _schema_of(hint, strict, ())


def _schema_of(hint: Any, strict: bool, within: tuple[type, ...]) -> dict[str, Any]:
    # `within`: the attrs classes being described around this hint (cycle guard).
    hint, description = _split_annotated(hint)
    schema = _schema(hint, strict, within)
    if description:
        schema = {**schema, "description": description}
    return schema


def _object_schema(properties: dict[str, Any], required: list[str], strict: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if strict:
        out["required"] = list(properties)
        out["additionalProperties"] = False
    elif required:
        out["required"] = required
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema also admitting null (strict mode's way of saying "optional")."""
    kind = schema.get("type")
    if isinstance(kind, str):
        out = {**schema, "type": [kind, "null"]}
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out
    if "anyOf" in schema:
        return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
    return {"anyOf": [schema, {"type": "null"}]}


def _schema(hint: Any, strict: bool, within: tuple[type, ...]) -> dict[str, Any]:
    if hint in _SCALARS:
        return {"type": _SCALARS[hint]}
    if hint is Any:
        if strict:
            raise ToolDefinitionError("Any has no strict JSON schema; name the type")
        return {}
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Literal:
        kinds = {_SCALARS.get(type(a)) for a in args}
        schema: dict[str, Any] = {"enum": list(args)}
        if len(kinds) == 1 and None not in kinds:
            schema["type"] = kinds.pop()
        return schema
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        values = [member.value for member in hint]
        kinds = {_SCALARS.get(type(v)) for v in values}
        schema = {"enum": values}
        if len(kinds) == 1 and None not in kinds:
            schema["type"] = kinds.pop()
        return schema
    if origin is tuple and len(args) > 1 and args[1] is not Ellipsis and len(set(args)) > 1:
        raise ToolDefinitionError(
            f"{_type_name(hint)} mixes item types, which a JSON array schema here cannot "
            "say; use an attrs class (named fields) or tuple[X, ...]"
        )
    if origin in (list, Sequence, tuple, set, frozenset) or hint in (list, tuple):
        item = args[0] if args else Any
        return {"type": "array", "items": _schema_of(item, strict, within)}
    if origin in (dict, Mapping) or hint is dict:
        if strict:
            raise ToolDefinitionError(
                "a free-form dict has no strict JSON schema; use an attrs class"
            )
        return {"type": "object"}
    if origin in (Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        schema = (
            _schema_of(members[0], strict, within)
            if len(members) == 1
            else {"anyOf": [_schema_of(a, strict, within) for a in members]}
        )
        return _nullable(schema) if strict and len(members) < len(args) else schema
    if isinstance(hint, type) and attrs.has(hint):
        if hint in within:
            raise ToolDefinitionError(
                f"type {hint.__name__} contains itself; a recursive type has no JSON "
                "schema here: bound its depth with distinct classes, or take a JSON string"
            )
        attrs.resolve_types(hint)
        properties = {}
        required = []
        for field in attrs.fields(hint):
            schema = _schema_of(field.type, strict, (*within, hint))
            is_required = field.default is attrs.NOTHING and not _is_optional(field.type)
            if strict and not is_required and not _is_optional(field.type):
                schema = _nullable(schema)
            properties[field.name] = schema
            if is_required:
                required.append(field.name)
        return _object_schema(properties, required, strict)
    raise ToolDefinitionError(
        f"type {_type_name(hint)} has no JSON schema here; use str, int, float, bool, "
        "Literal, Enum, list, dict, an attrs class, or Optional of those"
    )
