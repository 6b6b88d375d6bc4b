"""@tool: schemas from type hints, arguments structured, problems told to the model."""

from __future__ import annotations

import enum
from typing import Annotated, Literal

import anyio
import attrs
import pytest

import assistants_events as ae
from assistants_events.tool_calls import ToolCallRequest, execute
from assistants_events.tool_schema import schema_for


class Unit(enum.Enum):
    C = "c"
    F = "f"


@attrs.frozen
class Place:
    city: str
    country: str | None = None


class Bot(ae.EventHandler):
    @ae.tool
    async def get_weather(self, city: str, unit: Literal["c", "f"] = "c") -> str:
        """Weather for a city."""
        return f"18°{unit} in {city}"

    @ae.tool(name="add_numbers", description="Adds.", timeout=5)
    def add(self, a: int, b: float, exact: bool = False) -> float:
        return a + b

    @ae.tool
    def visit(self, places: list[Place], unit: Unit, note: Annotated[str, "why"] = "") -> dict:  # type: ignore[type-arg]
        return {"n": len(places), "unit": unit.value, "first": places[0].city}


def lambda_free_tool(x: int) -> int:
    """Doubles."""
    return 2 * x


def spec(name: str) -> ae.ToolSpec:
    return Bot().tool_specs()[name]


def test_name_description_and_schema_come_from_the_function() -> None:
    definition = spec("get_weather").definition()
    assert definition == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "unit": {"type": "string", "enum": ["c", "f"]},
                },
                "required": ["city"],
            },
        },
    }


def test_name_and_description_can_be_overridden() -> None:
    function = spec("add_numbers").definition()["function"]
    assert (function["name"], function["description"]) == ("add_numbers", "Adds.")
    assert function["parameters"]["properties"] == {
        "a": {"type": "integer"}, "b": {"type": "number"}, "exact": {"type": "boolean"},
    }  # fmt: skip
    assert function["parameters"]["required"] == ["a", "b"]


def test_nested_attrs_lists_enums_and_annotations_have_schemas() -> None:
    properties = spec("visit").parameters["properties"]
    assert properties["places"] == {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
            "required": ["city"],
        },
    }
    assert properties["unit"] == {"type": "string", "enum": ["c", "f"]}
    assert properties["note"] == {"type": "string", "description": "why"}


def test_optional_arguments_are_not_required() -> None:
    def f(a: str | None, b: int = 3) -> str:
        return ""

    router = ae.Router()
    router.tool(f)
    assert "required" not in router.tools["f"].parameters


def test_tool_definitions_list_every_tool() -> None:
    names = [d["function"]["name"] for d in Bot().tool_definitions()]
    assert names == ["get_weather", "add_numbers", "visit"]


def test_tool_definitions_work_on_the_class_too() -> None:
    assert Bot.tool_definitions() == Bot().tool_definitions()


def test_instance_router_tools_are_only_the_instance_s() -> None:
    router = ae.Router()
    router.tool(lambda_free_tool)
    bot = Bot()
    bot.include_router(router)
    assert "lambda_free_tool" in bot.tool_specs() and "lambda_free_tool" not in Bot.tool_specs()


def test_unsupported_type_is_a_definition_error_naming_the_argument() -> None:
    with pytest.raises(ae.ToolDefinitionError, match="argument 'when'"):

        class Bad(ae.EventHandler):
            @ae.tool
            def f(self, when: complex) -> str:
                return ""


def test_missing_type_hint_is_a_definition_error() -> None:
    with pytest.raises(ae.ToolDefinitionError, match="needs a type hint"):

        class Bad(ae.EventHandler):
            @ae.tool
            def f(self, x) -> str:  # type: ignore[no-untyped-def]
                return ""


def test_schema_for_rejects_unknown_types_clearly() -> None:
    with pytest.raises(ae.ToolDefinitionError, match="no JSON schema"):
        schema_for(bytes)


async def call(name: str, arguments: str, handler: ae.EventHandler | None = None) -> ae.ToolOutput:
    bot = handler or Bot()
    (output,) = await execute(bot.tool_specs(), [ToolCallRequest("c1", name, arguments)], bot)
    return output


async def test_arguments_are_structured_into_declared_types() -> None:
    output = await call("visit", '{"places": [{"city": "Oslo"}], "unit": "f"}')
    assert output.ok and output.output == '{"n": 1, "unit": "f", "first": "Oslo"}'


async def test_string_results_are_sent_as_is() -> None:
    output = await call("get_weather", '{"city": "Paris", "unit": "f"}')
    assert output == ae.ToolOutput("c1", "18°f in Paris")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1]", "must be a JSON object"),
        ("{}", "missing required argument 'city'"),
        ('{"city": 5}', "argument 'city' should be str"),
        ('{"city": "x", "unit": "kelvin"}', "argument 'unit'"),
        ('{"city": "x", "planet": "mars"}', "unexpected argument(s) planet"),
    ],
)
async def test_bad_arguments_become_an_error_output(arguments: str, message: str) -> None:
    output = await call("get_weather", arguments)
    assert not output.ok and output.output.startswith("error: bad arguments for get_weather")
    assert message in output.output


async def test_unknown_tool_gets_an_error_output_naming_it() -> None:
    output = await call("launch_rocket", "{}")
    assert not output.ok and "no tool named 'launch_rocket'" in output.output


async def test_exception_in_a_tool_becomes_an_error_output() -> None:
    class Failing(ae.EventHandler):
        @ae.tool
        def explode(self) -> str:
            raise RuntimeError("kaboom")

    output = await call("explode", "{}", Failing())
    assert not output.ok and "tool explode failed" in output.output and "kaboom" in output.output


async def test_slow_tool_times_out_into_an_error_output() -> None:
    class Slow(ae.EventHandler):
        @ae.tool(timeout=0.05)
        async def wait(self) -> str:
            await anyio.sleep(30)
            return "never"

    output = await call("wait", "{}", Slow())
    assert not output.ok and "timed out after 0.05s" in output.output


async def test_calls_of_one_batch_run_concurrently_and_keep_their_order() -> None:
    started: dict[str, anyio.Event] = {"a": anyio.Event(), "b": anyio.Event()}

    class Pair(ae.EventHandler):
        @ae.tool
        async def meet(self, me: str, other: str) -> str:
            started[me].set()
            with anyio.fail_after(5):  # deadlocks (and fails) if the calls ran one by one
                await started[other].wait()
            return me

    bot = Pair()
    calls = [ToolCallRequest("1", "meet", '{"me": "a", "other": "b"}'),
             ToolCallRequest("2", "meet", '{"me": "b", "other": "a"}')]  # fmt: skip
    outputs = await execute(bot.tool_specs(), calls, bot)
    assert [(o.tool_call_id, o.output) for o in outputs] == [("1", "a"), ("2", "b")]


async def test_router_tools_are_answered_too() -> None:
    router = ae.Router()

    @router.tool
    def shout(text: str) -> str:
        """Upper-case the text."""
        return text.upper()

    bot = Bot()
    bot.include_router(router)
    assert await call("shout", '{"text": "hi"}', bot) == ae.ToolOutput("c1", "HI")
    assert "shout" in [d["function"]["name"] for d in bot.tool_definitions()]
