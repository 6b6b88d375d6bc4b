"""Azure tool definitions, tool calls, step types and step-delta details are kept, typed
or raw, never an error (shapes from azure-ai-agents 1.2 and Foundry recordings)."""

from __future__ import annotations

import json
from typing import Any

import assistants_events as ae
from assistants_events.assistants.convert import structure

AZURE_TOOLS = ["bing_grounding", "azure_ai_search", "azure_function", "openapi", "mcp",
               "connected_agent", "deep_research", "browser_automation",
               "sharepoint_grounding", "fabric_dataagent", "computer_use_preview"]  # fmt: skip
RUN: dict[str, Any] = {"id": "run_1", "object": "thread.run", "thread_id": "thread_1",
                       "assistant_id": "asst_1", "created_at": 1, "expires_at": 9}  # fmt: skip
STEP: dict[str, Any] = {"id": "step_1", "object": "thread.run.step", "run_id": "run_1",
                        "thread_id": "thread_1", "assistant_id": "asst_1", "type": "tool_calls",
                        "created_at": 1, "expires_at": 1756315734}  # fmt: skip


def frame(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def test_azure_tool_definitions_on_a_run_are_kept_as_json() -> None:
    tools = [{"type": kind, kind: {"some": "config"}} for kind in AZURE_TOOLS]
    run = structure({**RUN, "status": "queued", "tools": tools}, ae.Run)
    assert run.tools == tools


def test_azure_tool_calls_in_a_step_are_kept() -> None:
    calls = [{"id": f"call_{i}", "type": kind, kind: {}} for i, kind in enumerate(AZURE_TOOLS)]
    details = {"type": "tool_calls", "tool_calls": calls}
    step = structure({**STEP, "status": "completed", "step_details": details}, ae.RunStep)
    assert step.step_details.tool_calls == calls  # type: ignore[union-attr]


def test_a_step_keeps_the_expires_at_azure_sends() -> None:
    step = structure({**STEP, "status": "in_progress", "step_details": {"type": "tool_calls"}},
                     ae.RunStep)  # fmt: skip
    assert step.expires_at == 1756315734


async def test_an_activities_step_and_mcp_and_openapi_deltas_stream_in_strict_mode() -> None:
    activities = {"type": "activities", "activities": [
        {"type": "mcp_list_tools", "id": "act_1", "server_label": "github",
         "tools": {"search": {"description": "d", "parameters": {"type": "object"}}}}]}  # fmt: skip
    listing = {**STEP, "id": "step_0", "type": "activities", "step_details": activities}
    tool_step = {**STEP, "step_details": {"type": "tool_calls", "tool_calls": []}}
    mcp = {"type": "mcp", "tool_calls": [{"index": 0, "id": "call_1", "type": "mcp",
                                          "arguments": "{}"}]}  # fmt: skip
    openapi_call = {"index": 1, "id": "call_2", "type": "openapi",
                    "function": {"name": "f", "arguments": ""}}  # fmt: skip
    openapi = {"type": "openapi", "tool_calls": [openapi_call]}
    done = {"type": "tool_calls", "tool_calls": [
        {"id": "call_1", "type": "mcp", "name": "search", "arguments": "{}",
         "server_label": "github", "output": "ok"},
        {"id": "call_2", "type": "openapi", "function": {"name": "f", "arguments": "",
                                                          "output": "ok"}}]}  # fmt: skip
    stream = b"".join([
        frame("thread.run.created", {**RUN, "status": "queued"}),
        frame("thread.run.in_progress", {**RUN, "status": "in_progress"}),
        frame("thread.run.step.created", {**listing, "status": "in_progress"}),
        frame("thread.run.step.completed", {**listing, "status": "completed"}),
        frame("thread.run.step.created", {**tool_step, "status": "in_progress"}),
        frame("thread.run.step.delta", {"id": "step_1", "object": "thread.run.step.delta",
                                        "delta": {"step_details": mcp}}),
        frame("thread.run.step.delta", {"id": "step_1", "object": "thread.run.step.delta",
                                        "delta": {"step_details": openapi}}),
        frame("thread.run.step.completed", {**STEP, "status": "completed", "step_details": done}),
        frame("thread.run.completed", {**RUN, "status": "completed"}),
        b"event: done\ndata: [DONE]\n\n",
    ])  # fmt: skip
    seen: list[str] = []

    class Watcher(ae.EventHandler):
        @ae.on("thread.run.step.delta")
        def delta(self, event: ae.Event) -> None:
            seen.append(event.data.delta.step_details["type"])

    result = await Watcher().consume(stream)
    assert result.done and result.run is not None and result.run.status == "completed"
    assert seen == ["mcp", "openapi"]
    steps = {s.id: s for s in result.run_steps}
    assert steps["step_0"].step_details == activities
    assert steps["step_1"].expires_at == 1756315734
