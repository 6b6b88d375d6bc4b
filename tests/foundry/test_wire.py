"""Foundry's URL shape and the tool-approval wire form."""

from __future__ import annotations

import pytest

import assistants_events as ae
from assistants_events.assistants.foundry import (
    FoundryEndpoint,
    ToolApproval,
    azure_event,
    tool_approvals_body,
)

PROJECT = "https://res.services.ai.azure.com/api/projects/proj"


def test_paths_are_appended_to_the_project_endpoint() -> None:
    endpoint = FoundryEndpoint(PROJECT + "/")
    assert endpoint.url("/threads/t1/runs") == PROJECT + "/threads/t1/runs"
    assert endpoint.url("assistants") == PROJECT + "/assistants"


def test_every_query_carries_the_api_version() -> None:
    endpoint = FoundryEndpoint(PROJECT)
    assert endpoint.params() == {"api-version": "v1"}
    assert endpoint.params({"limit": 5, "after": None}) == {"limit": 5, "api-version": "v1"}


def test_the_api_version_wins_over_a_caller_supplied_one() -> None:
    endpoint = FoundryEndpoint(PROJECT, api_version="2025-05-15-preview")
    assert endpoint.params({"api-version": "old"}) == {"api-version": "2025-05-15-preview"}


@pytest.mark.parametrize("bad", ["res.services.ai.azure.com", "ftp://x/y", PROJECT + "?a=1"])
def test_a_malformed_endpoint_is_a_configuration_error(bad: str) -> None:
    with pytest.raises(ae.ConfigurationError, match="project endpoint"):
        FoundryEndpoint(bad)


def test_a_tool_approval_has_the_sdk_wire_form() -> None:
    assert ToolApproval("call_1", True).to_json() == {"tool_call_id": "call_1", "approve": True}
    with_headers = ToolApproval("call_2", False, {"Authorization": "Bearer mcp"})
    assert with_headers.to_json() == {
        "tool_call_id": "call_2",
        "approve": False,
        "headers": {"Authorization": "Bearer mcp"},
    }


def test_approval_header_values_never_show_in_a_repr() -> None:
    text = repr(ToolApproval("call_2", False, {"Authorization": "Bearer mcp-secret"}))
    assert "mcp-secret" not in text
    assert "Authorization" in text


def test_the_submit_body_carries_tool_approvals_and_stream() -> None:
    body = tool_approvals_body([ToolApproval("c1", False)], stream=True)
    assert body == {"tool_approvals": [{"tool_call_id": "c1", "approve": False}], "stream": True}


def test_an_azure_sdk_step_event_gets_its_wire_names_back() -> None:
    from azure.ai.agents.models import RunStep

    step = RunStep({"id": "step_1", "status": "completed", "assistant_id": "a", "expired_at": 5})
    name, data = azure_event(("thread.run.step.completed", step, None))
    assert name == "thread.run.step.completed"
    assert data["expires_at"] == 5 and "expired_at" not in data
    assert data["assistant_id"] == "a"


def test_an_azure_sdk_error_event_string_becomes_its_payload() -> None:
    name, data = azure_event(("error", "{'error': {'message': 'boom'}}", None))
    assert (name, data) == ("error", {"error": {"message": "boom"}})
    assert azure_event(("done", "[DONE]", None)) == ("done", "[DONE]")


def test_something_else_than_an_sdk_item_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="azure-ai-agents stream item"):
        azure_event({"event": "x"})
