"""Genuine Assistants streams, recorded by other projects' test suites, pass strict mode.

Every file under `tests/fixtures/genuine/assistants/` is an SSE body a real server
sent (api.openai.com or Azure AI Foundry agents), copied byte for byte from a public
recording; `PROVENANCE.md` there says where each came from. The rule they enforce:
strict means impossible, not unusual, so a strict handler must consume every one of
them and arrive at what the recording shows.
"""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest

import assistants_events as ae

GENUINE = Path(__file__).parent / "fixtures" / "genuine" / "assistants"


@attrs.frozen
class Expect:
    """What a recording shows: the run's last status, a piece of its text, its tool calls."""

    status: str
    text: str
    tool_calls: int


# One row per recording; `text` is "" where the stream carries no assistant text,
# `tool_calls` counts the calls in every run step the stream showed.
EXPECTED: dict[str, Expect] = {
    "openai_dotnet_streaming_text.sse": Expect("completed", "How can I assist you today?", 0),
    "openai_dotnet_function_call_requires_action.sse": Expect("requires_action", "", 1),
    "openai_dotnet_submit_tool_outputs.sse": Expect("completed", "warm and sunny outside", 1),
    "openai_dotnet_file_search_citation.sse": Expect(
        "completed", "Filip's favorite food is cake", 1
    ),
    "azure_function_call_requires_action.sse": Expect("requires_action", "", 1),
    "azure_submit_tool_outputs_stream.sse": Expect("completed", "12:30 PM on October 10th", 1),
    "azure_agents_asset_submit_stream.sse": Expect("requires_action", "", 3),
    "azure_mcp_submit_tool_approval.sse": Expect("requires_action", "", 1),
    "azure_bing_grounding_url_citation.sse": Expect(
        "completed", "exemplifying deep mathematical beauty", 1
    ),
    "azure_code_interpreter.sse": Expect("completed", "Augmented Reality Interface", 1),
    "azure_net_function_args_stream.sse": Expect("requires_action", "", 1),
    "azure_net_submit_tool_outputs.sse": Expect("completed", "Seattle, WA is 70°F", 1),
    "azure_ai_search_url_citation.sse": Expect("completed", "20°F to 60°F (-6°C to 15°C)", 1),
    "openai_dotnet_function_call_requires_action_2.sse": Expect("requires_action", "", 1),
    "openai_dotnet_submit_tool_outputs_2.sse": Expect("completed", "Comfortable sandals", 1),
}


class H(ae.EventHandler):
    strict = True


def recording(name: str) -> bytes:
    return (GENUINE / name).read_bytes()


def tool_call_count(result: ae.StreamResult) -> int:
    return sum(
        len(getattr(step.step_details, "tool_calls", None) or []) for step in result.run_steps
    )


async def in_chunks(body: bytes, size: int):  # type: ignore[no-untyped-def]
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_every_recording_has_one_expectation() -> None:
    assert sorted(p.name for p in GENUINE.glob("*.sse")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_strict_handler_consumes_the_genuine_recording(name: str) -> None:
    expect = EXPECTED[name]
    result = await H().consume(recording(name))
    assert result.done
    assert result.run is not None and result.run.status == expect.status
    assert expect.text in result.text
    assert tool_call_count(result) == expect.tool_calls


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_recording_fed_in_7_byte_chunks_gives_the_same_result(name: str) -> None:
    body = recording(name)
    whole = await H().consume(body)
    chunked = await H().consume(in_chunks(body, 7))
    assert chunked == whole


# The quirks (see `assistants_events.assistants.lifecycle.QUIRKS`) each recording shows;
# a recording not listed shows none.
QUIRKS_SEEN: dict[str, list[str]] = {
    "azure_mcp_submit_tool_approval.sse": ["created-again"],
    "azure_agents_asset_submit_stream.sse": ["first-seen-finished"],
    "azure_net_submit_tool_outputs.sse": ["first-seen-finished"],
    "azure_submit_tool_outputs_stream.sse": ["first-seen-finished"],
    "openai_dotnet_submit_tool_outputs.sse": ["first-seen-finished"],
    "openai_dotnet_submit_tool_outputs_2.sse": ["first-seen-finished"],
}


class Counting(ae.EventHandler):
    strict = True

    def __init__(self) -> None:
        super().__init__()
        self.quirks: list[ae.Quirk] = []

    def on_quirk(self, quirk: ae.Quirk) -> None:
        self.quirks.append(quirk)


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_strict_handler_reports_the_recordings_quirks(name: str) -> None:
    handler = Counting()
    await handler.consume(recording(name))
    assert [q.code for q in handler.quirks] == QUIRKS_SEEN.get(name, [])


async def test_submit_stream_after_its_first_stream_shows_no_quirk() -> None:
    handler = Counting()
    await handler.consume(recording("openai_dotnet_function_call_requires_action.sse"))
    result = await handler.consume(recording("openai_dotnet_submit_tool_outputs.sse"))
    assert handler.quirks == []
    assert result.run is not None and result.run.status == "completed"


async def test_mcp_approval_stream_structures_with_no_subscriber_and_not_strict() -> None:
    class Lenient(ae.EventHandler):
        strict = False

    result = await Lenient().consume(recording("azure_mcp_submit_tool_approval.sse"))
    assert result.run is not None
    assert [(c.type, c.name, c.server_label) for c in result.run.approval_calls] == [
        ("mcp", "fetch_azure_rest_api_docs", "github")
    ]


async def test_genuine_usage_keeps_its_token_details() -> None:
    result = await H().consume(recording("openai_dotnet_streaming_text.sse"))
    assert result.run is not None and result.run.usage is not None
    assert (result.run.usage.cached_tokens, result.run.usage.reasoning_tokens) == (0, 0)
    assert all(step.expires_at is not None for step in result.run_steps)


# The continuation of the MCP approval run (same recording, entry 5) was not transcribed:
# its one tool-output delta is ~100 KB. This is its event sequence, with the recorded
# ids and statuses and a short output, so the three quirks it shows are exercised
# after the genuine first stream. It is a shape, not a recording.
def _continuation() -> bytes:
    run = {"id": "run_0fDXYlzg8O7MxLrtymqVM1vA", "object": "thread.run", "thread_id": "thread_1"}
    step = {"id": "step_7jfuPl8FrQS3e4WxkFofjyJW", "object": "thread.run.step"}
    call = {
        "id": "call_7xWS61tAxJO9euluKVIX5aJH",
        "type": "mcp",
        "arguments": "{}",
        "name": "fetch_azure_rest_api_docs",
        "server_label": "github",
        "output": None,
    }
    message = {
        "id": "msg_A09KKFyiaqCdVDQc07FhkMWf",
        "object": "thread.message",
        "role": "assistant",
    }
    text = {
        "type": "text",
        "text": {"value": "The Azure REST API specifications", "annotations": []},
    }
    writer = {
        "id": "step_MqHLF6iY4P6pIuigLIRDCSwz",
        "object": "thread.run.step",
        "step_details": {
            "type": "message_creation",
            "message_creation": {"message_id": message["id"]},
        },
    }
    events: list[tuple[str, object]] = [
        ("thread.run.step.completed", {**step, "status": "completed", "step_details": {
            "type": "tool_calls", "tool_calls": [call]}}),
        ("thread.run.queued", {**run, "status": "queued"}),
        ("thread.run.created", {**run, "status": "queued"}),
        ("thread.run.queued", {**run, "status": "queued"}),
        ("thread.run.in_progress", {**run, "status": "in_progress"}),
        ("thread.run.step.delta", {"id": step["id"], "object": "thread.run.step.delta",
                                   "delta": {"step_details": {"type": "tool_calls",
                                   "tool_calls": [{"index": 0, "type": "mcp",
                                                   "output": "# Azure/azure-rest-api-specs"}]}}}),
        ("thread.run.step.created", {**writer, "status": "in_progress"}),
        ("thread.message.created", {**message, "status": "in_progress", "content": []}),
        ("thread.message.delta", {"id": message["id"], "object": "thread.message.delta",
                                  "delta": {"content": [{"index": 0, **text}]}}),
        ("thread.message.completed", {**message, "status": "in_progress",
                                      "content": [text]}),
        ("thread.run.step.completed", {**writer, "status": "completed"}),
        ("thread.run.completed", {**run, "status": "completed"}),
    ]  # fmt: skip
    frames = [f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events]
    return "".join([*frames, "event: done\ndata: [DONE]\n\n"]).encode()


async def test_mcp_approval_continuation_shape_passes_strict_after_the_first_stream() -> None:
    handler = Counting()
    await handler.consume(recording("azure_mcp_submit_tool_approval.sse"))
    result = await handler.consume(_continuation())
    assert [q.code for q in handler.quirks] == [
        "created-again", "created-again", "delta-after-completed", "status-differs-from-name",
    ]  # fmt: skip
    assert result.run is not None and result.run.status == "completed"
    assert result.text == "The Azure REST API specifications"


async def test_late_tool_output_delta_fills_the_completed_call_without_doubling_it() -> None:
    handler = Counting()
    await handler.consume(recording("azure_mcp_submit_tool_approval.sse"))
    result = await handler.consume(_continuation())
    mcp_step = next(s for s in result.run_steps if s.id == "step_7jfuPl8FrQS3e4WxkFofjyJW")
    (call,) = mcp_step.tool_calls
    assert isinstance(call, dict)  # an MCP call: a tool type the library keeps as plain JSON
    assert (call["id"], call["output"]) == (
        "call_7xWS61tAxJO9euluKVIX5aJH", "# Azure/azure-rest-api-specs",
    )  # fmt: skip
