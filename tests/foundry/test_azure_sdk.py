"""The azure-ai-agents SDK works unchanged against the Foundry mock over TLS."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from azure.ai.agents.aio import AgentsClient
from azure.ai.agents.models import (
    AsyncAgentEventHandler,
    ListSortOrder,
    McpTool,
    RequiredMcpToolCall,
    SubmitToolApprovalAction,
    ThreadRun,
    ToolApproval,
)
from azure.core.credentials import AccessToken

import assistants_events as ae
from assistants_events.testing import MockAssistantsServer

TOKEN = "sdk-entra-token"


class StaticCredential:
    """An azure-core async credential handing out one token."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(TOKEN, int(time.time()) + 3600)

    async def close(self) -> None:
        pass

    async def __aenter__(self) -> StaticCredential:
        return self

    async def __aexit__(self, *exc: object) -> None:
        pass


@pytest.fixture
async def sdk() -> AsyncIterator[tuple[AgentsClient, MockAssistantsServer, StaticCredential]]:
    credential = StaticCredential()
    async with MockAssistantsServer(flavor="foundry", tls=True, api_key=TOKEN) as server:
        assert server.ca_path is not None
        client = AgentsClient(server.url, credential, connection_verify=server.ca_path)
        async with client:
            yield client, server, credential


async def test_the_sdk_runs_an_agent_and_reads_the_answer(
    sdk: tuple[AgentsClient, MockAssistantsServer, StaticCredential],
) -> None:
    client, server, credential = sdk
    agent = await client.create_agent(model="gpt-4o", name="echo", instructions="echo")
    thread = await client.threads.create()
    await client.messages.create(thread_id=thread.id, role="user", content="hello there")
    names = []
    async with await client.runs.stream(thread_id=thread.id, agent_id=agent.id) as stream:
        async for event_type, _, _ in stream:
            names.append(event_type)
    assert names[0] == "thread.run.created" and names[-2:] == ["thread.run.completed", "done"]
    texts = [
        m.text_messages[-1].text.value
        async for m in client.messages.list(thread_id=thread.id, order=ListSortOrder.ASCENDING)
    ]
    assert texts == ["hello there", "Echo: hello there"]
    assert credential.scopes[0] == ("https://ai.azure.com/.default",)
    assert all("api-version=" in url for url in server.request_urls)


async def test_the_sdk_answers_an_mcp_approval_through_the_mock(
    sdk: tuple[AgentsClient, MockAssistantsServer, StaticCredential],
) -> None:
    client, server, _ = sdk
    mcp = McpTool(server_label="github", server_url="https://example.invalid/mcp",
                  allowed_tools=["search_repos"])  # fmt: skip
    agent = await client.create_agent(model="gpt-4o", name="m", tools=mcp.definitions)
    thread = await client.threads.create()
    await client.messages.create(thread_id=thread.id, role="user", content='search_repos {"q": 1}')
    waiting: Any = None
    async with await client.runs.stream(thread_id=thread.id, agent_id=agent.id) as stream:
        async for event_type, data, _ in stream:
            if event_type == "thread.run.requires_action":
                waiting = data
    assert isinstance(waiting, ThreadRun)
    assert isinstance(waiting.required_action, SubmitToolApprovalAction)
    [call] = waiting.required_action.submit_tool_approval.tool_calls
    assert isinstance(call, RequiredMcpToolCall)
    assert (call.name, call.server_label) == ("search_repos", "github")
    handler = AsyncAgentEventHandler[Any]()
    await client.runs.submit_tool_outputs_stream(
        thread_id=thread.id, run_id=waiting.id, event_handler=handler,
        tool_approvals=[ToolApproval(tool_call_id=call.id, approve=True)],
    )  # fmt: skip
    names = [event_type async for event_type, _, _ in handler]
    assert names[-2:] == ["thread.run.completed", "done"]
    assert server.store.approval_submissions[waiting.id] == [  # type: ignore[attr-defined]
        [{"tool_call_id": call.id, "approve": True}]
    ]


async def test_consume_azure_feeds_an_sdk_stream_to_our_handler() -> None:
    async with MockAssistantsServer(flavor="foundry", tls=True) as server:
        assert server.ca_path is not None
        client = AgentsClient(server.url, StaticCredential(), connection_verify=server.ca_path)
        async with client:
            agent = await client.create_agent(model="gpt-4o", name="echo")
            thread = await client.threads.create()
            await client.messages.create(thread_id=thread.id, role="user", content="hi there")
            deltas: list[str] = []

            class Printer(ae.EventHandler):
                @ae.on("thread.message.delta")
                def show(self, event: ae.Event) -> None:
                    deltas.append(event.text_delta or "")

            async with await client.runs.stream(thread_id=thread.id, agent_id=agent.id) as s:
                result = await Printer().consume_azure(s)
    assert result.done and result.run is not None and result.run.status == "completed"
    assert "".join(deltas) == result.text == "Echo: hi there"
    assert [s.expires_at is not None for s in result.run_steps] == [True]
