"""Foundry MCP approval runs answered by the driver through `approve_tool_calls`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import assistants_events as ae
from assistants_events.testing import Faults, MockAssistantsServer
from assistants_events.testing.foundry import DENIED_OUTPUT, FoundryStore

from .creds import CountingCredential

MCP_TOOL = {"type": "mcp", "server_label": "github", "server_url": "https://example.invalid/mcp",
            "allowed_tools": ["search_repos"]}  # fmt: skip
ASK = [{"role": "user", "content": 'search_repos {"q": "attrs"}'}]


@pytest.fixture
async def foundry() -> AsyncIterator[tuple[MockAssistantsServer, ae.AssistantsClient, str]]:
    async with (
        MockAssistantsServer(flavor="foundry") as server,
        ae.AssistantsClient.foundry(server.url, CountingCredential()) as client,
    ):
        assistant = await client.create_assistant("gpt-4o", tools=[MCP_TOOL])
        yield server, client, assistant.id


class Approver(ae.EventHandler):
    def __init__(self) -> None:
        self.asked: list[list[Any]] = []

    async def approve_tool_calls(self, run: ae.Run) -> list[ae.ToolApproval]:
        self.asked.append(run.approval_calls)
        return [ae.ToolApproval(call.id, approve=True) for call in run.approval_calls]


async def test_the_default_denies_each_call_and_logs_tool_and_server(
    foundry: tuple[MockAssistantsServer, ae.AssistantsClient, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, client, assistant_id = foundry
    caplog.set_level(logging.INFO)
    result = await ae.EventHandler().run(client, assistant_id=assistant_id, messages=ASK)
    assert result.run is not None and result.run.status == "completed"
    [run_id] = server.store.approval_submissions  # type: ignore[attr-defined]
    [[answer]] = server.store.approval_submissions[run_id]  # type: ignore[attr-defined]
    assert answer["approve"] is False
    assert DENIED_OUTPUT in result.text
    [line] = [r for r in caplog.records if "denied mcp tool call" in r.getMessage()]
    assert line.levelno == logging.INFO
    assert "search_repos" in line.getMessage() and "github" in line.getMessage()


async def test_an_approving_hook_is_asked_once_and_its_answer_submitted_once(
    foundry: tuple[MockAssistantsServer, ae.AssistantsClient, str],
) -> None:
    server, client, assistant_id = foundry
    bot = Approver()
    result = await bot.run(client, assistant_id=assistant_id, messages=ASK)
    assert result.run is not None and result.run.status == "completed"
    [[call]] = bot.asked
    assert isinstance(call, ae.models.ToolApprovalCall) and call.type == "mcp"
    assert (call.name, call.server_label, call.arguments) == ("search_repos", "github",
                                                               '{"q": "attrs"}')  # fmt: skip
    [submissions] = server.store.approval_submissions.values()  # type: ignore[attr-defined]
    assert submissions == [[{"tool_call_id": call.id, "approve": True}]]
    assert "github.search_repos answered" in result.text


async def test_approvals_that_do_not_answer_each_call_cancel_the_run(
    foundry: tuple[MockAssistantsServer, ae.AssistantsClient, str],
) -> None:
    server, client, assistant_id = foundry

    class Wrong(ae.EventHandler):
        async def approve_tool_calls(self, run: ae.Run) -> list[ae.ToolApproval]:
            return [ae.ToolApproval("call_nobody", approve=True)]

    with pytest.raises(ae.ToolOutputError, match="missing"):
        await Wrong().run(client, assistant_id=assistant_id, messages=ASK)
    assert server.store.approval_submissions == {}  # type: ignore[attr-defined]
    assert len(server.cancelled) == 1


async def test_the_approval_request_carries_api_version_and_no_tool_outputs(
    foundry: tuple[MockAssistantsServer, ae.AssistantsClient, str],
) -> None:
    server, client, assistant_id = foundry
    await Approver().run(client, assistant_id=assistant_id, messages=ASK)
    submits = [u for u in server.request_urls if u.split("?")[0].endswith("/submit_tool_outputs")]
    assert len(submits) == 1 and submits[0].endswith("?api-version=v1")


def submit_urls(server: MockAssistantsServer) -> list[str]:
    return [u for u in server.request_urls if u.split("?")[0].endswith("/submit_tool_outputs")]


async def test_approvals_whose_answer_is_lost_after_they_were_taken_are_not_sent_again(
    foundry: tuple[MockAssistantsServer, ae.AssistantsClient, str],
) -> None:
    server, client, assistant_id = foundry
    server.inject(Faults())  # the run's own stream
    server.inject(Faults(drop_before_answer=True))  # the approvals: taken, answer lost
    bot = Approver()
    result = await bot.run(client, assistant_id=assistant_id, messages=ASK)
    assert result.run is not None and result.run.status == "completed"
    assert len(bot.asked) == 1 and len(submit_urls(server)) == 1
    [submissions] = server.store.approval_submissions.values()  # type: ignore[attr-defined]
    assert len(submissions) == 1 and server.cancelled == []
    assert "github.search_repos answered" in result.text  # the followed run's message


async def test_approvals_lost_before_the_server_took_them_are_sent_again_once(
    foundry: tuple[MockAssistantsServer, ae.AssistantsClient, str],
) -> None:
    server, _, assistant_id = foundry

    class LoseFirst(ae.AssistantsClient):
        lost = 0

        async def stream_submit_tool_approvals(self, *args: Any, **kwargs: Any) -> ae.RunStream:
            if not self.lost:
                self.lost += 1
                raise ae.errors.RequestOutcomeUnknown("lost", method="POST", url="/submit")
            return await super().stream_submit_tool_approvals(*args, **kwargs)

    bot = Approver()
    async with LoseFirst.foundry(server.url, CountingCredential()) as client:
        result = await bot.run(client, assistant_id=assistant_id, messages=ASK)
    assert result.run is not None and result.run.status == "completed"
    assert client.lost == 1 and len(bot.asked) == 1
    [submissions] = server.store.approval_submissions.values()  # type: ignore[attr-defined]
    assert submissions == [[{"tool_call_id": bot.asked[0][0].id, "approve": True}]]


async def test_approvals_refused_as_not_waiting_after_they_were_taken_follow_the_run(
    foundry: tuple[MockAssistantsServer, ae.AssistantsClient, str],
) -> None:
    server, _, assistant_id = foundry

    class TakenThenRefused(ae.AssistantsClient):
        async def stream_submit_tool_approvals(self, *args: Any, **kwargs: Any) -> ae.RunStream:
            (await super().stream_submit_tool_approvals(*args, **kwargs)).close()
            raise ae.BadRequestError("Runs in status 'queued' do not accept tool outputs.",
                                     status=400)  # fmt: skip

    async with TakenThenRefused.foundry(server.url, CountingCredential()) as client:
        result = await Approver().run(client, assistant_id=assistant_id, messages=ASK)
    assert result.run is not None and result.run.status == "completed"
    [submissions] = server.store.approval_submissions.values()  # type: ignore[attr-defined]
    assert len(submissions) == 1 and server.cancelled == []


class FutureActionStore(FoundryStore):
    """A server that asks for a required action this library does not know."""

    def _ask_approval(self, state: Any, plan: Any) -> Iterator[Any]:
        yield self._run_event(state, "requires_action", required_action={"type": "future"})


async def test_an_unknown_required_action_is_an_error_and_the_run_is_cancelled() -> None:
    async with MockAssistantsServer(flavor="foundry") as server:
        server.assistants_api.store = FutureActionStore(server.model)
        async with ae.AssistantsClient.foundry(server.url, "t") as client:
            assistant = await client.create_assistant("gpt-4o", tools=[MCP_TOOL])
            with pytest.raises(ae.AssistantsEventsError, match="'future' action"):
                await ae.EventHandler().run(client, assistant_id=assistant.id, messages=ASK)
    assert len(server.cancelled) == 1
