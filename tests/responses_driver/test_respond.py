"""`respond()`: one response, or a tool loop over `previous_response_id` / `conversation`."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

import assistants_events as ae
from assistants_events.responses import models as m
from assistants_events.testing import MockAssistantsServer, ModelContext, Reply

from .helpers import Weather, call_ids, client_for, served

TWO_CITIES = Reply.calls(("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Oslo"}))


@pytest.fixture
async def server() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer() as mock:
        yield mock


async def test_a_text_response_streams_through_the_handler(server: MockAssistantsServer) -> None:
    bot = Weather()
    async with client_for(server) as client:
        result = await bot.respond(client, model="gpt-4.1", input="hello there")
    assert result.text == bot.text == "Echo: hello there"
    assert result.done and isinstance(result.response, m.Response)
    assert result.response.status == "completed"
    assert len(result.responses) == 1 and len(server.responses) == 1


async def test_module_function_and_handler_method_drive_alike(server: MockAssistantsServer) -> None:
    async with client_for(server) as client:
        by_method = await Weather().respond(client, model="gpt-4.1", input="same words")
        by_function = await ae.respond(client, Weather(), model="gpt-4.1", input="same words")
    assert by_method.text == by_function.text == "Echo: same words"


async def test_two_parallel_calls_are_answered_once_each_in_call_order() -> None:
    async with MockAssistantsServer(script=[TWO_CITIES, "Both sunny."]) as server:
        bot = Weather()
        async with client_for(server) as client:
            result = await bot.respond(client, model="gpt-4.1", input="weather?")
        first, second = result.responses
        asked = [c.call_id for c in first.function_calls]
        assert len(asked) == 2 and call_ids(server) == asked
        outputs = server.function_outputs(second.id)
        assert [o["output"] for o in outputs] == ["sunny in Paris", "sunny in Oslo"]
        assert sorted(bot.calls) == ["Oslo", "Paris"]
        assert result.text == "Both sunny."


async def test_outputs_answer_call_ids_not_item_ids() -> None:
    async with served(script=[TWO_CITIES, "ok"]) as (server, client):
        result = await Weather().respond(client, model="gpt-4.1", input="weather?")
        items = {c.id for c in result.responses[0].function_calls}
        assert items and not items & set(call_ids(server))


async def test_the_next_response_continues_the_previous_one() -> None:
    async with served(script=[TWO_CITIES, "ok"]) as (server, client):
        result = await Weather().respond(client, model="gpt-4.1", input="weather?")
        first, second = result.responses
        assert server.responses[second.id]["previous_response_id"] == first.id


async def test_tools_run_concurrently() -> None:
    both_started = anyio.Event()
    started: list[str] = []

    class Waiting(Weather):
        @ae.tool
        async def get_weather(self, city: str) -> str:
            """The weather in a city (waits for the other call to start)."""
            started.append(city)
            if len(started) == 2:
                both_started.set()
            with anyio.fail_after(10):  # a sequential runner would stall here
                await both_started.wait()
            return f"sunny in {city}"

    async with served(script=[TWO_CITIES, "ok"]) as (_, client):
        result = await Waiting().respond(client, model="gpt-4.1", input="weather?")
    assert sorted(started) == ["Oslo", "Paris"] and result.text == "ok"


async def test_usage_sums_every_response_of_the_loop() -> None:
    async with served(script=[TWO_CITIES, "ok"]) as (_, client):
        result = await Weather().respond(client, model="gpt-4.1", input="weather?")
    totals = [r.usage.total_tokens for r in result.responses if r.usage is not None]
    assert result.usage is not None and result.usage.total_tokens == sum(totals) > 0


async def test_max_tool_rounds_raises_naming_the_response() -> None:
    always = Reply.calls(("get_weather", {"city": "Paris"}))
    async with served(script=[always]) as (server, client):
        with pytest.raises(ae.ToolRoundsExceeded, match="after 2 round") as caught:
            await Weather().respond(client, model="gpt-4.1", input="x", max_tool_rounds=2)
        assert len(server.responses) == 3  # the first, then two answered rounds
        last = list(server.responses)[-1]
        assert caught.value.response_id == last and caught.value.remote_cancel_sent is False


async def test_zero_tool_rounds_answers_nothing() -> None:
    async with served(script=[TWO_CITIES]) as (server, client):
        with pytest.raises(ae.ToolRoundsExceeded):
            await Weather().respond(client, model="gpt-4.1", input="x", max_tool_rounds=0)
        assert call_ids(server) == []


async def test_the_handlers_tools_are_sent_in_the_responses_shape(
    server: MockAssistantsServer,
) -> None:
    async with client_for(server) as client:
        result = await Weather().respond(client, model="gpt-4.1", input="hi")
    assert result.response is not None
    (sent,) = server.responses[result.response.id]["tools"]
    assert sent["type"] == "function" and sent["name"] == "get_weather"
    assert "function" not in sent and sent["parameters"]["properties"]["city"]


async def test_built_in_tools_pass_through_alongside_the_functions(
    server: MockAssistantsServer,
) -> None:
    async with client_for(server) as client:
        result = await Weather().respond(
            client, model="gpt-4.1", input="hi",
            tools=[{"type": "web_search"}, {"type": "file_search", "vector_store_ids": ["vs_1"]}],
        )  # fmt: skip
    assert result.response is not None
    sent = server.responses[result.response.id]["tools"]
    assert [t["type"] for t in sent] == ["web_search", "file_search", "function"]
    assert sent[1]["vector_store_ids"] == ["vs_1"] and sent[2]["name"] == "get_weather"


async def test_a_given_function_replaces_the_handlers_own_of_that_name(
    server: MockAssistantsServer,
) -> None:
    mine = {"type": "function", "name": "get_weather", "description": "Mine.",
            "parameters": {"type": "object", "properties": {}}}  # fmt: skip
    async with client_for(server) as client:
        result = await Weather().respond(client, model="gpt-4.1", input="hi", tools=[mine])
    assert result.response is not None
    (sent,) = server.responses[result.response.id]["tools"]
    assert (sent["name"], sent["description"]) == ("get_weather", "Mine.")


async def test_an_assistants_shaped_function_is_flattened(server: MockAssistantsServer) -> None:
    nested = {"type": "function", "function": {"name": "other", "parameters": {"type": "object"}}}
    async with client_for(server) as client:
        result = await Weather().respond(client, model="gpt-4.1", input="hi", tools=[nested])
    assert result.response is not None
    sent = server.responses[result.response.id]["tools"]
    assert [(t["type"], t["name"]) for t in sent] == [("function", "other"),
                                                      ("function", "get_weather")]  # fmt: skip


async def test_a_conversation_carries_the_tool_loop() -> None:
    seen: list[int] = []

    def model(context: ModelContext) -> Reply:
        seen.append(len(context.messages))
        if context.tool_outputs:
            return Reply(text="noted")
        return TWO_CITIES

    async with served(script=model) as (server, client):
        conversation = await client.request("POST", "/conversations", {})
        result = await Weather().respond(client, model="gpt-4.1", input="weather?",
                                         conversation=conversation["id"])  # fmt: skip
        for response in result.responses:
            stored = server.responses[response.id]
            assert stored["conversation"]["id"] == conversation["id"]
            assert stored.get("previous_response_id") is None
        assert result.text == "noted" and len(call_ids(server)) == 2


async def test_request_parameters_go_into_every_round() -> None:
    async with served(script=[TWO_CITIES, "ok"]) as (server, client):
        result = await Weather().respond(client, model="gpt-4.1", input="x",
                                         instructions="Be brief.", temperature=0.2,
                                         metadata={"job": "7"})  # fmt: skip
        for response in result.responses:
            stored = server.responses[response.id]
            assert (stored["instructions"], stored["temperature"], stored["metadata"]) == (
                "Be brief.", 0.2, {"job": "7"})  # fmt: skip


async def test_each_respond_starts_the_handler_afresh(server: MockAssistantsServer) -> None:
    bot = Weather()
    async with client_for(server) as client:
        await bot.respond(client, model="gpt-4.1", input="one")
        result = await bot.respond(client, model="gpt-4.1", input="two")
    assert len(result.responses) == 1 and result.text == "Echo: two"


async def test_a_second_drive_of_the_same_handler_at_once_is_refused() -> None:
    gate, asked = anyio.Event(), anyio.Event()

    class Slow(Weather):
        @ae.tool
        async def get_weather(self, city: str) -> str:
            """Waits for the test."""
            asked.set()
            await gate.wait()
            return "ok"

    script = [Reply.calls(("get_weather", {"city": "Paris"})), "done"]
    async with served(script=script) as (_, client):
        bot = Slow()
        first = asyncio.create_task(bot.respond(client, model="gpt-4.1", input="x"))
        with anyio.fail_after(10):
            await asked.wait()
        with pytest.raises(ae.ConfigurationError, match="already driving"):
            await bot.respond(client, model="gpt-4.1", input="y")
        gate.set()
        assert (await first).text == "done"


async def test_a_failed_response_is_returned_not_raised() -> None:
    async with served(faults=ae.testing.Faults(run_outcome="failed")) as (_, client):
        result = await Weather().respond(client, model="gpt-4.1", input="x")
    assert result.response is not None and result.response.status == "failed"


async def test_an_error_event_raises_stream_error_naming_the_response() -> None:
    async with served(faults=ae.testing.Faults(error_after=5)) as (server, client):
        with pytest.raises(ae.StreamError) as caught:
            await Weather().respond(client, model="gpt-4.1", input="a b c d e f")
    (rid,) = server.responses
    assert caught.value.response_id == rid and caught.value.remote_cancel_sent is False


async def test_a_failing_handler_propagates_with_the_response_id(
    server: MockAssistantsServer,
) -> None:
    class Broken(Weather):
        @ae.on("response.output_text.delta")
        def collect(self, event: ae.Event) -> None:
            raise ValueError("boom")

    async with client_for(server) as client:
        with pytest.raises(ae.HandlerError, match="boom") as caught:
            await Broken().respond(client, model="gpt-4.1", input="a b c")
    (rid,) = server.responses
    assert caught.value.response_id == rid


async def test_the_first_response_continues_a_given_previous_response(
    server: MockAssistantsServer,
) -> None:
    async with client_for(server) as client:
        earlier = await client.create_response(model="gpt-4.1", input="first")
        result = await Weather().respond(client, model="gpt-4.1", input="second",
                                         previous_response_id=earlier.id)  # fmt: skip
    assert result.response is not None
    assert server.responses[result.response.id]["previous_response_id"] == earlier.id


async def test_with_store_false_each_round_resends_the_whole_context() -> None:
    async with served(script=[TWO_CITIES, "Both sunny."]) as (server, client):
        result = await Weather().respond(client, model="gpt-4.1", input="weather?", store=False)
    first, second = result.responses
    stored = server.responses[second.id]
    assert stored["previous_response_id"] is None and result.text == "Both sunny."
    sent = server.responses_api.store.responses[second.id].input_items
    kinds = [item.get("type") for item in sent]
    assert kinds == ["message", "function_call", "function_call", "function_call_output",
                     "function_call_output"]  # fmt: skip
    assert [o["call_id"] for o in server.function_outputs(second.id)] == [
        c.call_id for c in first.function_calls
    ]


async def test_with_store_false_three_rounds_resend_each_item_once() -> None:
    paris = Reply.calls(("get_weather", {"city": "Paris"}))
    oslo = Reply.calls(("get_weather", {"city": "Oslo"}))
    async with served(script=[paris, oslo, "done"]) as (server, client):
        result = await Weather().respond(client, model="gpt-4.1", input="weather?", store=False)
    last = server.responses_api.store.responses[result.responses[-1].id].input_items
    assert [item.get("type") for item in last] == [
        "message", "function_call", "function_call_output", "function_call",
        "function_call_output",
    ]  # fmt: skip
    assert result.text == "done"


def test_handler_respond_takes_the_drivers_keywords_and_defaults() -> None:
    def keywords(function: Any) -> dict[str, Any]:
        parameters = inspect.signature(function).parameters.values()
        return {p.name: p.default for p in parameters if p.kind is p.KEYWORD_ONLY}

    assert keywords(ae.EventHandler.respond) == keywords(ae.respond)


async def test_the_clients_usage_tracker_counts_every_response_of_a_tool_loop() -> None:
    tracker = ae.UsageTracker()
    async with (
        MockAssistantsServer() as server,
        ae.AssistantsClient("key", server.url, usage_tracker=tracker) as client,
    ):

        class Weather(ae.EventHandler):
            @ae.tool
            async def get_weather(self, city: str) -> str:
                return f"sunny in {city}"

        result = await Weather().respond(
            client, model="gpt-4.1", input='get_weather {"city": "Paris"}'
        )
    assert len(result.responses) == 2
    summed = sum(r.usage.total_tokens for r in result.responses if r.usage is not None)
    assert tracker.total.total_tokens == summed > 0
    assert set(tracker.by_model) == {"gpt-4.1"} and set(tracker.by_assistant) == {"responses"}
