"""The official openai SDK against our mock, and our handlers on the SDK's streams."""

from __future__ import annotations

import json
import typing
import warnings
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types.beta import AssistantStreamEvent, FunctionToolParam

import assistants_events as ae
from assistants_events import models as m
from assistants_events.assistants.interop import event_from_openai
from assistants_events.sse import SSEDecoder
from assistants_events.testing import MockAssistantsServer

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Collector(ae.EventHandler):
    def __init__(self) -> None:
        self.text = ""

    @ae.on("thread.message.delta")
    def collect(self, event: ae.Event) -> None:
        self.text += event.text_delta or ""


async def test_sdk_streams_runs_and_tool_outputs_against_the_mock() -> None:
    async with MockAssistantsServer() as server:
        client = openai.AsyncOpenAI(api_key="k", base_url=server.url, max_retries=0)
        tool: FunctionToolParam = {"type": "function", "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        }}  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assistant = await client.beta.assistants.create(model="gpt-4o", tools=[tool])
            thread = await client.beta.threads.create(
                messages=[{"role": "user", "content": 'get_weather {"city": "Paris"}'}]
            )
            async with client.beta.threads.runs.stream(
                thread_id=thread.id, assistant_id=assistant.id
            ) as stream:
                run = await stream.get_final_run()
            assert run.status == "requires_action" and run.required_action is not None
            calls = run.required_action.submit_tool_outputs.tool_calls
            assert calls[0].function.arguments == '{"city": "Paris"}'
            async with client.beta.threads.runs.submit_tool_outputs_stream(
                thread_id=thread.id, run_id=run.id,
                tool_outputs=[{"tool_call_id": c.id, "output": "sunny"} for c in calls],
            ) as stream:  # fmt: skip
                pieces = [text async for text in stream.text_deltas]
                messages = await stream.get_final_messages()
            listed = await client.beta.threads.messages.list(thread_id=thread.id)
        assert "".join(pieces) == "Tool results: get_weather said sunny"
        assert messages[0].content[0].text.value == "".join(pieces)  # type: ignore[union-attr]
        assert [m.role for m in listed.data] == ["assistant", "user"]
        await client.close()


async def test_consume_openai_dispatches_sdk_events_to_our_handlers() -> None:
    async with MockAssistantsServer() as server:
        client = openai.AsyncOpenAI(api_key="k", base_url=server.url, max_retries=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assistant = await client.beta.assistants.create(model="gpt-4o")
            thread = await client.beta.threads.create(
                messages=[{"role": "user", "content": "hello sdk"}]
            )
            bot = Collector()
            async with client.beta.threads.runs.stream(
                thread_id=thread.id, assistant_id=assistant.id
            ) as stream:
                result = await bot.consume_openai(stream)
        await client.close()
    assert bot.text == result.text == "Echo: hello sdk"
    assert result.run is not None and result.run.status == "completed" and result.done


# ------------------------------------------- SDK events built from genuine recordings

GENUINE = Path(__file__).parent / "fixtures" / "genuine" / "assistants"
_SDK_EVENT_CLASSES: dict[str, Any] = {
    typing.get_args(cls.model_fields["event"].annotation)[0]: cls
    for cls in typing.get_args(typing.get_args(AssistantStreamEvent)[0])
}


def sdk_events(body: bytes) -> list[Any]:
    """The SDK's event objects for a recorded body, built the way its stream builds them.

    The SDK constructs its models without validating (its `Run` requires a string
    `instructions`, genuine servers send null), so a pydantic `TypeAdapter` would
    reject genuine data the SDK accepts; `construct` is what its stream does.
    """
    decoder = SSEDecoder()
    frames = [*decoder.feed(body), *decoder.close()]
    return [
        _SDK_EVENT_CLASSES[sse.event].construct(event=sse.event, data=json.loads(sse.data))
        for sse in frames
        if sse.event != "done"  # the SDK ends its iteration there
    ]


class Strict(ae.EventHandler):
    strict = True


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydantic on Azure-only part types
@pytest.mark.parametrize("name", sorted(p.name for p in GENUINE.glob("*.sse")))
async def test_consume_openai_gives_what_the_bytes_give_on_genuine_recordings(name: str) -> None:
    body = (GENUINE / name).read_bytes()
    from_bytes = await Strict().consume(body)
    from_sdk = await Strict().consume_openai(sdk_events(body))
    assert from_sdk == from_bytes


async def test_consume_openai_keeps_parallel_tool_call_ids_across_deltas() -> None:
    body = (GENUINE / "azure_agents_asset_submit_stream.sse").read_bytes()
    result = await Strict().consume_openai(sdk_events(body))
    calls = [call for step in result.run_steps for call in step.tool_calls]
    assert all(isinstance(call, m.FunctionToolCall) for call in calls), calls
    ids = [call.id for call in calls if isinstance(call, m.FunctionToolCall)]
    assert len(ids) == 3 and all(ids)


def test_sdk_event_keeps_only_the_fields_the_server_sent() -> None:
    (event,) = sdk_events(
        b'event: thread.run.step.delta\ndata: {"id":"s","object":"thread.run.step.delta",'
        b'"delta":{"step_details":{"type":"tool_calls","tool_calls":[{"index":0,'
        b'"type":"function","function":{"arguments":"{}"}}]}}}\n\n'
    )
    call = event_from_openai(event).json["delta"]["step_details"]["tool_calls"][0]
    assert call == {"index": 0, "type": "function", "function": {"arguments": "{}"}}
