"""Tools: `@tool` functions, their JSON schema, and answering tool calls.

A tool's name is its function's name, its description its docstring, its JSON
schema derived once from the type hints.  Calling a tool parses the model's JSON
arguments and structures them with cattrs into the declared types; bad arguments,
an exception or a timeout become an error *output* that tells the model what went
wrong — a tool problem never aborts the run, and every call gets exactly one output.
"""

from __future__ import annotations

import enum
import inspect
import json
import logging
import math
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar, Union

import anyio
import attrs
import cattrs

from .convert import new_converter
from .dispatch import is_async_callable
from .errors import ToolDefinitionError

__all__ = ["DEFAULT_TOOL_TIMEOUT", "ToolCallRequest", "ToolOutput", "ToolSpec", "execute", "tool"]

log = logging.getLogger("assistants_events")

F = TypeVar("F", bound=Callable[..., Any])

converter = new_converter()
"""Structures tool arguments into the tools' parameter types; register hooks for your
own types here.  It is not the converter that decodes server payloads."""

DEFAULT_TOOL_TIMEOUT = 60.0
TOOL_MARK = "__assistants_events_tool__"


@attrs.frozen
class ToolCallRequest:
    """One function call the run waits for: its id, tool name and JSON arguments."""

    id: str
    name: str
    arguments: str


@attrs.frozen
class ToolOutput:
    """The answer to one tool call, as `submit_tool_outputs` sends it."""

    tool_call_id: str
    output: str
    ok: bool = True

    def to_json(self) -> dict[str, str]:
        """The request-body form of this output."""
        return {"tool_call_id": self.tool_call_id, "output": self.output}


class ToolArgumentError(Exception):
    """The model's arguments do not fit the tool's signature (told to the model)."""


@attrs.frozen
class _Param:
    name: str
    hint: Any
    required: bool
    default: Any


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
    timeout: float | None = DEFAULT_TOOL_TIMEOUT
    strict: bool = False

    def definition(self) -> dict[str, Any]:
        """The `{"type": "function", "function": {...}}` entry for an assistant's tools."""
        function: dict[str, Any] = {"name": self.name, "parameters": self.parameters}
        if self.description:
            function["description"] = self.description
        if self.strict:
            function["strict"] = True
        return {"type": "function", "function": function}

    def parse_arguments(self, arguments: str) -> dict[str, Any]:
        """The keyword arguments for the function; `ToolArgumentError` if they do not fit."""
        try:
            decoded = json.loads(arguments) if arguments.strip() else {}
        except ValueError as exc:
            raise ToolArgumentError(f"arguments are not valid JSON ({exc})") from None
        if not isinstance(decoded, dict):
            raise ToolArgumentError(f"arguments must be a JSON object, got {arguments[:80]!r}")
        known = {p.name for p in self.params}
        unexpected = sorted(set(decoded) - known)
        if unexpected:
            raise ToolArgumentError(f"unexpected argument(s) {', '.join(unexpected)}")
        kwargs: dict[str, Any] = {}
        for param in self.params:
            if param.name not in decoded:
                if param.required:
                    raise ToolArgumentError(f"missing required argument {param.name!r}")
                continue
            try:
                kwargs[param.name] = converter.structure(decoded[param.name], param.hint)
            except Exception as exc:  # a user's attrs validator may raise anything
                detail = _describe_error(exc)
                raise ToolArgumentError(
                    f"argument {param.name!r} should be {_type_name(param.hint)}: {detail}"
                ) from None
        return kwargs


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
    timeout: float | None = DEFAULT_TOOL_TIMEOUT,
    strict: bool = False,
) -> ToolSpec:
    """Build the `ToolSpec` of a function (a method when `bound`)."""
    if not callable(fn):
        raise ToolDefinitionError(f"@tool decorates a function, not {fn!r}")
    tool_name = name or fn.__name__
    if not tool_name.replace("_", "").replace("-", "").isalnum() or len(tool_name) > 64:
        raise ToolDefinitionError(
            f"tool name {tool_name!r} must be 1-64 letters, digits, '_' or '-' (an API rule)"
        )
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
            schema = schema_for(base)
        except ToolDefinitionError as exc:
            raise ToolDefinitionError(f"tool {tool_name!r}, argument {p.name!r}: {exc}") from None
        if extra:
            schema = {**schema, "description": extra}
        properties[p.name] = schema
        is_required = not has_default and not optional
        if is_required:
            required.append(p.name)
        params.append(_Param(p.name, base, is_required, p.default if has_default else None))
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
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


def tool(
    fn: F | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = DEFAULT_TOOL_TIMEOUT,
    strict: bool = False,
) -> Any:
    """Declare an `EventHandler` method as a tool the assistant may call.

    `@tool` or `@tool(name=..., description=..., timeout=...)`.  The schema comes
    from the type hints: `str`, `int`, `float`, `bool`, `Literal[...]`, `Enum`,
    `list[...]`, `dict`, attrs classes (nested objects), `X | None`, and
    `Annotated[X, "description"]`.  Arguments with defaults or `None` allowed are
    not required.  The return value becomes the output: a string as is, anything
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


def schema_for(hint: Any) -> dict[str, Any]:
    """The JSON schema of a Python type hint (the subset tools may use)."""
    hint, description = _split_annotated(hint)
    schema = _schema(hint)
    if description:
        schema = {**schema, "description": description}
    return schema


def _schema(hint: Any) -> dict[str, Any]:
    if hint in _SCALARS:
        return {"type": _SCALARS[hint]}
    if hint is Any:
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
    if origin in (list, Sequence, tuple, set, frozenset) or hint in (list, tuple):
        item = args[0] if args else Any
        return {"type": "array", "items": schema_for(item)}
    if origin in (dict, Mapping) or hint is dict:
        return {"type": "object"}
    if origin in (Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        if len(members) == 1:
            return schema_for(members[0])
        return {"anyOf": [schema_for(a) for a in members]}
    if isinstance(hint, type) and attrs.has(hint):
        attrs.resolve_types(hint)
        properties = {}
        required = []
        for field in attrs.fields(hint):
            properties[field.name] = schema_for(field.type)
            if field.default is attrs.NOTHING and not _is_optional(field.type):
                required.append(field.name)
        out: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            out["required"] = required
        return out
    raise ToolDefinitionError(
        f"type {_type_name(hint)} has no JSON schema here; use str, int, float, bool, "
        "Literal, Enum, list, dict, an attrs class, or Optional of those"
    )


# ----------------------------------------------------------------- execution


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, enum.Enum):
        value = value.value
    try:
        return json.dumps(converter.unstructure(value), ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


async def _call_one(
    spec: ToolSpec | None, call: ToolCallRequest, handler: Any, default_timeout: float | None
) -> ToolOutput:
    if spec is None:
        return ToolOutput(call.id, f"error: there is no tool named {call.name!r}", ok=False)
    try:
        kwargs = spec.parse_arguments(call.arguments)
    except ToolArgumentError as exc:
        return ToolOutput(call.id, f"error: bad arguments for {spec.name}: {exc}", ok=False)
    target = spec.fn.__get__(handler) if spec.bound else spec.fn
    limit = spec.timeout if spec.timeout is not None else default_timeout
    try:
        with anyio.fail_after(limit if limit is not None and math.isfinite(limit) else None):
            if spec.is_async:
                value = await target(**kwargs)
            else:
                value = target(**kwargs)
    except TimeoutError:
        log.warning("tool %s timed out after %ss (call %s)", spec.name, limit, call.id)
        return ToolOutput(call.id, f"error: tool {spec.name} timed out after {limit}s", ok=False)
    except Exception as exc:
        log.warning("tool %s failed (call %s): %r", spec.name, call.id, exc)
        return ToolOutput(call.id, f"error: tool {spec.name} failed: {exc!r}", ok=False)
    return ToolOutput(call.id, _render(value))


async def execute(
    tools: Mapping[str, ToolSpec],
    calls: Sequence[ToolCallRequest],
    handler: Any,
    *,
    default_timeout: float | None = DEFAULT_TOOL_TIMEOUT,
) -> list[ToolOutput]:
    """Run every call concurrently; return one output per call, in the calls' order."""
    results: list[ToolOutput | None] = [None] * len(calls)

    async def run(i: int, call: ToolCallRequest) -> None:
        results[i] = await _call_one(tools.get(call.name), call, handler, default_timeout)

    async with anyio.create_task_group() as group:
        for i, call in enumerate(calls):
            group.start_soon(run, i, call)
    outputs = [r for r in results if r is not None]
    if len(outputs) != len(calls):  # pragma: no cover - every task writes its slot or raises
        raise RuntimeError("a tool call finished without an output")
    return outputs
