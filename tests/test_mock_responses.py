"""The mock server's Responses API: SDK-valid streams, background + resume + cancel, faults."""

from __future__ import annotations

import asyncio
import functools
import json
import typing
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import openai
import pydantic
import pytest
from openai.types.responses import FunctionToolParam, ResponseStreamEvent

import assistants_events as ae
from assistants_events.testing import Faults, MockAssistantsServer, ModelContext, Reply

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}
# The SDK's union is discriminated by `type` (its own PropertyInfo, which pydantic does not
# read): validating against the member that `type` names is what the discriminator does.
SDK_EVENTS = {
    typing.get_args(member.model_fields["type"].annotation)[0]: member
    for member in typing.get_args(typing.get_args(ResponseStreamEvent)[0])
}


@functools.cache
def adapter(event_type: str) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(SDK_EVENTS[event_type])


def validate_strictly(data: dict[str, Any]) -> None:
    """Validate one event with `strict=True` against the SDK's `ResponseStreamEvent`."""
    adapter(data["type"]).validate_python(data, strict=True)


Events = list[tuple[str, dict[str, Any]]]


@pytest.fixture
async def server() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer() as mock:
        yield mock


@pytest.fixture
async def sdk(server: MockAssistantsServer) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=server.url, api_key="x", max_retries=2) as client:
        yield client


async def call(server: MockAssistantsServer, method: str, path: str, body: Any = None,
               headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:  # fmt: skip
    """One raw request: status, JSON body (or None) and the raw bytes (up to a drop)."""
    headers = {"Authorization": "Bearer k", **(headers or {})}
    url = server.url + path
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, url, json=body, headers=headers) as answer,
    ):
        raw = b""
        try:
            async for chunk in answer.content.iter_any():
                raw += chunk
        except aiohttp.ClientPayloadError:
            pass  # a dropped stream: what arrived is the answer
    try:
        return answer.status, json.loads(raw), raw
    except ValueError:
        return answer.status, None, raw


def events_of(raw: bytes) -> Events:
    return [(e.event or "", json.loads(e.data)) for e in ae.SSEDecoder().feed(raw)]


async def stream(server: MockAssistantsServer, headers: dict[str, str] | None = None,
                 **body: Any) -> Events:  # fmt: skip
    status, _, raw = await call(server, "POST", "/responses",
                                {"model": "gpt-4.1", "stream": True, **body}, headers)  # fmt: skip
    assert status == 200, raw
    return events_of(raw)


def names(events: Events) -> list[str]:
    return [name for name, _ in events]


async def weather_call(server: MockAssistantsServer) -> dict[str, Any]:
    """A completed response that asks for get_weather(Oslo)."""
    status, response, _ = await call(server, "POST", "/responses", {
        "model": "gpt-4.1", "input": 'get_weather {"city": "Oslo"}', "tools": [WEATHER_TOOL],
    })  # fmt: skip
    assert status == 200
    return dict(response)


def output(call_id: str, text: str = "rain") -> dict[str, Any]:
    return {"type": "function_call_output", "call_id": call_id, "output": text}


# ----------------------------------------------------------------- streams


async def test_text_stream_has_the_documented_event_order(server: MockAssistantsServer) -> None:
    events = await stream(server, input="hello big world")
    assert names(events) == [
        "response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added", *["response.output_text.delta"] * 4,
        "response.output_text.done", "response.content_part.done",
        "response.output_item.done", "response.completed",
    ]  # fmt: skip
    assert events[-1][1]["response"]["output"][0]["content"][0]["text"] == "Echo: hello big world"


async def test_sequence_numbers_count_from_zero_without_gaps(server: MockAssistantsServer) -> None:
    events = await stream(server, input="one two three")
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))


async def test_sse_event_name_matches_the_type_field(server: MockAssistantsServer) -> None:
    events = await stream(server, input='get_weather {"city": "Oslo"}', tools=[WEATHER_TOOL])
    assert all(name == data["type"] for name, data in events)


async def test_function_call_streams_its_arguments_in_pieces(server: MockAssistantsServer) -> None:
    events = await stream(server, input='get_weather {"city": "Oslo"}', tools=[WEATHER_TOOL])
    deltas = [d["delta"] for n, d in events if n == "response.function_call_arguments.delta"]
    done = next(d for n, d in events if n == "response.function_call_arguments.done")
    assert len(deltas) > 1 and "".join(deltas) == done["arguments"] == '{"city": "Oslo"}'
    item = events[-1][1]["response"]["output"][0]
    assert (item["type"], item["name"], item["status"]) == ("function_call", "get_weather",
                                                            "completed")  # fmt: skip


async def test_background_stream_starts_queued(server: MockAssistantsServer) -> None:
    events = await stream(server, input="hi", background=True)
    assert names(events)[:3] == ["response.created", "response.queued", "response.in_progress"]
    assert events[0][1]["response"]["status"] == "queued"
    assert events[-1][1]["response"]["background"] is True


STREAM_KINDS: dict[str, tuple[dict[str, Any], Faults | None]] = {
    "text": ({"input": "plain words"}, None),
    "tool calls": ({"input": 'get_weather {"city": "Rome"}', "tools": [WEATHER_TOOL]}, None),
    "background": ({"input": "later", "background": True}, None),
    "failed": ({"input": "x"}, Faults(run_outcome="failed")),
    "incomplete": ({"input": "x"}, Faults(run_outcome="incomplete")),
    "error event": ({"input": "a b c"}, Faults(error_after=4)),
    "built-in tools": ({"input": "x", "tools": [{"type": "web_search"}, WEATHER_TOOL]}, None),
}


@pytest.mark.parametrize("kind", list(STREAM_KINDS))
async def test_every_event_validates_strictly_against_the_sdk(
    server: MockAssistantsServer, kind: str
) -> None:
    body, faults = STREAM_KINDS[kind]
    if faults is not None:
        server.inject(faults)
    events = await stream(server, **body)
    assert len(events) >= 3
    for _, data in events:
        validate_strictly(data)


async def test_resumed_stream_events_validate_strictly(server: MockAssistantsServer) -> None:
    server.inject(Faults(drop_after=3))
    first = await stream(server, input="resume me please", background=True)
    rid = first[0][1]["response"]["id"]
    status, _, raw = await call(server, "GET", f"/responses/{rid}?stream=true&starting_after=2")
    assert status == 200
    resumed = events_of(raw)
    assert resumed[0][1]["sequence_number"] == 3
    for _, data in resumed:
        validate_strictly(data)


# ------------------------------------------------------------ tool loop


async def test_tool_output_is_quoted_in_the_next_response(server: MockAssistantsServer) -> None:
    first = await weather_call(server)
    call_id = first["output"][0]["call_id"]
    status, second, _ = await call(server, "POST", "/responses", {
        "model": "gpt-4.1", "previous_response_id": first["id"], "tools": [WEATHER_TOOL],
        "input": [output(call_id, "rain in Oslo")],
    })  # fmt: skip
    assert status == 200
    assert (
        second["output"][0]["content"][0]["text"] == "Tool results: get_weather said rain in Oslo"
    )
    assert server.function_outputs(second["id"])[0]["call_id"] == call_id


async def test_a_function_call_left_unanswered_is_refused(server: MockAssistantsServer) -> None:
    first = await weather_call(server)
    status, answer, _ = await call(server, "POST", "/responses", {
        "model": "gpt-4.1", "previous_response_id": first["id"], "input": "and now?",
    })  # fmt: skip
    assert status == 400 and "No tool output found" in answer["error"]["message"]


async def test_an_output_for_an_unknown_call_is_refused(server: MockAssistantsServer) -> None:
    first = await weather_call(server)
    status, answer, _ = await call(server, "POST", "/responses", {
        "model": "gpt-4.1", "previous_response_id": first["id"],
        "input": [output(first["output"][0]["call_id"]), output("call_nope")],
    })  # fmt: skip
    assert status == 400 and "call_nope" in answer["error"]["message"]


async def test_a_call_answered_twice_is_refused(server: MockAssistantsServer) -> None:
    first = await weather_call(server)
    call_id = first["output"][0]["call_id"]
    body = {"model": "gpt-4.1", "previous_response_id": first["id"], "input": [output(call_id)]}
    assert (await call(server, "POST", "/responses", body))[0] == 200
    second = next(iter(reversed(server.responses)))
    status, answer, _ = await call(server, "POST", "/responses",
                                   {**body, "previous_response_id": second})  # fmt: skip
    assert status == 400 and "Duplicate" in answer["error"]["message"]


async def test_one_script_plays_both_protocols() -> None:
    script = [Reply.calls(("get_weather", {"city": "Lima"})), "Lima is wet."]
    async with MockAssistantsServer(script=script) as server:
        first = await weather_call(server)
        assert first["output"][0]["arguments"] == '{"city": "Lima"}'
        _, second, _ = await call(server, "POST", "/responses", {
            "model": "gpt-4.1", "previous_response_id": first["id"],
            "input": [output(first["output"][0]["call_id"])],
        })  # fmt: skip
    assert second["output"][0]["content"][0]["text"] == "Lima is wet."


async def test_script_sees_the_previous_responses_messages() -> None:
    seen: list[ModelContext] = []

    def model(context: ModelContext) -> str:
        seen.append(context)
        return "ok"

    async with MockAssistantsServer(script=model) as server:
        _, first, _ = await call(server, "POST", "/responses", {"model": "m", "input": "one"})
        await call(server, "POST", "/responses",
                   {"model": "m", "input": "two", "previous_response_id": first["id"]})  # fmt: skip
    assert [m["role"] for m in seen[1].messages] == ["user", "assistant", "user"]
    assert seen[1].last_user_text == "two"


async def test_conversation_carries_the_history(server: MockAssistantsServer) -> None:
    _, conversation, _ = await call(server, "POST", "/conversations", {})
    for text in ("first", "second"):
        status, _, _ = await call(server, "POST", "/responses",
                                  {"model": "m", "input": text,
                                   "conversation": conversation["id"]})  # fmt: skip
        assert status == 200
    _, items, _ = await call(server, "GET", f"/conversations/{conversation['id']}/items?order=asc")
    assert [i["role"] for i in items["data"]] == ["user", "assistant", "user", "assistant"]


async def test_unknown_conversation_is_404(server: MockAssistantsServer) -> None:
    status, answer, _ = await call(
        server, "POST", "/responses", {"model": "m", "input": "x", "conversation": "conv_nope"}
    )
    assert status == 404 and "conv_nope" in answer["error"]["message"]


# ------------------------------------------------------------ strictness


async def test_unknown_parameter_is_a_400_naming_it(server: MockAssistantsServer) -> None:
    status, answer, _ = await call(
        server, "POST", "/responses", {"model": "m", "input": "x", "tool": [WEATHER_TOOL]}
    )
    assert status == 400
    assert answer["error"] == {
        "message": "Unknown parameter: 'tool'.",
        "param": "tool",
        "type": "invalid_request_error",
        "code": "unknown_parameter",
    }


async def test_previous_response_and_conversation_together_are_a_400(
    server: MockAssistantsServer,
) -> None:
    _, conversation, _ = await call(server, "POST", "/conversations", {})
    _, first, _ = await call(server, "POST", "/responses", {"model": "m", "input": "x"})
    status, answer, _ = await call(server, "POST", "/responses", {
        "model": "m", "input": "y", "previous_response_id": first["id"],
        "conversation": conversation["id"],
    })  # fmt: skip
    assert status == 400
    assert "Mutually exclusive parameters" in answer["error"]["message"]
    assert answer["error"]["param"] == "conversation"


async def test_assistants_shaped_function_tool_is_a_400(server: MockAssistantsServer) -> None:
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}
    status, answer, _ = await call(
        server, "POST", "/responses", {"model": "m", "input": "x", "tools": [tool]}
    )
    assert status == 400 and answer["error"]["param"] == "tools[0].name"


async def test_missing_model_is_a_400(server: MockAssistantsServer) -> None:
    status, answer, _ = await call(server, "POST", "/responses", {"input": "x"})
    assert status == 400 and answer["error"]["param"] == "model"


def test_every_sdk_create_parameter_is_accepted() -> None:
    from openai.types.responses.response_create_params import ResponseCreateParamsBase

    from assistants_events.testing.responses_routes import RESPONSES_PARAMS

    assert set(ResponseCreateParamsBase.__annotations__) <= RESPONSES_PARAMS


# ---------------------------------------------------- retrieve, cancel, delete


async def test_non_streamed_create_answers_the_finished_response(
    server: MockAssistantsServer,
) -> None:
    status, response, _ = await call(server, "POST", "/responses", {"model": "m", "input": "hi"})
    assert status == 200 and response["status"] == "completed"
    assert server.responses[response["id"]]["status"] == "completed"


async def test_non_streamed_background_create_answers_queued(
    server: MockAssistantsServer,
) -> None:
    _, response, _ = await call(
        server, "POST", "/responses", {"model": "m", "input": "hi", "background": True}
    )
    assert response["status"] == "queued"
    _, _, raw = await call(server, "GET", f"/responses/{response['id']}?stream=true")
    assert names(events_of(raw))[-1] == "response.completed"


async def test_cancel_of_a_stalled_background_response(server: MockAssistantsServer) -> None:
    server.inject(Faults(stall_after=3, stall_seconds=60))
    _, response, _ = await call(
        server, "POST", "/responses", {"model": "m", "input": "hi", "background": True}
    )
    status, cancelled, _ = await call(server, "POST", f"/responses/{response['id']}/cancel")
    assert status == 200 and cancelled["status"] == "cancelled"
    assert server.cancelled == [response["id"]]
    _, _, raw = await call(server, "GET", f"/responses/{response['id']}?stream=true")
    assert "response.completed" not in names(events_of(raw))  # the stream just ends


async def test_cancel_of_a_foreground_response_is_a_400(server: MockAssistantsServer) -> None:
    _, response, _ = await call(server, "POST", "/responses", {"model": "m", "input": "hi"})
    status, answer, _ = await call(server, "POST", f"/responses/{response['id']}/cancel")
    assert status == 400 and "background" in answer["error"]["message"]
    assert server.cancelled == []


async def test_deleted_response_is_404(server: MockAssistantsServer) -> None:
    _, response, _ = await call(server, "POST", "/responses", {"model": "m", "input": "hi"})
    status, deleted, _ = await call(server, "DELETE", f"/responses/{response['id']}")
    assert status == 200 and deleted["deleted"] is True
    assert (await call(server, "GET", f"/responses/{response['id']}"))[0] == 404


async def test_input_items_lists_what_the_request_sent(server: MockAssistantsServer) -> None:
    _, response, _ = await call(server, "POST", "/responses", {"model": "m", "input": [
        {"role": "user", "content": "first"}, {"role": "user", "content": "second"}]})  # fmt: skip
    _, items, _ = await call(server, "GET", f"/responses/{response['id']}/input_items?order=asc")
    assert [i["content"][0]["text"] for i in items["data"]] == ["first", "second"]


async def test_store_false_is_not_retrievable(server: MockAssistantsServer) -> None:
    _, response, _ = await call(
        server, "POST", "/responses", {"model": "m", "input": "x", "store": False}
    )
    assert (await call(server, "GET", f"/responses/{response['id']}"))[0] == 404


# ------------------------------------------------------------------ faults


async def test_error_fault_sends_error_then_failed(server: MockAssistantsServer) -> None:
    server.inject(Faults(error_after=3))
    events = await stream(server, input="a b c d")
    assert names(events)[3:] == ["error", "response.failed"]
    assert events[-1][1]["response"]["error"]["code"] == "server_error"


async def test_failed_outcome(server: MockAssistantsServer) -> None:
    events = await stream(server, {"X-Mock-Faults": '{"run_outcome": "failed"}'}, input="x")
    assert names(events)[-1] == "response.failed"


async def test_incomplete_outcome_leaves_the_message_incomplete(
    server: MockAssistantsServer,
) -> None:
    events = await stream(server, {"X-Mock-Faults": '{"run_outcome": "incomplete"}'}, input="x")
    response = events[-1][1]["response"]
    assert names(events)[-1] == "response.incomplete"
    assert response["incomplete_details"] == {"reason": "max_output_tokens"}
    assert response["output"][0]["status"] == "incomplete"


async def test_expired_outcome_is_refused_for_responses(server: MockAssistantsServer) -> None:
    status, answer, _ = await call(server, "POST", "/responses", {"model": "m", "input": "x"},
                                   {"X-Mock-Faults": '{"run_outcome": "expired"}'})  # fmt: skip
    assert status == 400 and "no Responses equivalent" in answer["error"]["message"]


async def test_malformed_fault_sends_data_that_is_not_json(server: MockAssistantsServer) -> None:
    server.inject(Faults(malformed_after=2))
    _, _, raw = await call(
        server, "POST", "/responses", {"model": "m", "input": "x", "stream": True}
    )
    assert b"data: {not json" in raw


async def test_out_of_order_fault_swaps_sequence_numbers(server: MockAssistantsServer) -> None:
    server.inject(Faults(out_of_order=True))
    events = await stream(server, input="x")
    assert [d["sequence_number"] for _, d in events][:3] == [0, 2, 1]


async def test_dropped_foreground_stream_still_completes_server_side(
    server: MockAssistantsServer,
) -> None:
    server.inject(Faults(drop_after=2))
    assert len(await stream(server, input="x y z")) == 2
    rid = next(iter(server.responses))
    state = server.responses_api.store.responses[rid]
    assert state.task is not None
    await state.task
    assert server.responses[rid]["status"] == "completed"


# -------------------------------------------------------------------- SDK


async def test_sdk_stream_helper_gets_the_final_response(sdk: openai.AsyncOpenAI) -> None:
    async with sdk.responses.stream(model="gpt-4.1", input="hello there") as events:
        deltas = [e.delta async for e in events if e.type == "response.output_text.delta"]
        final = await events.get_final_response()
    assert "".join(deltas) == final.output_text == "Echo: hello there"


async def test_sdk_create_stream_true(sdk: openai.AsyncOpenAI) -> None:
    stream_ = await sdk.responses.create(model="gpt-4.1", input="hi", stream=True)
    types = [event.type async for event in stream_]
    assert types[0] == "response.created" and types[-1] == "response.completed"


async def test_sdk_function_tool_loop(
    sdk: openai.AsyncOpenAI, server: MockAssistantsServer
) -> None:
    tool: FunctionToolParam = {
        "type": "function", "name": "get_weather", "parameters": WEATHER_TOOL["parameters"],
        "strict": None,
    }  # fmt: skip
    first = await sdk.responses.create(
        model="gpt-4.1", input='get_weather {"city": "Oslo"}', tools=[tool]
    )
    call_ = first.output[0]
    assert call_.type == "function_call"
    second = await sdk.responses.create(
        model="gpt-4.1", previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call_.call_id, "output": "sun"}],
    )  # fmt: skip
    assert second.output_text == "Tool results: get_weather said sun"
    assert [o["call_id"] for o in server.function_outputs(second.id)] == [call_.call_id]


async def test_sdk_resumes_a_dropped_background_stream(
    sdk: openai.AsyncOpenAI, server: MockAssistantsServer
) -> None:
    server.inject(Faults(drop_after=4))
    seen: list[int] = []
    rid = ""
    with pytest.raises(openai.APIConnectionError):
        async for event in await sdk.responses.create(model="gpt-4.1", input="one two three",
                                                      background=True, stream=True):  # fmt: skip
            seen.append(event.sequence_number)
            rid = rid or event.response.id  # type: ignore[union-attr]
    resumed = await sdk.responses.retrieve(rid, stream=True, starting_after=seen[-1])
    async for event in resumed:
        seen.append(event.sequence_number)
    assert seen == list(range(len(seen)))
    assert (await sdk.responses.retrieve(rid)).status == "completed"


async def test_sdk_cancels_a_background_response(
    sdk: openai.AsyncOpenAI, server: MockAssistantsServer
) -> None:
    server.inject(Faults(stall_after=2, stall_seconds=60))
    response = await sdk.responses.create(model="gpt-4.1", input="x", background=True)
    assert (await sdk.responses.cancel(response.id)).status == "cancelled"
    assert server.responses[response.id]["status"] == "cancelled"


async def test_sdk_sees_a_typed_error_for_an_unknown_parameter(sdk: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await sdk.responses.create(model="gpt-4.1", input="x", extra_body={"tool": []})
    assert caught.value.param == "tool" and caught.value.code == "unknown_parameter"


async def test_sdk_retries_through_an_http_error_storm(
    sdk: openai.AsyncOpenAI, server: MockAssistantsServer
) -> None:
    server.fail_next(2, 503, retry_after=0.01, paths=("/responses",))
    response = await sdk.responses.create(model="gpt-4.1", input="x")
    assert response.status == "completed"
    assert server.requests.count(("POST", "/v1/responses")) == 3


async def test_sdk_parses_retrieve_input_items_and_delete(
    sdk: openai.AsyncOpenAI,
) -> None:
    created = await sdk.responses.create(model="gpt-4.1", input="keep me")
    retrieved = await sdk.responses.retrieve(created.id)
    items = await sdk.responses.input_items.list(created.id)
    await sdk.responses.delete(created.id)
    assert retrieved.output_text == "Echo: keep me"
    assert [item.type for item in items.data] == ["message"]
    with pytest.raises(openai.NotFoundError):
        await sdk.responses.retrieve(created.id)


async def test_sdk_stream_helper_replays_a_background_response_by_id(
    sdk: openai.AsyncOpenAI,
) -> None:
    created = await sdk.responses.create(model="gpt-4.1", input="again", background=True)
    async with sdk.responses.stream(response_id=created.id) as events:
        final = await events.get_final_response()
    assert final.output_text == "Echo: again"


async def test_sdk_conversation_flow(sdk: openai.AsyncOpenAI) -> None:
    conversation = await sdk.conversations.create()
    await sdk.responses.create(model="gpt-4.1", input="one", conversation=conversation.id)
    second = await sdk.responses.create(model="gpt-4.1", input="two",
                                        conversation=conversation.id)  # fmt: skip
    items = await sdk.conversations.items.list(conversation.id, order="asc")
    assert second.conversation is not None and second.conversation.id == conversation.id
    assert len(items.data) == 4


async def test_response_objects_validate_strictly(server: MockAssistantsServer) -> None:
    from openai.types.responses import Response

    first = await weather_call(server)
    _, second, _ = await call(server, "POST", "/responses", {
        "model": "gpt-4.1", "previous_response_id": first["id"],
        "input": [output(first["output"][0]["call_id"])],
    })  # fmt: skip
    for response in (first, second):
        Response.model_validate(response, strict=True)


async def test_close_ends_a_stalled_background_response() -> None:
    server = await MockAssistantsServer(faults=Faults(stall_after=2, stall_seconds=3600)).start()
    _, response, _ = await call(server, "POST", "/responses",
                                {"model": "m", "input": "x", "background": True})  # fmt: skip
    task = server.responses_api.store.responses[response["id"]].task
    await server.close()
    assert task is not None and task.done()


async def test_unknown_route_is_answered_in_the_api_error_shape(
    server: MockAssistantsServer,
) -> None:
    status, answer, _ = await call(server, "POST", "/responsez", {"model": "m"})
    assert status == 404
    assert answer["error"]["message"] == "Invalid URL (POST /v1/responsez)"


async def test_sdk_stream_helper_with_starting_after_skips_what_was_seen(
    sdk: openai.AsyncOpenAI,
) -> None:
    created = await sdk.responses.create(model="gpt-4.1", input="skip ahead", background=True)
    async with sdk.responses.stream(response_id=created.id, starting_after=3) as events:
        numbers = [event.sequence_number async for event in events]
        final = await events.get_final_response()
    assert numbers[0] == 4 and final.output_text == "Echo: skip ahead"


async def test_resume_from_ahead_of_the_play_skips_until_there() -> None:
    from assistants_events.testing.responses_store import ResponseState

    state = ResponseState({"id": "resp_1", "status": "in_progress"}, [], [], Faults())
    state.record(state.event("response.created"))
    seen: list[int] = []

    async def follow() -> None:
        async for _, data in state.follow(after=2):
            seen.append(data["sequence_number"])

    task = asyncio.create_task(follow())
    await asyncio.sleep(0)  # the follower waits at the end of a one-event log
    for _ in range(4):
        state.record(state.event("response.output_text.delta"))
    state.finish()
    await task
    assert seen == [3, 4]


async def test_a_script_that_raises_fails_the_response(server: MockAssistantsServer) -> None:
    def broken(context: ModelContext) -> str:
        raise RuntimeError("script bug")

    async with MockAssistantsServer(script=broken) as broken_server:
        events = await stream(broken_server, input="x")
    assert names(events)[-1] == "response.failed"
    assert "script bug" in events[-1][1]["response"]["error"]["message"]


GENUINE = Path(__file__).parent / "fixtures" / "genuine" / "responses"


def shapes(events: list[dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
    """Field names per (event type, item type), without the optional `obfuscation`."""
    found: dict[tuple[str, str], set[str]] = {}
    for data in events:
        item = data.get("item") or {}
        found.setdefault((data["type"], item.get("type", "")), set(data) - {"obfuscation"})
        if item:
            found.setdefault(("item", item["type"] + ":" + item["status"]), set(item))
    return found


@pytest.mark.parametrize(("recording", "body"), [
    ("background_create_queued.sse", {"input": "a b c", "background": True}),
    ("function_call_single_gpt51.sse", {"input": 'get_weather {"city": "X"}',
                                        "tools": [WEATHER_TOOL]}),
])  # fmt: skip
async def test_event_fields_match_a_genuine_recording(
    server: MockAssistantsServer, recording: str, body: dict[str, Any]
) -> None:
    genuine = shapes([
        json.loads(e.data) for e in ae.SSEDecoder().feed((GENUINE / recording).read_bytes())
        if e.data.startswith("{")
    ])  # fmt: skip
    mock = shapes([data for _, data in await stream(server, **body)])
    assert set(genuine) == set(mock)
    assert {key: mock[key] for key in genuine} == genuine


async def test_nested_error_shape_is_what_the_sdk_raises_on(
    sdk: openai.AsyncOpenAI, server: MockAssistantsServer
) -> None:
    server.inject(Faults(error_after=2, error_shape="nested"))
    with pytest.raises(openai.APIError, match="server had an error"):
        async for _ in await sdk.responses.create(model="gpt-4.1", input="x", stream=True):
            pass


async def test_max_output_tokens_cuts_the_answer_and_ends_incomplete(
    server: MockAssistantsServer,
) -> None:
    words = " ".join(f"w{i}" for i in range(30))
    events = await stream(server, input=words, max_output_tokens=16)
    deltas = [d for n, d in events if n == "response.output_text.delta"]
    response = events[-1][1]["response"]
    assert len(deltas) == 16 and names(events)[-1] == "response.incomplete"
    assert response["output"][0]["status"] == "incomplete"
    for _, data in events:
        validate_strictly(data)


async def test_max_output_tokens_below_16_is_a_400(server: MockAssistantsServer) -> None:
    status, answer, _ = await call(
        server, "POST", "/responses", {"model": "m", "input": "x", "max_output_tokens": 5}
    )
    assert status == 400 and answer["error"]["code"] == "integer_below_min_value"


@pytest.mark.parametrize("faults", [
    Faults(error_after=3), Faults(error_after=5, error_shape="nested"),
    Faults(keepalive_every=2), Faults(run_outcome="incomplete"),
])  # fmt: skip
async def test_faulty_streams_keep_sequence_numbers_gapless(
    server: MockAssistantsServer, faults: Faults
) -> None:
    server.inject(faults)
    events = await stream(server, input="one two three four")
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))


async def test_error_after_the_end_never_comes(server: MockAssistantsServer) -> None:
    server.inject(Faults(error_after=100))
    events = await stream(server, input="short")
    assert names(events)[-1] == "response.completed" and "error" not in names(events)


async def test_keepalive_events_come_between_the_others(server: MockAssistantsServer) -> None:
    server.inject(Faults(keepalive_every=3))
    events = await stream(server, input="one two three four")
    kinds = names(events)
    assert kinds.count("keepalive") == (len(kinds) - kinds.count("keepalive") - 1) // 3
    assert kinds[-1] == "response.completed"
    assert all(set(d) == {"type", "sequence_number"} for n, d in events if n == "keepalive")


async def test_calls_cut_off_by_a_cancel_need_no_output(server: MockAssistantsServer) -> None:
    server.inject(Faults(stall_after=4, stall_seconds=60))
    _, response, _ = await call(server, "POST", "/responses", {
        "model": "m", "input": 'get_weather {"city": "Oslo"}', "tools": [WEATHER_TOOL],
        "background": True,
    })  # fmt: skip
    rid = response["id"]
    async for name, _ in server.responses_api.store.responses[rid].follow():
        if name == "response.output_item.added":
            break  # the call is open; the play stalls after it
    assert (await call(server, "POST", f"/responses/{rid}/cancel"))[0] == 200
    assert server.responses[rid]["output"][0]["status"] == "incomplete"
    status, _, _ = await call(
        server,
        "POST",
        "/responses",
        {"model": "m", "input": "never mind", "previous_response_id": rid},
    )
    assert status == 200


async def test_parallel_calls_must_all_be_answered_in_one_request() -> None:
    script = [Reply.calls(("get_weather", {"city": "A"}), ("get_weather", {"city": "B"})), "ok"]
    async with MockAssistantsServer(script=script) as server:
        first = await weather_call(server)
        first_call, second_call = (item["call_id"] for item in first["output"])
        body = {"model": "m", "previous_response_id": first["id"]}
        status, answer, _ = await call(server, "POST", "/responses",
                                       {**body, "input": [output(first_call)]})  # fmt: skip
        assert status == 400 and second_call in answer["error"]["message"]
        status, second, _ = await call(server, "POST", "/responses", {
            **body, "input": [output(first_call), output(second_call)]})  # fmt: skip
    assert status == 200
    answered = [o["call_id"] for o in server.function_outputs(second["id"])]
    assert answered == [first_call, second_call]


async def test_unfinished_responses_lists_what_is_still_playing(
    server: MockAssistantsServer,
) -> None:
    server.inject(Faults(stall_after=2, stall_seconds=60))
    _, response, _ = await call(server, "POST", "/responses",
                                {"model": "m", "input": "x", "background": True})  # fmt: skip
    assert server.unfinished_responses() == [response["id"]]
    await call(server, "POST", f"/responses/{response['id']}/cancel")
    assert server.unfinished_responses() == []
