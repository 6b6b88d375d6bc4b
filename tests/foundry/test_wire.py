"""Foundry's URL shape and the tool-approval wire form."""

from __future__ import annotations

import pytest

import assistants_events as ae
from assistants_events.assistants.foundry import FoundryEndpoint, ToolApproval, tool_approvals_body

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
