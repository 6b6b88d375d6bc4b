"""The converter, and the table walk in front of it (`flatmodel`): same objects, same errors."""

from __future__ import annotations

from typing import Any

import cattrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistants_events import jsonlib
from assistants_events import models as m
from assistants_events.assistants.convert import converter, decoder, structure
from assistants_events.errors import EventDecodeError
from assistants_events.flatmodel import model_maker


def slow(value: Any, cls: type) -> Any:
    # The generated function the table walk stands in front of.
    return cattrs.gen.make_dict_structure_fn(cls, converter)(value, cls)


_text = st.one_of(st.none(), st.text(max_size=8), st.integers())
_text_part = st.fixed_dictionaries(
    {"index": st.integers(0, 3), "type": st.just("text")},
    optional={"text": st.fixed_dictionaries({}, optional={"value": _text,
                                                           "annotations": st.just([])})},
)  # fmt: skip
_message_delta = st.fixed_dictionaries(
    {"id": st.one_of(st.text(max_size=5), st.integers()),
     "delta": st.fixed_dictionaries({}, optional={"content": st.lists(_text_part, max_size=3),
                                                  "role": st.sampled_from(["assistant", 3])})},
    optional={"object": st.just("thread.message.delta")},
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_message_delta)
def test_message_delta_decoder_equals_the_detailed_structure(value: dict[str, Any]) -> None:
    decode = decoder(m.MessageDelta, "thread.message.delta")
    try:
        expected = slow(value, m.MessageDelta)
    except Exception:
        with pytest.raises(EventDecodeError):
            decode(value)
        return
    assert decode(value) == expected


_function = st.fixed_dictionaries(
    {}, optional={"name": _text, "arguments": _text, "output": st.none()}
)
_call = st.fixed_dictionaries(
    {"index": st.integers(0, 3), "type": st.just("function")},
    optional={"id": st.one_of(st.none(), st.text(max_size=4)), "function": _function},
)
_step_delta = st.fixed_dictionaries(
    {"id": st.text(max_size=5),
     "delta": st.fixed_dictionaries({"step_details": st.fixed_dictionaries(
         {"type": st.just("tool_calls"), "tool_calls": st.lists(_call, max_size=3)})})},
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_step_delta)
def test_step_delta_decoder_equals_the_detailed_structure(value: dict[str, Any]) -> None:
    decode = decoder(m.RunStepDelta, "thread.run.step.delta")
    try:
        expected = slow(value, m.RunStepDelta)
    except Exception:
        with pytest.raises(EventDecodeError):
            decode(value)
        return
    assert decode(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"id": "m", "delta": {"content": [{"index": 0, "type": "image_file",
                                           "image_file": {"file_id": "f"}}]}},
        {"id": "m", "delta": {"content": [{"index": 0, "type": "text", "text": {
            "value": "x", "annotations": [{"index": 0, "type": "file_path", "text": "t"}]}}]}},
        {"id": "m", "delta": {"content": [{"index": 0, "type": "newer_part", "x": 1}]}},
    ],
)  # fmt: skip
def test_table_walk_builds_image_annotation_and_unknown_parts(value: dict[str, Any]) -> None:
    make = model_maker(m.MessageDelta)
    assert make is not None
    assert make(value) == converter.structure(value, m.MessageDelta)


@pytest.mark.parametrize(
    "value",
    [
        {"id": "s", "delta": {"step_details": {"type": "tool_calls", "tool_calls": [
            {"index": 0, "type": "code_interpreter", "code_interpreter": {"outputs": [
                {"index": 1, "type": "image", "image": {"file_id": "file-1"}}]}}]}}},
        {"id": "s", "delta": {"step_details": {"type": "tool_calls", "tool_calls": [
            {"index": 0, "id": "call_1", "type": "file_search", "file_search": {}}]}}},
    ],
)  # fmt: skip
def test_table_walk_builds_code_interpreter_and_file_search_deltas(value: dict[str, Any]) -> None:
    make = model_maker(m.RunStepDelta)
    assert make is not None
    assert make(value) == converter.structure(value, m.RunStepDelta)


def test_a_bool_index_is_refused_by_the_walk_and_named_by_the_converter() -> None:
    value = {"id": "m", "delta": {"content": [{"index": True, "type": "text"}]}}
    make = model_maker(m.MessageDelta)
    assert make is not None
    assert make(value) is None
    with pytest.raises(EventDecodeError, match=r"content\[0\]\.index"):
        structure(value, m.MessageDelta, event="thread.message.delta")


def test_a_part_without_a_type_is_an_error_whichever_path() -> None:
    value = {"id": "m", "delta": {"content": [{"index": 0, "text": {"value": "x"}}]}}
    with pytest.raises(EventDecodeError, match="type"):
        decoder(m.MessageDelta, "thread.message.delta")(value)


def test_the_walk_gives_the_model_its_own_lists() -> None:
    content = [{"index": 0, "type": "text", "text": {"value": "x", "annotations": []}}]
    built = structure({"id": "m", "delta": {"content": content}}, m.MessageDelta)
    assert built.delta.content is not content
    content.clear()
    assert built == structure(
        {"id": "m", "delta": {"content": [{"index": 0, "type": "text",
                                           "text": {"value": "x", "annotations": []}}]}},
        m.MessageDelta,
    )  # fmt: skip


@pytest.mark.parametrize("text", ['"\\ud800"', "123456789012345678901234567890", "NaN"])
def test_json_decoding_accepts_what_the_standard_library_accepts(text: str) -> None:
    import json

    assert repr(jsonlib.loads(text)) == repr(json.loads(text))


def test_huge_integer_in_a_delta_is_never_a_silent_float() -> None:
    import assistants_events as ae

    huge = 123456789012345678901234567890
    raw = f'{{"id":"m","delta":{{"content":[{{"index":{huge},"type":"text"}}]}}}}'
    if jsonlib.BACKEND == "orjson":  # orjson's float is refused by the strict converter
        with pytest.raises(ae.EventDecodeError, match="index"):
            _ = ae.Event(ae.MESSAGE_DELTA, raw).data
    else:  # msgspec and json decode it exactly
        assert ae.Event(ae.MESSAGE_DELTA, raw).data.delta.content[0].index == huge


def test_invalid_json_is_a_value_error_whatever_the_backend() -> None:
    with pytest.raises(ValueError):
        jsonlib.loads("{nope")


# --------------------------------------------------- shapes genuine servers send

_RUN = {"id": "run_1", "object": "thread.run", "status": "requires_action", "thread_id": "t"}
_APPROVAL = {
    "type": "submit_tool_approval",
    "submit_tool_approval": {"tool_calls": [{
        "id": "call_1", "type": "mcp", "arguments": "{}",
        "name": "fetch_azure_rest_api_docs", "server_label": "github",
    }]},
}  # fmt: skip


def test_run_waiting_for_tool_approval_structures_its_approval_calls() -> None:
    run = structure({**_RUN, "required_action": _APPROVAL}, m.Run)
    assert isinstance(run.required_action, m.SubmitToolApprovalAction)
    assert run.approval_calls == [
        m.ToolApprovalCall("call_1", "mcp", "fetch_azure_rest_api_docs", "{}", "github")
    ]
    assert run.required_action.submit_tool_approval.tool_calls == run.approval_calls


def test_run_waiting_for_approval_has_no_tool_outputs_to_submit() -> None:
    run = structure({**_RUN, "required_action": _APPROVAL}, m.Run)
    assert run.tool_calls == []


def test_unknown_required_action_type_is_kept_as_its_json() -> None:
    action = {"type": "submit_something_new", "submit_something_new": {"x": 1}}
    run = structure({**_RUN, "required_action": action}, m.Run)
    assert run.required_action == action
    assert (run.tool_calls, run.approval_calls) == ([], [])


def test_run_waiting_for_tool_outputs_still_lists_its_tool_calls() -> None:
    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    action = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": [call]}}
    run = structure({**_RUN, "required_action": action}, m.Run)
    assert [c.function.name for c in run.tool_calls] == ["f"]
    assert run.approval_calls == []


def test_run_keeps_tool_resources_and_reasoning_effort() -> None:
    resources: dict[str, Any] = {"code_interpreter": {"file_ids": []}}
    run = structure({**_RUN, "tool_resources": resources, "reasoning_effort": "low"}, m.Run)
    assert (run.tool_resources, run.reasoning_effort) == (resources, "low")


def test_run_step_keeps_expires_at_beside_expired_at() -> None:
    step = structure(
        {"id": "s", "status": "in_progress", "expires_at": 1756315734, "expired_at": None,
         "step_details": {"type": "tool_calls", "tool_calls": []}},
        m.RunStep,
    )  # fmt: skip
    assert (step.expires_at, step.expired_at) == (1756315734, None)


def test_run_step_tool_calls_lists_a_tool_steps_calls() -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    step = structure(
        {"id": "s", "status": "completed",
         "step_details": {"type": "tool_calls", "tool_calls": [call]}},
        m.RunStep,
    )  # fmt: skip
    assert step.tool_calls == [
        m.FunctionToolCall("call_1", "function", m.FunctionCallDetails("f", "{}"))
    ]


def test_run_step_tool_calls_is_empty_for_a_message_creation_step() -> None:
    details = {"type": "message_creation", "message_creation": {"message_id": "msg_1"}}
    step = structure({"id": "s", "status": "completed", "step_details": details}, m.RunStep)
    assert step.tool_calls == []


def test_usage_keeps_cached_and_reasoning_token_details() -> None:
    usage = structure(
        {"prompt_tokens": 38, "completion_tokens": 35, "total_tokens": 73,
         "prompt_token_details": {"cached_tokens": 12},
         "completion_tokens_details": {"reasoning_tokens": 7}},
        m.Usage,
    )  # fmt: skip
    assert (usage.cached_tokens, usage.reasoning_tokens) == (12, 7)
    assert usage.prompt_token_details == m.PromptTokensDetails(12)


def test_usage_reads_cached_tokens_under_the_chat_spelling_too() -> None:
    usage = structure({"prompt_tokens_details": {"cached_tokens": 5}}, m.Usage)
    assert usage.cached_tokens == 5
    assert usage.reasoning_tokens is None
