"""Explicit keyword signatures: the API's parameter names, `None` not sent, extras sent."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import pytest

import assistants_events as ae
from assistants_events.assistants import runner
from assistants_events.testing import MockAssistantsServer
from assistants_events.transport import RunStream


class Recording(ae.AssistantsClient):
    """A client that keeps every request body it sends, by path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bodies: list[tuple[str, Any]] = []

    async def request_text(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        idempotent: bool = True,
    ) -> tuple[str, Any]:
        # Every JSON request comes through here (`request` too).
        self.bodies.append((path, body))
        return await super().request_text(
            method, path, body, params, headers, idempotent=idempotent
        )

    async def stream(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        idempotent: bool = True,
    ) -> RunStream:
        self.bodies.append((path, body))
        return await super().stream(method, path, body, params, headers, idempotent=idempotent)

    def body_of(self, path: str) -> Any:
        """The body of the last request to `path`."""
        return [body for sent, body in self.bodies if sent == path][-1]


@pytest.fixture
async def server() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer(script=["Hello.", "Hello again."]) as mock:
        yield mock


@pytest.fixture
async def client(server: MockAssistantsServer) -> AsyncIterator[Recording]:
    async with Recording("k", server.url) as c:
        yield c


def keywords(func: Callable[..., Any]) -> set[str]:
    """The parameters a caller can name (without `**extra`)."""
    kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return {n for n, p in inspect.signature(func).parameters.items() if p.kind in kinds}


def sdk_params() -> dict[str, set[str]]:
    """The body parameters of each endpoint, as the official SDK names them."""
    from openai.types.beta import (
        assistant_create_params,
        assistant_update_params,
        thread_create_and_run_params,
        thread_create_params,
    )
    from openai.types.beta.threads import message_create_params, run_create_params

    # `stream` is the method's business; `include` (create run) is a query parameter.
    def names(params: type) -> set[str]:
        return set(params.__annotations__) - {"stream", "include"}

    return {
        "create_assistant": names(assistant_create_params.AssistantCreateParams),
        "update_assistant": names(assistant_update_params.AssistantUpdateParams),
        "create_thread": names(thread_create_params.ThreadCreateParams),
        "create_message": names(message_create_params.MessageCreateParams),
        "create_run": names(run_create_params.RunCreateParamsBase),
        "create_thread_and_run": names(thread_create_and_run_params.ThreadCreateAndRunParamsBase),
    }


@pytest.mark.parametrize(
    ("method", "endpoint"),
    [
        ("create_assistant", "create_assistant"),
        ("update_assistant", "update_assistant"),
        ("create_thread", "create_thread"),
        ("create_message", "create_message"),
        ("create_run", "create_run"),
        ("stream_run", "create_run"),
        ("create_thread_and_run", "create_thread_and_run"),
        ("stream_thread_and_run", "create_thread_and_run"),
    ],
)
def test_each_endpoint_names_every_parameter_the_sdk_documents(method: str, endpoint: str) -> None:
    ours = keywords(getattr(ae.AssistantsClient, method))
    assert sdk_params()[endpoint] <= ours, sdk_params()[endpoint] - ours


@pytest.mark.parametrize(
    "driver", [ae.EventHandler.run, ae.EventHandler.stream_run, ae.run, ae.run_new_thread]
)
def test_each_driver_names_every_create_run_parameter(driver: Callable[..., Any]) -> None:
    ours = keywords(driver)
    assert sdk_params()["create_run"] <= ours, sdk_params()["create_run"] - ours


@pytest.mark.parametrize("method", [ae.EventHandler.run, ae.EventHandler.stream_run])
def test_handler_driver_defaults_are_the_runners(method: Callable[..., Any]) -> None:
    params = inspect.signature(method).parameters
    assert params["max_rounds"].default == runner.DEFAULT_MAX_ROUNDS
    assert params["cancel_timeout"].default == runner.DEFAULT_CANCEL_TIMEOUT


async def test_a_run_parameter_left_none_is_not_sent(client: Recording) -> None:
    assistant = await client.create_assistant("gpt-4o")
    thread = await client.create_thread([{"role": "user", "content": "hi"}])
    result = await ae.EventHandler().run(
        client, thread_id=thread.id, assistant_id=assistant.id, temperature=0.2, model=None
    )
    assert result.run is not None and result.run.status == "completed"
    body = client.body_of(f"/threads/{thread.id}/runs")
    assert body == {"assistant_id": assistant.id, "temperature": 0.2, "stream": True}


async def test_an_assistant_parameter_left_none_is_not_sent(client: Recording) -> None:
    await client.create_assistant("gpt-4o", name="Bot", instructions=None)
    assert client.body_of("/assistants") == {"model": "gpt-4o", "name": "Bot"}


async def test_a_message_parameter_left_none_is_not_sent(client: Recording) -> None:
    thread = await client.create_thread()
    await client.create_message(thread.id, "hi", metadata={"from": "test"}, attachments=None)
    assert client.body_of(f"/threads/{thread.id}/messages") == {
        "role": "user",
        "content": "hi",
        "metadata": {"from": "test"},
    }


async def test_update_sends_only_the_fields_given(client: Recording) -> None:
    assistant = await client.create_assistant("gpt-4o", name="Bot")
    updated = await client.update_assistant(assistant.id, instructions="Be brief.")
    assert client.body_of(f"/assistants/{assistant.id}") == {"instructions": "Be brief."}
    assert (updated.name, updated.instructions) == ("Bot", "Be brief.")


async def test_an_extra_keyword_argument_is_sent_as_given(client: Recording) -> None:
    assistant = await client.create_assistant("gpt-4o")
    thread = await client.create_thread()
    with pytest.raises(ae.BadRequestError, match="Unknown parameter: 'top_k'"):
        await client.create_run(thread.id, assistant.id, top_k=3)
    assert client.body_of(f"/threads/{thread.id}/runs") == {
        "assistant_id": assistant.id,
        "top_k": 3,
    }


async def test_a_new_threads_tool_resources_go_with_the_thread_not_the_run(
    client: Recording,
) -> None:
    assistant = await client.create_assistant("gpt-4o")
    resources = {"code_interpreter": {"file_ids": ["file_1"]}}
    result = await ae.EventHandler().run(
        client,
        assistant_id=assistant.id,
        messages=[{"role": "user", "content": "hi"}],
        tool_resources=resources,
        metadata={"user": "u1"},
    )
    assert result.run is not None and result.run.status == "completed"
    assert client.body_of("/threads") == {
        "messages": [{"role": "user", "content": "hi"}],
        "tool_resources": resources,
    }
    run_body = client.body_of(f"/threads/{result.run.thread_id}/runs")
    assert run_body == {"assistant_id": assistant.id, "metadata": {"user": "u1"}, "stream": True}


async def test_messages_on_an_existing_thread_are_sent_and_refused_by_the_server(
    client: Recording,
) -> None:
    assistant = await client.create_assistant("gpt-4o")
    thread = await client.create_thread()
    with pytest.raises(ae.BadRequestError, match="Unknown parameter: 'messages'"):
        await ae.EventHandler().run(
            client,
            thread_id=thread.id,
            assistant_id=assistant.id,
            messages=[{"role": "user", "content": "lost?"}],
        )


async def test_stream_run_passes_its_parameters_to_the_run(client: Recording) -> None:
    assistant = await client.create_assistant("gpt-4o")
    thread = await client.create_thread([{"role": "user", "content": "hi"}])
    async with ae.EventHandler().stream_run(
        client, thread_id=thread.id, assistant_id=assistant.id, additional_instructions="Short."
    ) as events:
        names = [event.name async for event in events]
    assert names[-1] == "done"
    assert client.body_of(f"/threads/{thread.id}/runs") == {
        "assistant_id": assistant.id,
        "additional_instructions": "Short.",
        "stream": True,
    }
