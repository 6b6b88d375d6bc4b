"""Tool rules a real server and a real service rely on: timeouts, threads, names, strict schemas.

Every call gets exactly one output: a tool that hangs, blocks, recurses, returns the
unrenderable or raises CancelledError itself still gives the model an error output.
"""

from __future__ import annotations

import logging
import math
import sys
import threading
import time

import anyio
import attrs
import pytest

import assistants_events as ae
from assistants_events.tool_calls import ToolCallRequest


def call(name: str, arguments: str = "{}", call_id: str = "call_1") -> ToolCallRequest:
    return ToolCallRequest(call_id, name, arguments)


async def test_the_handlers_tool_timeout_cuts_a_tool_without_its_own() -> None:
    class Bot(ae.EventHandler):
        tool_timeout = 0.05

        @ae.tool
        async def slow(self) -> str:
            await anyio.sleep(30)
            return "never"

    [output] = await Bot().call_tools([call("slow")])
    assert not output.ok and "timed out after 0.05s" in output.output


def test_a_tool_without_its_own_timeout_defers_to_the_handler() -> None:
    class Bot(ae.EventHandler):
        tool_timeout = 300.0

        @ae.tool
        async def slow(self) -> str:
            return "x"

    assert Bot.tool_specs()["slow"].timeout is None


async def test_a_tools_own_timeout_wins_over_the_handlers() -> None:
    class Bot(ae.EventHandler):
        tool_timeout = 300.0

        @ae.tool(timeout=0.05)
        async def slow(self) -> str:
            await anyio.sleep(30)
            return "never"

    [output] = await Bot().call_tools([call("slow")])
    assert "timed out after 0.05s" in output.output


async def test_sync_tools_run_concurrently_in_worker_threads() -> None:
    barrier = threading.Barrier(2, timeout=10)

    class Bot(ae.EventHandler):
        @ae.tool
        def meet(self, who: str) -> str:
            barrier.wait()  # only returns once both calls are in it at the same time
            return who

    outputs = await Bot().call_tools([call("meet", '{"who": "a"}', "c1"),
                                      call("meet", '{"who": "b"}', "c2")])  # fmt: skip
    assert [o.output for o in outputs] == ["a", "b"]


async def test_a_blocking_sync_tool_is_cut_by_its_timeout() -> None:
    class Bot(ae.EventHandler):
        @ae.tool(timeout=0.05)
        def block(self) -> str:
            time.sleep(0.5)
            return "late"

    [output] = await Bot().call_tools([call("block")])
    assert not output.ok and "timed out" in output.output


def test_a_tool_name_outside_the_apis_alphabet_is_refused() -> None:
    with pytest.raises(ae.ToolDefinitionError, match="ASCII"):

        class Bot(ae.EventHandler):
            @ae.tool(name="größe")
            async def size(self) -> str:
                return ""


def test_a_tool_name_longer_than_64_characters_is_refused() -> None:
    with pytest.raises(ae.ToolDefinitionError):
        ae.tool(name="x" * 65)(lambda self: "")


@attrs.frozen
class Address:
    street: str
    zip_code: str | None = None


def test_a_strict_tool_schema_is_closed_and_requires_every_property() -> None:
    class Bot(ae.EventHandler):
        @ae.tool(strict=True)
        async def ship(self, to: Address, note: str | None, count: int = 1) -> str:
            return ""

    definition = Bot.tool_definitions()[0]["function"]
    params = definition["parameters"]
    assert definition["strict"] is True
    assert params["additionalProperties"] is False
    assert params["required"] == ["to", "note", "count"]
    assert params["properties"]["note"]["type"] == ["string", "null"]
    assert params["properties"]["count"]["type"] == ["integer", "null"]
    nested = params["properties"]["to"]
    assert nested["additionalProperties"] is False
    assert nested["required"] == ["street", "zip_code"]
    assert nested["properties"]["zip_code"]["type"] == ["string", "null"]


async def test_a_strict_tool_reads_null_as_the_default() -> None:
    class Bot(ae.EventHandler):
        @ae.tool(strict=True)
        async def repeat(self, word: str, times: int = 2) -> str:
            return word * times

    [output] = await Bot().call_tools([call("repeat", '{"word": "ab", "times": null}')])
    assert output.output == "abab"


def test_a_strict_tool_refuses_free_form_dicts() -> None:
    with pytest.raises(ae.ToolDefinitionError, match="strict"):

        class Bot(ae.EventHandler):
            @ae.tool(strict=True)
            async def store(self, blob: dict) -> str:  # type: ignore[type-arg]
                return ""


async def test_deeply_nested_arguments_give_an_error_output() -> None:
    class Bot(ae.EventHandler):
        @ae.tool
        async def take(self, items: list[int]) -> str:
            return "ok"

    arguments = '{"items": ' + "[" * 100_000 + "]" * 100_000 + "}"
    [output] = await Bot().call_tools([call("take", arguments)])
    assert not output.ok and "nested too deeply" in output.output


async def test_a_result_that_cannot_be_rendered_gives_an_error_output() -> None:
    class Bot(ae.EventHandler):
        @ae.tool
        async def deep(self) -> list:  # type: ignore[type-arg]
            value: list = []  # type: ignore[type-arg]
            for _ in range(100_000):
                value = [value]
            return value

    [output] = await Bot().call_tools([call("deep")])
    assert not output.ok and "RecursionError" in output.output


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Task.cancelling() is 3.11+")
async def test_a_tool_raising_cancelled_error_itself_gives_an_error_output() -> None:
    import asyncio

    class Bot(ae.EventHandler):
        @ae.tool
        async def quits(self) -> str:
            raise asyncio.CancelledError

    [output] = await Bot().call_tools([call("quits")])
    assert not output.ok and "CancelledError" in output.output


async def test_a_failing_tool_tells_the_model_the_type_and_message_and_logs_the_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Bot(ae.EventHandler):
        @ae.tool
        async def broken(self) -> str:
            raise ValueError("no such city")

    with caplog.at_level(logging.WARNING, logger="assistants_events"):
        [output] = await Bot().call_tools([call("broken")])
    assert output.output == "error: tool broken failed: ValueError: no such city"
    assert any(r.exc_info and r.exc_info[0] is ValueError for r in caplog.records)


async def test_on_tool_error_chooses_what_the_model_reads() -> None:
    class Bot(ae.EventHandler):
        def on_tool_error(self, call: ToolCallRequest, error: BaseException) -> str:
            return f"sorry, {call.name} is down"

        @ae.tool
        async def broken(self) -> str:
            raise ValueError("secret internals")

    [output] = await Bot().call_tools([call("broken")])
    assert output.output == "sorry, broken is down" and not output.ok


async def test_on_tool_error_raising_fails_the_calls_with_that_exception() -> None:
    class Fatal(Exception):
        pass

    class Bot(ae.EventHandler):
        def on_tool_error(self, call: ToolCallRequest, error: BaseException) -> str:
            raise Fatal(call.name)

        @ae.tool
        async def broken(self) -> str:
            raise ValueError("x")

        @ae.tool
        async def fine(self) -> str:
            await anyio.sleep(30)
            return "never reached: cancelled with the run"

    with pytest.raises(Fatal, match="broken"):
        await Bot().call_tools([call("broken", call_id="c1"), call("fine", call_id="c2")])


def test_an_infinite_tool_timeout_means_no_limit() -> None:
    from assistants_events.tool_calls import _limit

    class Bot(ae.EventHandler):
        @ae.tool(timeout=math.inf)
        async def forever(self) -> str:
            return ""

    assert _limit(Bot.tool_specs()["forever"], 60.0) is None


def test_the_tool_decorator_keeps_the_functions_type() -> None:
    async def plain(self: object, city: str) -> str:
        return city

    decorated = ae.tool(plain)
    configured = ae.tool(timeout=1)(plain)
    assert decorated is plain and configured is plain
