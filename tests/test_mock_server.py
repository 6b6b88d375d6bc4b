"""The mock server: realistic, lifecycle-valid streams, a scripted model, faults, SDK-compatible."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import aiohttp.web
import pydantic
import pytest

import assistants_events as ae
from assistants_events.testing import Faults, MockAssistantsServer, ModelContext, Reply


class Echo(ae.EventHandler):
    @ae.tool
    def get_weather(self, city: str) -> str:
        """Weather."""
        return f"rain in {city}"


async def record(server: MockAssistantsServer, text: str) -> tuple[bytes, ae.StreamResult]:
    chunks: list[bytes] = []
    async with ae.AssistantsClient("k", server.url, stream_recorder=chunks.append) as client:
        bot = Echo()
        assistant = await client.create_assistant("gpt-4o", tools=bot.tool_definitions())
        result = await bot.run(client, assistant_id=assistant.id,
                               messages=[{"role": "user", "content": text}])  # fmt: skip
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


async def test_a_busy_thread_does_not_refuse_a_run_on_another_thread(
    server: MockAssistantsServer,
) -> None:
    async with ae.AssistantsClient("k", server.url) as client:
        busy, assistant = await waiting_thread(client)
        await client.create_run(busy.id, assistant.id)  # waits for tool outputs
        other, _ = await waiting_thread(client)
        run = await client.create_run(other.id, assistant.id)
    assert run.thread_id == other.id


async def test_listing_a_threads_runs_gives_its_own_in_creation_order(
    server: MockAssistantsServer,
) -> None:
    async with ae.AssistantsClient("k", server.url) as client:
        assistant = await client.create_assistant("gpt-4o")
        mine, theirs = await client.create_thread(), await client.create_thread()
        made = []
        for thread in (mine, theirs, mine):
            made.append(await ae.EventHandler().run(client, thread_id=thread.id,
                                                    assistant_id=assistant.id))  # fmt: skip
        page = await client.list_runs(mine.id, order="asc")
    assert [run.id for run in page.data] == [made[0].run.id, made[2].run.id]  # type: ignore[union-attr]


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


# -------------------------------------------------- strict like the API (issue 11)


async def test_unknown_parameter_on_create_assistant_is_a_400_naming_it(
    server: MockAssistantsServer,
) -> None:
    async with ae.AssistantsClient("k", server.url) as client:
        with pytest.raises(ae.BadRequestError, match="Unknown parameter: 'tool'") as caught:
            await client.create_assistant("gpt-4o", tool=[])
    assert (caught.value.param, caught.value.code) == ("tool", "unknown_parameter")


async def test_messages_on_create_run_are_refused_not_dropped(
    server: MockAssistantsServer,
) -> None:
    async with ae.AssistantsClient("k", server.url) as client:
        assistant = await client.create_assistant("gpt-4o")
        thread = await client.create_thread()
        with pytest.raises(ae.BadRequestError, match="Unknown parameter: 'messages'"):
            await client.create_run(thread.id, assistant.id,
                                    messages=[{"role": "user", "content": "lost?"}])  # fmt: skip
        assert server.store.messages[thread.id] == []


async def test_thread_id_on_create_thread_and_run_is_refused(
    server: MockAssistantsServer,
) -> None:
    async with ae.AssistantsClient("k", server.url) as client:
        assistant = await client.create_assistant("gpt-4o")
        thread = await client.create_thread()
        with pytest.raises(ae.BadRequestError, match="Unknown parameter: 'thread_id'"):
            await client.create_thread_and_run(assistant.id, thread_id=thread.id)


def test_every_sdk_parameter_of_each_endpoint_is_accepted() -> None:
    from openai.types.beta import (
        assistant_create_params,
        assistant_update_params,
        thread_create_and_run_params,
        thread_create_params,
        thread_update_params,
    )
    from openai.types.beta.threads import (
        message_create_params,
        run_create_params,
        run_submit_tool_outputs_params,
    )

    from assistants_events.testing.assistants_routes import ASSISTANTS_PARAMS

    sdk = {
        "create_assistant": assistant_create_params.AssistantCreateParams,
        "update_assistant": assistant_update_params.AssistantUpdateParams,
        "create_thread": thread_create_params.ThreadCreateParams,
        "update_thread": thread_update_params.ThreadUpdateParams,
        "create_message": message_create_params.MessageCreateParams,
        "create_run": run_create_params.RunCreateParamsBase,
        "create_thread_and_run": thread_create_and_run_params.ThreadCreateAndRunParamsBase,
        "submit_tool_outputs": run_submit_tool_outputs_params.RunSubmitToolOutputsParamsBase,
    }
    # `include` (create run) is a query parameter and `thread_id` (submit) a path one.
    not_in_body = {"include", "thread_id"}
    for endpoint, params in sdk.items():
        assert set(params.__annotations__) - not_in_body <= ASSISTANTS_PARAMS[endpoint], endpoint


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK's Assistants sunset notice
async def test_sdk_assistants_run_stream_works_against_the_strict_mock(
    server: MockAssistantsServer,
) -> None:
    import openai

    async with openai.AsyncOpenAI(base_url=server.url, api_key="x") as sdk:
        assistant = await sdk.beta.assistants.create(model="gpt-4o", name="strict")
        thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "hi"}])
        async with sdk.beta.threads.runs.stream(
            thread_id=thread.id, assistant_id=assistant.id, additional_instructions="be brief"
        ) as stream:
            await stream.until_done()
        run = await stream.get_final_run()
    assert run.status == "completed"


async def test_request_log_keeps_query_and_headers(server: MockAssistantsServer) -> None:
    async with ae.AssistantsClient("k", server.url) as client:
        await client.list_assistants(limit=3)
    assert server.request_urls[-1] == "/v1/assistants?limit=3"
    assert server.request_headers[-1]["Authorization"] == "Bearer k"


async def test_authenticate_can_be_replaced_for_a_flavour(server: MockAssistantsServer) -> None:
    def only_header(request: aiohttp.web.Request) -> aiohttp.web.Response | None:
        if request.headers.get("X-Token") == "yes":
            return None
        return aiohttp.web.json_response({"error": {"message": "no"}}, status=401)

    server.authenticate = only_header  # type: ignore[method-assign]
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/assistants", headers={"X-Token": "yes"}) as ok:
            assert ok.status == 200
        async with http.get(f"{server.url}/assistants", headers={"X-Token": "no"}) as refused:
            assert refused.status == 401


async def test_unfinished_runs_lists_a_run_waiting_for_outputs(
    server: MockAssistantsServer,
) -> None:
    async with ae.AssistantsClient("k", server.url) as client:
        thread, assistant = await waiting_thread(client)
        run = await client.create_run(thread.id, assistant.id)
        assert server.unfinished_runs() == [run.id]
        await client.cancel_run(thread.id, run.id)
    assert server.unfinished_runs() == []


def test_a_script_item_that_is_neither_a_reply_nor_text_is_refused_by_name() -> None:
    from assistants_events.testing import ScriptedModel

    with pytest.raises(TypeError, match=r"script\[1\] is a int"):
        ScriptedModel(["fine", 42])


@pytest.mark.slow
def test_a_script_list_built_beforehand_type_checks(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(
        "from assistants_events.testing import MockAssistantsServer, Reply\n"
        "script = [Reply.calls(('get_weather', {'city': 'Paris'})), 'It is sunny.']\n"
        "server = MockAssistantsServer(script=script)\n"
    )
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", str(app)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout
