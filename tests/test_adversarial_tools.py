"""Adversarial checks of the tool layer: strict schemas, odd tools, odd error hooks."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import attrs
import pytest

import assistants_events as ae
from assistants_events.tool_calls import ToolCallRequest


@attrs.frozen
class Options:
    units: str = "metric"
    days: int = 1


@attrs.frozen
class Place:
    city: str
    options: list[Options] = attrs.field(factory=list)


@attrs.define
class Node:
    name: str
    children: list[Node]


def plain_wrapper(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A decorator as users write them: a plain function passing the call on."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


class StrictWeather(ae.EventHandler):
    @ae.tool(strict=True)
    def forecast(self, city: str, options: Options) -> str:
        return f"{city}: {options.units}, {options.days} day(s)"

    @ae.tool(strict=True)
    def forecasts(self, place: Place) -> str:
        return ", ".join(f"{o.units}/{o.days}" for o in place.options)


async def test_strict_null_for_a_nested_field_with_a_default_means_the_default() -> None:
    # The strict schema makes `units` required as ["string", "null"]: null is the
    # model's way of saying "the default", as it is for top-level arguments.
    schema = StrictWeather.tool_specs()["forecast"].parameters
    assert schema["properties"]["options"]["properties"]["units"]["type"] == ["string", "null"]
    arguments = json.dumps({"city": "Paris", "options": {"units": None, "days": None}})
    [output] = await StrictWeather().call_tools([ToolCallRequest("c1", "forecast", arguments)])
    assert (output.ok, output.output) == (True, "Paris: metric, 1 day(s)")


async def test_strict_null_defaults_apply_inside_lists_of_objects() -> None:
    arguments = json.dumps({"place": {"city": "Oslo", "options": [{"units": None, "days": 3}]}})
    [output] = await StrictWeather().call_tools([ToolCallRequest("c1", "forecasts", arguments)])
    assert (output.ok, output.output) == (True, "metric/3")


def test_a_recursive_attrs_argument_is_a_tool_definition_error() -> None:
    with pytest.raises(ae.ToolDefinitionError, match="Node contains itself"):

        class Trees(ae.EventHandler):
            @ae.tool
            def walk(self, root: Node) -> str:
                return root.name


async def test_a_coroutine_function_behind_a_plain_decorator_is_awaited() -> None:
    ran: list[int] = []

    class Bot(ae.EventHandler):
        @ae.tool
        @plain_wrapper
        async def count(self, n: int) -> str:
            ran.append(n)
            return f"counted {n}"

    [output] = await Bot().call_tools([ToolCallRequest("c1", "count", '{"n": 3}')])
    assert (output.ok, output.output, ran) == (True, "counted 3", [3])


async def test_on_tool_error_returning_no_text_is_a_configuration_error() -> None:
    class Forgetful(ae.EventHandler):
        @ae.tool
        def broken(self) -> str:
            raise ValueError("down")

        def on_tool_error(self, call: ToolCallRequest, error: BaseException) -> str:
            print(f"{call.name} failed")  # and forgot to return the text
            return None  # type: ignore[return-value]

    with pytest.raises(ae.ConfigurationError, match="on_tool_error returned NoneType"):
        await Forgetful().call_tools([ToolCallRequest("c1", "broken", "{}")])


async def test_an_exception_whose_str_fails_still_becomes_an_error_output() -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no text")

    class Bot(ae.EventHandler):
        @ae.tool
        def odd(self) -> str:
            raise Unprintable

    [output] = await Bot().call_tools([ToolCallRequest("c1", "odd", "{}")])
    assert (output.ok, output.output) == (False, "error: tool odd failed: Unprintable")


@pytest.mark.parametrize("arguments", [None, 7, {"city": "Paris"}])
async def test_arguments_that_are_not_a_string_become_an_error_output(arguments: Any) -> None:
    call = ToolCallRequest("c1", "forecast", arguments)
    [output] = await StrictWeather().call_tools([call])
    assert not output.ok and output.output.startswith("error: bad arguments for forecast")


def test_a_tuple_of_different_item_types_is_a_tool_definition_error() -> None:
    # Its schema said "array of int": the model sent [1, 2] and the tool got (1, "2").
    with pytest.raises(ae.ToolDefinitionError, match="mixes item types"):

        class Pairs(ae.EventHandler):
            @ae.tool
            def label(self, pair: tuple[int, str]) -> str:
                return f"{pair[0]}={pair[1]}"


async def test_a_tuple_of_one_item_type_is_still_an_array() -> None:
    class Points(ae.EventHandler):
        @ae.tool
        def add(self, point: tuple[int, int], more: tuple[int, ...] = ()) -> str:
            return str(sum(point) + sum(more))

    schema = Points.tool_specs()["add"].parameters["properties"]["point"]
    assert schema == {"type": "array", "items": {"type": "integer"}}
    [output] = await Points().call_tools([ToolCallRequest("c1", "add", '{"point": [1, 2]}')])
    assert output.output == "3"
