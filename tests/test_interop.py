"""The official openai SDK against our mock, and our handlers on the SDK's streams."""

from __future__ import annotations

import warnings

import openai
import pytest

import assistants_events as ae
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
        tool = {"type": "function", "function": {"name": "get_weather", "parameters": {
            "type": "object", "properties": {"city": {"type": "string"}}}}}  # fmt: skip
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
