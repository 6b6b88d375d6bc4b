"""The mock server's Foundry flavour, spoken to with plain aiohttp."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from assistants_events.testing import MockAssistantsServer
from assistants_events.testing.foundry import DENIED_OUTPUT, FoundryStore

TOKEN = "mock-entra-token"
MCP_TOOL = {
    "type": "mcp",
    "server_label": "github",
    "server_url": "https://example.invalid/mcp",
    "allowed_tools": ["search_repos"],
}


def events_of(raw: bytes) -> list[tuple[str, Any]]:
    out = []
    for frame in raw.decode().split("\n\n"):
        if not frame.strip():
            continue
        name = data = ""
        for line in frame.split("\n"):
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
        out.append((name, data if data == "[DONE]" else json.loads(data)))
    return out


class Foundry:
    def __init__(self, server: MockAssistantsServer, session: aiohttp.ClientSession) -> None:
        self.server, self.session = server, session

    async def call(self, method: str, path: str, body: Any = None, *, token: str = TOKEN,
                   version: str | None = "v1") -> tuple[int, bytes]:  # fmt: skip
        params = {"api-version": version} if version else {}
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.session.request(
            method, self.server.url + path, json=body, params=params, headers=headers
        ) as response:
            return response.status, await response.read()

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, raw = await self.call(method, path, body)
        assert status == 200, raw
        return raw if raw.startswith(b"event:") else json.loads(raw)


@pytest.fixture
async def foundry() -> Any:
    async with (
        MockAssistantsServer(flavor="foundry", api_key=TOKEN) as server,
        aiohttp.ClientSession() as session,
    ):
        yield Foundry(server, session)


async def test_the_project_endpoint_is_the_base_url(foundry: Foundry) -> None:
    assert foundry.server.url.endswith("/api/projects/mock-project")
    assert foundry.server.url.startswith("http://127.0.0.1:")


async def test_a_request_without_a_token_gets_401(foundry: Foundry) -> None:
    status, raw = await foundry.call("GET", "/assistants", token="")
    assert status == 401
    assert "Access token is missing" in raw.decode()


async def test_an_expired_token_gets_401(foundry: Foundry) -> None:
    foundry.server.expire_token(TOKEN)
    status, _ = await foundry.call("GET", "/assistants")
    assert status == 401


async def test_a_request_without_api_version_gets_400(foundry: Foundry) -> None:
    status, raw = await foundry.call("GET", "/assistants", version=None)
    assert status == 400
    assert "api-version" in raw.decode()


async def test_steps_carry_expires_at_not_expired_at(foundry: Foundry) -> None:
    assistant = await foundry.ok("POST", "/assistants", {"model": "gpt-4o"})
    raw = await foundry.ok("POST", "/threads/runs", {
        "assistant_id": assistant["id"], "stream": True,
        "thread": {"messages": [{"role": "user", "content": "hi"}]},
    })  # fmt: skip
    step = next(d for n, d in events_of(raw) if n == "thread.run.step.created")
    assert "expires_at" in step and "expired_at" not in step


async def test_a_tool_call_step_is_created_again_after_its_in_progress(foundry: Foundry) -> None:
    events, _ = await start_mcp_run(foundry)
    names = [n for n, _ in events if n.startswith("thread.run.step.")]
    assert names[3:6] == ["thread.run.step.created", "thread.run.step.in_progress",
                          "thread.run.step.created"]  # fmt: skip


async def start_mcp_run(foundry: Foundry) -> tuple[list[tuple[str, Any]], Any]:
    assistant = await foundry.ok("POST", "/assistants", {"model": "gpt-4o", "tools": [MCP_TOOL]})
    raw = await foundry.ok("POST", "/threads/runs", {
        "assistant_id": assistant["id"], "stream": True,
        "thread": {"messages": [{"role": "user", "content": 'search_repos {"q": "attrs"}'}]},
    })  # fmt: skip
    events = events_of(raw)
    return events, events[-2][1]


async def test_an_mcp_tool_named_in_the_message_asks_for_approval(foundry: Foundry) -> None:
    events, run = await start_mcp_run(foundry)
    assert events[-2][0] == "thread.run.requires_action"
    action = run["required_action"]
    assert action["type"] == "submit_tool_approval"
    [call] = action["submit_tool_approval"]["tool_calls"]
    assert call["type"] == "mcp" and call["name"] == "search_repos"
    assert call["server_label"] == "github" and json.loads(call["arguments"]) == {"q": "attrs"}
    kinds = [d["step_details"]["type"] for n, d in events if n == "thread.run.step.created"]
    assert "activities" in kinds
    [delta] = [d for n, d in events if n == "thread.run.step.delta"]
    [piece] = delta["delta"]["step_details"]["tool_calls"]
    assert (piece["type"], piece["name"], piece["server_label"]) == (
        "mcp",
        "search_repos",
        "github",
    )


@pytest.mark.parametrize(("approve", "says"), [(True, "github.search_repos answered"),
                                               (False, DENIED_OUTPUT)])  # fmt: skip
async def test_tool_approvals_complete_the_mcp_step(
    foundry: Foundry, approve: bool, says: str
) -> None:
    _, run = await start_mcp_run(foundry)
    [call] = run["required_action"]["submit_tool_approval"]["tool_calls"]
    path = f"/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs"
    raw = await foundry.ok("POST", path, {
        "tool_approvals": [{"tool_call_id": call["id"], "approve": approve}], "stream": True,
    })  # fmt: skip
    events = events_of(raw)
    names = [n for n, _ in events]
    assert names[:5] == ["thread.run.step.completed", "thread.run.queued",
                         "thread.run.created", "thread.run.in_progress",
                         "thread.run.step.delta"]  # fmt: skip
    assert events[0][1]["step_details"]["tool_calls"][0]["output"].startswith(says)
    assert events[-2][0] == "thread.run.completed"
    store = foundry.server.store
    assert isinstance(store, FoundryStore)
    assert store.approval_submissions[run["id"]] == [
        [{"tool_call_id": call["id"], "approve": approve}]
    ]


async def test_tool_outputs_do_not_answer_an_approval(foundry: Foundry) -> None:
    _, run = await start_mcp_run(foundry)
    [call] = run["required_action"]["submit_tool_approval"]["tool_calls"]
    status, raw = await foundry.call(
        "POST", f"/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs",
        {"tool_outputs": [{"tool_call_id": call["id"], "output": "x"}]},
    )  # fmt: skip
    assert status == 400 and b"tool_approvals" in raw


async def test_quirks_off_sends_each_event_once() -> None:
    async with (
        MockAssistantsServer(flavor="foundry", quirks=False) as server,
        aiohttp.ClientSession() as session,
    ):
        foundry = Foundry(server, session)
        events, run = await start_mcp_run(foundry)
        assert [n for n, _ in events].count("thread.run.step.created") == 2  # two steps
        [call] = run["required_action"]["submit_tool_approval"]["tool_calls"]
        path = f"/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs"
        raw = await foundry.ok("POST", path, {
            "tool_approvals": [{"tool_call_id": call["id"], "approve": True}], "stream": True,
        })  # fmt: skip
        names = [n for n, _ in events_of(raw)]
        assert "thread.run.created" not in names and "thread.run.step.delta" not in names


async def test_an_mcp_tool_without_allowed_tools_takes_any_tool_name() -> None:
    async with (
        MockAssistantsServer(flavor="foundry") as server,
        aiohttp.ClientSession() as session,
    ):
        foundry = Foundry(server, session)
        tool = {**MCP_TOOL, "allowed_tools": None}
        assistant = await foundry.ok("POST", "/assistants", {"model": "m", "tools": [tool]})
        raw = await foundry.ok("POST", "/threads/runs", {
            "assistant_id": assistant["id"], "stream": True,
            "thread": {"messages": [{"role": "user", "content": 'fetch_docs {}'}]},
        })  # fmt: skip
        assert events_of(raw)[-2][1]["required_action"]["type"] == "submit_tool_approval"


async def test_a_run_accepts_foundry_tool_resources_and_refuses_unknown_parameters(
    foundry: Foundry,
) -> None:
    assistant = await foundry.ok("POST", "/assistants", {"model": "m"})
    thread = await foundry.ok("POST", "/threads", {})
    path = f"/threads/{thread['id']}/runs"
    run = await foundry.ok("POST", path, {"assistant_id": assistant["id"], "tool_resources": {}})
    assert run["status"] in ("queued", "completed")
    status, raw = await foundry.call("POST", path, {"assistant_id": assistant["id"], "tool": []})
    assert status == 400 and json.loads(raw)["error"]["param"] == "tool"
