from __future__ import annotations

import typing

import pytest
from openai.types.responses import ResponseStreamEvent

from assistants_events.errors import EventDecodeError
from assistants_events.responses import models as m
from assistants_events.responses.convert import EVENT_MODELS, decode_event, structure

from .script import Script, call_json, message_json, response_json, usage_json

ITEMS = [
    message_json("msg_1", "Hi"),
    call_json("fc_1", "call_1", "get_weather", '{"city":"Paris"}', "completed"),
    {"type": "custom_tool_call", "id": "ctc_1", "call_id": "call_2", "name": "grep", "input": "x"},
    {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [{"type": "summary_text", "text": "Hm"}],
        "content": [{"type": "reasoning_text", "text": "raw"}],
    },
    {"type": "file_search_call", "id": "fs_1", "queries": ["q"], "status": "searching"},
    {
        "type": "web_search_call",
        "id": "ws_1",
        "status": "completed",
        "action": {"type": "search", "query": "q"},
    },
    {
        "type": "code_interpreter_call",
        "id": "ci_1",
        "status": "interpreting",
        "code": "1+1",
        "container_id": "cntr_1",
        "outputs": None,
    },
    {"type": "image_generation_call", "id": "ig_1", "status": "generating", "result": None},
    {
        "type": "mcp_call",
        "id": "mcp_1",
        "name": "roll",
        "server_label": "dice",
        "arguments": "{}",
        "output": "4",
    },
    {"type": "mcp_list_tools", "id": "mcpl_1", "server_label": "dice", "tools": []},
    {
        "type": "mcp_approval_request",
        "id": "mcpr_1",
        "name": "roll",
        "server_label": "dice",
        "arguments": "{}",
    },
]

KINDS = [
    m.OutputMessage,
    m.FunctionCall,
    m.CustomToolCall,
    m.ReasoningItem,
    m.FileSearchCall,
    m.WebSearchCall,
    m.CodeInterpreterCall,
    m.ImageGenerationCall,
    m.McpCall,
    m.McpListTools,
    m.McpApprovalRequest,
]


def test_every_known_item_type_structures_into_its_model() -> None:
    response = structure(response_json("resp_1", "completed", output=ITEMS), m.Response)
    assert [type(item) for item in response.output] == KINDS


def test_an_unknown_item_type_is_kept_raw_not_an_error() -> None:
    item = {"type": "apply_patch_call", "id": "ap_1", "status": "in_progress", "x": [1]}
    response = structure(response_json("resp_1", "completed", output=[item]), m.Response)
    assert response.output == [m.UnknownItem("apply_patch_call", item, "ap_1", "in_progress")]


def test_an_unknown_annotation_or_part_stays_a_plain_dict() -> None:
    odd = {"type": "hologram", "n": 1}
    message = {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "a", "annotations": [odd]}, odd],
    }
    item = structure(message, m.OutputMessage)
    assert item.content[1] == odd
    assert isinstance(item.content[0], m.OutputText)
    assert item.content[0].annotations == [odd]


def test_an_item_without_status_structures() -> None:
    item = structure({"type": "reasoning", "id": "rs_1", "summary": []}, m.ReasoningItem)
    assert item.status is None


def test_an_unknown_status_string_structures_as_is() -> None:
    response = structure(response_json("resp_1", "paused_for_review"), m.Response)
    item = structure(call_json("fc_1", "c", "f", "{}", "awaiting_approval"), m.FunctionCall)
    assert (response.status, item.status) == ("paused_for_review", "awaiting_approval")


def test_a_non_string_status_fails() -> None:
    with pytest.raises(EventDecodeError, match=r"\$ \(Response\)\.status"):
        structure(response_json("resp_1", 3), m.Response)  # type: ignore[arg-type]


def test_a_wrong_scalar_fails_with_the_path_into_the_output() -> None:
    bad = call_json("fc_1", "call_1", "f", "{}", "completed")
    bad["call_id"] = 5
    payload = {
        "type": "response.completed",
        "sequence_number": 9,
        "response": response_json("resp_1", "completed", output=[ITEMS[0], ITEMS[2], bad]),
    }
    path = r"\$ \(ResponseEvent\)\.response\.output\[2\]\.call_id"
    with pytest.raises(EventDecodeError, match=path) as caught:
        decode_event("response.completed", payload)
    assert caught.value.event == "response.completed"


def test_an_item_without_type_fails_with_its_path() -> None:
    payload = {"type": "response.output_item.added", "output_index": 0, "item": {"id": "x"}}
    with pytest.raises(EventDecodeError, match=r"'type'.*\$ \(OutputItemEvent\)\.item"):
        decode_event("response.output_item.added", payload)


def test_a_bool_is_not_an_int() -> None:
    with pytest.raises(EventDecodeError, match="output_index"):
        decode_event(
            "response.output_item.added", {"type": "x", "output_index": True, "item": ITEMS[0]}
        )


def test_unknown_keys_are_ignored() -> None:
    response = structure(response_json("resp_1", "queued", brand_new={"a": 1}), m.Response)
    assert response.status == "queued"


def test_usage_adds_up_across_responses() -> None:
    a = structure(usage_json(10, 5, cached=2, reasoning=1), m.ResponseUsage)
    b = structure(usage_json(7, 3, cached=1, reasoning=4), m.ResponseUsage)
    assert a + b == m.ResponseUsage(17, 8, 25, m.InputTokensDetails(3), m.OutputTokensDetails(5))


def test_usage_without_details_defaults_to_zero() -> None:
    usage = structure({"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}, m.ResponseUsage)
    assert usage.input_tokens_details.cached_tokens == 0


def test_a_flat_error_event_decodes() -> None:
    error = decode_event(
        "error",
        {
            "type": "error",
            "code": "server_error",
            "message": "boom",
            "param": None,
            "sequence_number": 4,
        },
    )
    assert error == m.ErrorEvent("boom", "server_error", None, None, 4)


def test_a_nested_error_event_decodes_the_same_fields() -> None:
    error = decode_event(
        "error",
        {
            "type": "error",
            "sequence_number": 2,
            "error": {
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
                "message": "too long",
                "param": "input",
            },
        },
    )
    assert error == m.ErrorEvent(
        "too long", "context_length_exceeded", "input", "invalid_request_error", 2
    )


def test_an_unknown_event_name_keeps_its_json() -> None:
    payload = {"type": "response.apply_patch_call_operation_diff.delta", "delta": "+x"}
    assert decode_event(payload["type"], payload) is payload


def test_message_text_and_function_calls_are_read_from_the_output() -> None:
    response = structure(response_json("resp_1", "completed", output=ITEMS), m.Response)
    assert response.output_text == "Hi"
    assert [c.call_id for c in response.function_calls] == ["call_1"]


def _full_script() -> Script:
    script = Script().start()
    script.message("msg_1", 0, ["Hel", "lo"])
    script.function_call("fc_1", 1, "call_1", "get_weather", ['{"city":', '"Paris"}'])
    return script.completed(output=[message_json("msg_1", "Hello")])


def test_the_test_scripts_write_events_the_sdk_validates_strictly() -> None:
    members = typing.get_args(typing.get_args(ResponseStreamEvent)[0])
    by_type = {typing.get_args(c.model_fields["type"].annotation)[0]: c for c in members}
    for event in _full_script().events:
        by_type[event["type"]].model_validate(event, strict=True)


def test_every_event_of_a_script_decodes_into_its_model() -> None:
    for event in _full_script().events:
        assert isinstance(decode_event(event["type"], event), EVENT_MODELS[event["type"]])


def test_every_field_of_the_sdk_response_is_modelled() -> None:
    import attrs
    from openai.types.responses import Response

    assert set(Response.model_fields) <= {f.name for f in attrs.fields(m.Response)}


def test_the_genuine_moderation_result_is_kept() -> None:
    moderation = {"input": {"type": "moderation_result", "categories": {"hate": False}}}
    response = structure(response_json("resp_1", "completed", moderation=moderation), m.Response)
    assert response.moderation == moderation
