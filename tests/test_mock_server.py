"""The mock server: realistic, lifecycle-valid streams, a scripted model, faults, SDK-compatible."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pydantic
import pytest

import assistants_events as ae
from assistants_events.testing import Faults, MockAssistantsServer, ModelContext, Reply


class Echo(ae.EventHandler):
    @ae.tool
    def get_weather(self, city: str) -> str:
        """Weather."""
        return f"rain in {city}"


async def record(
    server: MockAssistantsServer, text: str, **run: object
) -> tuple[bytes, ae.StreamResult]:
    chunks: list[bytes] = []
    async with ae.AssistantsClient("k", server.url, stream_recorder=chunks.append) as client:
        bot = Echo()
        assistant = await client.create_assistant("gpt-4o", tools=bot.tool_definitions())
        result = await bot.run(client, assistant_id=assistant.id,
                               messages=[{"role": "user", "content": text}], **run)  # fmt: skip
    return b"".join(chunks), result


async def waiting_thread(client: ae.AssistantsClient) -> tuple[ae.Thread, ae.Assistant]:
    """A thread whose next run will wait for a get_weather output."""
    assistant = await client.create_assistant("gpt-4o", tools=Echo().tool_definitions())
    thread = await client.create_thread(
        messages=[{"role": "user", "content": 'get_weather {"city": "Oslo"}'}]
    )
    return thread, assistant


@pytest.fixture
async def server() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer() as mock:
        yield mock


def test_url_ends_in_v1() -> None:
    assert MockAssistantsServer(port=1234).url == "http://127.0.0.1:1234/v1"


async def test_default_model_echoes_word_by_word(server: MockAssistantsServer) -> None:
    body, result = await record(server, "hello big world")
    assert result.text == "Echo: hello big world"
    deltas = [e for e in ae.SSEDecoder().feed(body) if e.event == "thread.message.delta"]
    assert len(deltas) == 4


async def test_default_model_calls_the_named_tool_then_quotes_it(
    server: MockAssistantsServer,
) -> None:
    body, result = await record(server, 'get_weather {"city": "Oslo"}')
    assert result.text == "Tool results: get_weather said rain in Oslo"
    step_deltas = [e for e in ae.SSEDecoder().feed(body) if e.event == "thread.run.step.delta"]
    assert len(step_deltas) > 2  # the arguments arrive in pieces


async def test_every_stream_passes_the_strict_lifecycle(server: MockAssistantsServer) -> None:
    for text in ("plain words", 'get_weather {"city": "Rome"}'):
        body, _ = await record(server, text)
        await ae.EventHandler().consume(body)  # strict: raises on any violation


async def test_every_streamed_event_validates_against_the_sdk_models(
    server: MockAssistantsServer,
) -> None:
    from openai.types.beta import AssistantStreamEvent

    adapter: pydantic.TypeAdapter[object] = pydantic.TypeAdapter(AssistantStreamEvent)
    body, _ = await record(server, 'get_weather {"city": "Rome"}')
    events = [e for e in ae.SSEDecoder().feed(body) if e.event != "done"]
    assert len(events) > 20
    for event in events:
        adapter.validate_python({"event": event.event, "data": json.loads(event.data)}, strict=True)


async def test_usage_is_filled_in(server: MockAssistantsServer) -> None:
    _, result = await record(server, "count me")
    assert result.usage is not None and result.usage.total_tokens > 0
    assert all(s.usage is not None for s in result.run_steps)


async def test_script_list_is_played_in_turn() -> None:
    script = [Reply.calls(("get_weather", {"city": "Lima"})), "Lima is wet."]
    async with MockAssistantsServer(script=script) as server:
        _, result = await record(server, "anything")
    assert result.text == "Lima is wet."


async def test_script_callable_sees_the_conversation() -> None:
    seen: list[ModelContext] = []

    def model(context: ModelContext) -> str:
        seen.append(context)
        return context.last_user_text.upper()

    async with MockAssistantsServer(script=model) as server:
        _, result = await record(server, "shout this")
    assert result.text == "SHOUT THIS" and seen[0].function_names == {"get_weather"}


async def test_create_thread_and_run_streams_thread_created_first(
    server: MockAssistantsServer,
) -> None:
    async with ae.AssistantsClient("k", server.url) as client:
        assistant = await client.create_assistant("gpt-4o")
        thread = {"messages": [{"role": "user", "content": "hi"}]}
        async with await client.stream_thread_and_run(assistant.id, thread=thread) as stream:
            result = await Echo().consume(stream)
    assert result.thread is not None and result.messages[0].thread_id == result.thread.id


async def test_out_of_order_fault_is_caught_by_the_lifecycle() -> None:
    async with MockAssistantsServer(faults=Faults(out_of_order=True)) as server:
        with pytest.raises(ae.InvalidTransition, match="'in_progress' -> 'queued'"):
            await record(server, "hi")


async def test_malformed_fault_is_a_decode_error() -> None:
    async with MockAssistantsServer(faults=Faults(malformed_after=3)) as server:
        with pytest.raises(ae.EventDecodeError, match="invalid JSON"):
            await record(server, "hi")


async def test_faults_per_request_by_header(server: MockAssistantsServer) -> None:
    headers = {"X-Mock-Faults": '{"run_outcome": "expired"}'}
    async with ae.AssistantsClient("k", server.url, default_headers=headers) as client:
        assistant = await client.create_assistant("gpt-4o")
        result = await ae.EventHandler().run(
            client, assistant_id=assistant.id, messages=[{"role": "user", "content": "x"}]
        )
    assert result.run is not None and result.run.status == "expired"


async def test_bad_fault_header_is_a_400(server: MockAssistantsServer) -> None:
    headers = {"X-Mock-Faults": '{"explode": 1}'}
    async with ae.AssistantsClient("k", server.url, default_headers=headers) as client:
        assistant = await client.create_assistant("gpt-4o")
        thread = await client.create_thread()
        with pytest.raises(ae.BadRequestError, match="unknown fault"):
            await client.stream_run(thread.id, assistant.id)


async def test_second_run_on_a_busy_thread_is_refused(server: MockAssistantsServer) -> None:
    async with ae.AssistantsClient("k", server.url) as client:
        thread, assistant = await waiting_thread(client)
        await client.create_run(thread.id, assistant.id)  # waits for tool outputs
        with pytest.raises(ae.BadRequestError, match="active run"):
            await client.create_run(thread.id, assistant.id)


async def test_wrong_tool_outputs_are_refused(server: MockAssistantsServer) -> None:
    async with ae.AssistantsClient("k", server.url) as client:
        thread, assistant = await waiting_thread(client)
        run = await client.create_run(thread.id, assistant.id)
        with pytest.raises(ae.BadRequestError, match="Expected tool outputs"):
            await client.submit_tool_outputs(thread.id, run.id, [ae.ToolOutput("nope", "x")])


async def test_requests_without_a_key_are_401(server: MockAssistantsServer) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{server.url}/assistants") as response:
        assert response.status == 401


async def test_cancel_of_a_waiting_run_settles_it(server: MockAssistantsServer) -> None:
    async with ae.AssistantsClient("k", server.url) as client:
        thread, assistant = await waiting_thread(client)
        run = await client.create_run(thread.id, assistant.id)
        assert (await client.cancel_run(thread.id, run.id)).status == "cancelling"
        assert (await client.retrieve_run(thread.id, run.id)).status == "cancelled"
        with pytest.raises(ae.BadRequestError):
            await client.cancel_run(thread.id, run.id)


async def test_plugin_fixtures_give_a_bound_client(
    ae_client: ae.AssistantsClient, ae_mock_server: MockAssistantsServer
) -> None:
    assert ae_client.base_url == ae_mock_server.url
    assert (await ae_client.create_assistant("gpt-4o")).id.startswith("asst_")
