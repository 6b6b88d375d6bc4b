"""Events carry typed data, decoded lazily, and tolerate what they do not know."""

from __future__ import annotations

import json

import pytest

import assistants_events as ae
from assistants_events import models as m
from tests.conftest import fixture_bytes


def events_of(name: str) -> list[ae.Event]:
    return [ae.Event(s.event, s.data) for s in ae.SSEDecoder().feed(fixture_bytes(name))]


def test_every_event_name_has_a_constant() -> None:
    assert ae.RUN_INCOMPLETE == "thread.run.incomplete"
    assert len(ae.ALL_EVENTS) == len(set(ae.ALL_EVENTS)) == 25
    assert {"error", "done", "thread.created", "thread.message.incomplete"} <= set(ae.ALL_EVENTS)
    assert sorted(ae.DELTA_EVENTS) == ["thread.message.delta", "thread.run.step.delta"]


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("thread.run.created", m.Run),
        ("thread.run.requires_action", m.Run),
        ("thread.run.step.created", m.RunStep),
        ("thread.run.step.delta", m.RunStepDelta),
    ],
)
def test_data_is_the_typed_model_for_the_event(name: str, model: type) -> None:
    event = next(e for e in events_of("tool_call_run.sse") if e.name == name)
    assert isinstance(event.data, model)


def test_message_events_structure_text_content() -> None:
    events = events_of("text_run.sse")
    delta = next(e for e in events if e.name == ae.MESSAGE_DELTA)
    assert isinstance(delta.data, m.MessageDelta)
    assert delta.data.delta.content is not None
    block = delta.data.delta.content[0]
    assert isinstance(block, m.TextDeltaBlock) and block.text is not None
    assert block.text.value == "Hello "
    done_message = next(e for e in events if e.name == ae.MESSAGE_COMPLETED).data
    assert isinstance(done_message, m.Message)
    assert done_message.text.startswith("Hello Hello")


def test_requires_action_exposes_tool_calls() -> None:
    run = next(e for e in events_of("tool_call_run.sse") if e.name == ae.RUN_REQUIRES_ACTION).data
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in run.tool_calls] == [
        ("call_0", "get_weather", {"city": "Paris"}),
        ("call_1", "get_weather", {"city": "Tokyo"}),
    ]


def test_code_interpreter_and_image_parts_are_typed() -> None:
    events = events_of("code_interpreter_run.sse")
    step = next(e for e in events if e.name == ae.STEP_COMPLETED).data
    call = step.step_details.tool_calls[0]
    assert isinstance(call, m.CodeInterpreterToolCall)
    assert isinstance(call.code_interpreter.outputs[0], m.CodeLogsOutput)
    image = call.code_interpreter.outputs[1]
    assert isinstance(image, m.CodeImageOutput)
    assert image.image.file_id == "file_plot"
    assert isinstance(step.step_details.tool_calls[1], m.FileSearchToolCall)
    message = next(e for e in events if e.name == ae.MESSAGE_COMPLETED).data
    assert isinstance(message.content[1], m.ImageFileContent)
    assert isinstance(message.content[0].text.annotations[0], m.FileCitationAnnotation)


def test_done_has_no_data() -> None:
    assert ae.Event("done", "[DONE]").data is None


@pytest.mark.parametrize(
    "raw",
    [
        '{"code":"server_error","message":"boom","param":null,"type":"server_error"}',
        '{"error":{"code":"server_error","message":"boom","param":null,"type":"server_error"}}',
    ],
)
def test_error_data_is_an_error_object_wrapped_or_not(raw: str) -> None:
    data = ae.Event("error", raw).data
    assert data == ae.ErrorObject(message="boom", type="server_error", code="server_error")


def test_unknown_event_keeps_its_decoded_json() -> None:
    assert ae.Event("thread.run.paused", '{"a": [1]}').data == {"a": [1]}


def test_unknown_event_with_non_json_data_keeps_the_text() -> None:
    assert ae.Event("ping", "hello").data == "hello"


def test_unknown_fields_are_ignored() -> None:
    raw = '{"id":"run_1","status":"queued","thread_id":"t","brand_new_field":{"x":1}}'
    assert ae.Event("thread.run.queued", raw).data.id == "run_1"


def test_unknown_part_type_is_kept_as_json() -> None:
    raw = '{"id":"m","delta":{"content":[{"index":0,"type":"hologram","hologram":{"z":1}}]}}'
    part = ae.Event(ae.MESSAGE_DELTA, raw).data.delta.content[0]
    assert part == {"index": 0, "type": "hologram", "hologram": {"z": 1}}


def test_invalid_json_in_a_known_event_is_a_decode_error() -> None:
    with pytest.raises(ae.EventDecodeError, match="invalid JSON") as info:
        _ = ae.Event("thread.run.queued", "{nope").data
    assert info.value.event == "thread.run.queued"


def test_wrong_field_type_names_the_path() -> None:
    call = {"id": 7, "type": "function", "function": {"name": "f", "arguments": "{}"}}
    action = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": [call]}}
    raw = json.dumps(
        {"id": "run_1", "status": "requires_action", "thread_id": "t", "required_action": action}
    )
    path = r"required_action\.submit_tool_outputs\.tool_calls\[0\]\.id"
    with pytest.raises(ae.EventDecodeError, match=path):
        _ = ae.Event("thread.run.requires_action", raw).data


def test_part_without_type_is_a_decode_error() -> None:
    with pytest.raises(ae.EventDecodeError, match="'type'"):
        _ = ae.Event(ae.MESSAGE_DELTA, '{"id":"m","delta":{"content":[{"index":0}]}}').data


def test_json_is_decoded_only_when_read() -> None:
    event = ae.Event("thread.run.queued", "{not json")
    assert event.name == "thread.run.queued"  # nothing raised: nothing decoded yet


def test_text_delta_is_the_text_of_a_message_delta() -> None:
    raw = '{"id":"m","delta":{"content":[{"index":0,"type":"text","text":{"value":"Hi"}}]}}'
    assert ae.Event(ae.MESSAGE_DELTA, raw).text_delta == "Hi"
    assert ae.Event("thread.run.queued", '{"id":"r","status":"queued"}').text_delta is None


def test_object_id_reads_the_id() -> None:
    assert ae.Event("thread.run.queued", '{"id":"run_9","status":"queued"}').object_id == "run_9"


@pytest.mark.parametrize("name", ["thread.run.created", "thread.message.delta", "some.newer.event"])
def test_json_nested_past_the_recursion_limit_is_a_decode_error(name: str) -> None:
    event = ae.Event(name, "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ae.EventDecodeError, match="nested too deeply"):
        _ = event.json
