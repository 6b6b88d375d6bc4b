"""The Responses lifecycle: what cannot happen raises; what genuine servers do passes."""

from __future__ import annotations

import pytest

from assistants_events.errors import EventDecodeError, IncompleteStream, InvalidTransition
from assistants_events.responses.lifecycle import (
    ITEM_TRANSITIONS,
    QUIRKS,
    RESPONSE_TRANSITIONS,
    TERMINAL_ITEM_STATUSES,
    TERMINAL_RESPONSE_STATUSES,
    ResponsesLifecycle,
)

from .script import Script, call_json, message_json, render, replay


def _text_start(script: Script, item_id: str = "msg_1") -> Script:
    script.start()
    script.item_added(0, message_json(item_id, None, "in_progress"))
    script.part_added(item_id, 0)
    return script


def _raises(script: Script, match: str) -> InvalidTransition:
    with pytest.raises(InvalidTransition, match=match) as caught:
        replay(script)
    return caught.value


# --------------------------------------------------------------------- tables


def test_response_table_is_the_documented_one() -> None:
    assert RESPONSE_TRANSITIONS["queued"] == {"in_progress", "cancelled", "failed"}
    assert RESPONSE_TRANSITIONS["in_progress"] == {"completed", "failed", "incomplete", "cancelled"}
    assert {"completed", "failed", "incomplete", "cancelled"} == TERMINAL_RESPONSE_STATUSES


def test_item_table_has_the_builtin_tools_middle_states() -> None:
    middle = {"searching", "interpreting", "generating", "calling"}
    assert middle <= ITEM_TRANSITIONS["in_progress"]
    assert all(ITEM_TRANSITIONS[s] == TERMINAL_ITEM_STATUSES for s in middle)
    assert {"completed", "incomplete", "failed"} == TERMINAL_ITEM_STATUSES


def test_item_table_covers_every_item_status_the_sdk_knows() -> None:
    import typing

    from openai.types.responses import ResponseOutputItem

    def literals(annotation: object) -> set[str]:
        found: set[str] = set()
        for arg in typing.get_args(annotation):
            found |= {arg} if isinstance(arg, str) else literals(arg)
        return found

    statuses: set[str] = set()
    for member in typing.get_args(typing.get_args(ResponseOutputItem)[0]):
        field = member.model_fields.get("status")
        if field is not None:
            statuses |= literals(field.annotation)
    assert statuses <= set(ITEM_TRANSITIONS)


# ------------------------------------------------------------- a good stream


def test_a_complete_text_stream_passes_without_quirks() -> None:
    script = Script().start().message("msg_1", 0, ["Hel", "lo"])
    result = replay(script.completed(output=[message_json("msg_1", "Hello")]))
    assert result.quirks == [] and result.violations == []
    assert result.lifecycle.done
    assert result.lifecycle.status("resp_1") == "completed"


def test_a_background_response_may_be_cancelled_while_queued() -> None:
    script = Script()
    script.response("response.created", "queued", background=True)
    script.response("response.failed", "cancelled", background=True)
    result = replay(script)
    assert result.lifecycle.status("resp_1") == "cancelled"
    assert result.quirk_codes() == ["status-disagrees-with-name"]


# ----------------------------------------------------------------- violations


def test_a_text_delta_for_an_item_never_added_raises() -> None:
    script = Script().start()
    script.text_delta("msg_9", 0, "x")
    error = _raises(script, "never added")
    assert (error.kind, error.object_id, error.event) == (
        "item",
        "msg_9",
        "response.output_text.delta",
    )


def test_a_text_delta_for_a_content_part_never_added_raises() -> None:
    script = Script().start()
    script.item_added(0, message_json("msg_1", None, "in_progress"))
    script.text_delta("msg_1", 0, "x")
    assert _raises(script, "content part never added").kind == "part"


def test_a_text_delta_after_its_item_is_done_raises() -> None:
    script = _text_start(Script())
    script.text_delta("msg_1", 0, "a")
    script.item_done(0, message_json("msg_1", "a"))
    script.text_delta("msg_1", 0, "b")
    _raises(script, "already done")


def test_a_text_delta_after_its_part_is_done_raises() -> None:
    script = _text_start(Script())
    script.text_delta("msg_1", 0, "a")
    script.part_done("msg_1", 0, "a")
    script.text_delta("msg_1", 0, "b")
    _raises(script, "part is done")


def test_a_text_delta_after_its_text_done_raises() -> None:
    script = _text_start(Script())
    script.text_done("msg_1", 0, "")
    script.text_delta("msg_1", 0, "b")
    _raises(script, "text is done")


def test_a_text_done_twice_raises() -> None:
    script = _text_start(Script())
    script.text_done("msg_1", 0, "")
    script.text_done("msg_1", 0, "")
    _raises(script, "text is done")


def test_a_text_done_differing_from_the_deltas_raises() -> None:
    script = _text_start(Script())
    script.text_delta("msg_1", 0, "Hello")
    script.text_done("msg_1", 0, "Hullo")
    assert _raises(script, "differs from the deltas").kind == "text"


def test_a_text_done_differing_from_long_gone_deltas_raises() -> None:
    # The lifecycle keeps hashes of older deltas, not their text: a change there counts too.
    script = _text_start(Script())
    pieces = [f"w{i:04d} " for i in range(1_000)]
    for piece in pieces:
        script.text_delta("msg_1", 0, piece)
    script.text_done("msg_1", 0, "".join(pieces).replace("w0003", "w0030"))
    assert _raises(script, "differs from the deltas").kind == "text"


def test_a_text_done_equal_to_thousands_of_deltas_passes() -> None:
    pieces = [f"w{i:04d} " for i in range(1_000)]
    script = Script().start().message("msg_1", 0, pieces).completed()
    result = replay(script)
    assert result.violations == []
    assert result.lifecycle.done


def test_function_arguments_done_differing_from_the_deltas_raises() -> None:
    script = Script().start()
    script.item_added(0, call_json("fc_1", "call_1", "f", "", "in_progress"))
    script.args_delta("fc_1", 0, '{"a":')
    script.args_done("fc_1", 0, '{"a":1}')
    _raises(script, "arguments .* differs")


def test_an_arguments_delta_for_an_unknown_item_raises_even_with_a_known_call_id() -> None:
    script = Script().start()
    script.item_added(0, call_json("fc_1", "call_1", "f", "", "in_progress"))
    script.args_delta("call_1", 1, "{}")
    _raises(script, "never added")


def test_an_item_added_twice_raises() -> None:
    script = Script().start()
    script.item_added(0, message_json("msg_1", None, "in_progress"))
    script.item_added(0, message_json("msg_1", None, "in_progress"))
    _raises(script, "item added twice")


def test_an_item_done_twice_raises() -> None:
    script = Script().start().message("msg_1", 0, ["a"])
    script.item_done(0, message_json("msg_1", "a"))
    _raises(script, "already done")


def test_an_item_done_never_added_raises() -> None:
    script = Script().start()
    script.item_done(0, message_json("msg_1", "a"))
    _raises(script, "never added")


def test_a_content_part_added_twice_raises() -> None:
    script = _text_start(Script())
    script.part_added("msg_1", 0)
    _raises(script, "part added twice")


def test_a_content_part_done_never_added_raises() -> None:
    script = Script().start()
    script.item_added(0, message_json("msg_1", None, "in_progress"))
    script.part_done("msg_1", 0, "")
    _raises(script, "part never added")


def test_a_content_part_done_twice_raises() -> None:
    script = _text_start(Script())
    script.part_done("msg_1", 0, "")
    script.part_done("msg_1", 0, "")
    _raises(script, "part done twice")


def test_a_summary_delta_before_its_summary_part_raises() -> None:
    script = Script().start()
    script.item_added(0, {"type": "reasoning", "id": "rs_1", "summary": []})
    script.add(
        "response.reasoning_summary_text.delta",
        item_id="rs_1",
        output_index=0,
        summary_index=0,
        delta="Hm",
    )
    _raises(script, "summary part never added")


def test_a_builtin_tool_moving_backwards_raises() -> None:
    script = Script().start()
    script.item_added(0, {"type": "web_search_call", "id": "ws_1", "status": "in_progress"})
    script.add("response.web_search_call.completed", item_id="ws_1", output_index=0)
    script.add("response.web_search_call.searching", item_id="ws_1", output_index=0)
    error = _raises(script, "invalid item transition")
    assert (error.from_status, error.to_status) == ("completed", "searching")


def test_a_sequence_number_repeating_raises() -> None:
    script = Script().start()
    script.next_seq -= 1
    script.item_added(0, message_json("msg_1", None, "in_progress"))
    error = _raises(script, "repeats")
    assert error.kind == "sequence"


def test_a_sequence_number_going_backwards_raises() -> None:
    script = Script().start()
    script.next_seq = 0
    script.item_added(0, message_json("msg_1", None, "in_progress"))
    _raises(script, "goes backwards")


def test_a_gap_in_sequence_numbers_is_a_lost_event() -> None:
    script = Script().start()
    script.next_seq += 2
    script.item_added(0, message_json("msg_1", None, "in_progress"))
    error = _raises(script, "2 event.s. lost")
    assert (error.from_status, error.to_status) == ("1", "4")


def test_an_event_without_sequence_number_in_a_numbered_stream_raises() -> None:
    script = Script().start()
    script.numbered = False
    script.item_added(0, message_json("msg_1", None, "in_progress"))
    _raises(script, "without sequence_number")


def test_an_event_after_the_terminal_response_event_raises() -> None:
    script = Script().start().completed()
    script.item_added(0, message_json("msg_1", None, "in_progress"))
    _raises(script, "after response.completed")


def test_a_second_terminal_event_raises() -> None:
    script = Script().start().completed()
    script.response("response.failed", "failed")
    _raises(script, "after response.completed")


def test_a_stream_cut_before_its_terminal_event_is_incomplete() -> None:
    script = Script().start().message("msg_1", 0, ["a"])
    with pytest.raises(IncompleteStream) as caught:
        replay(script)
    assert (caught.value.run_id, caught.value.status) == ("resp_1", "in_progress")


def test_an_empty_body_is_not_an_incomplete_stream() -> None:
    assert not replay(b"").lifecycle.done


def test_a_response_moving_backwards_raises() -> None:
    script = Script().start()
    script.response("response.queued", "queued")
    _raises(script, "'in_progress' -> 'queued'")


def test_a_response_created_with_a_final_status_raises() -> None:
    script = Script()
    script.response("response.created", "completed")
    _raises(script, "starts queued or in_progress")


def test_a_response_created_twice_raises() -> None:
    script = Script().start()
    script.response("response.created", "in_progress")
    _raises(script, "created twice")


def test_an_event_name_contradicting_a_live_status_raises() -> None:
    script = Script().start()
    script.response("response.completed", "in_progress")
    _raises(script, "event name says 'completed'")


def test_a_malformed_item_event_is_a_decode_error() -> None:
    script = Script().start()
    script.add("response.output_text.delta", item_id=7, output_index=0, content_index=0, delta="x")
    with pytest.raises(EventDecodeError, match="item_id"):
        replay(script)


def test_not_strict_reports_each_violation_and_accepts_the_event() -> None:
    script = Script().start()
    script.text_delta("msg_9", 0, "x")
    script.next_seq += 1
    script.completed()
    result = replay(script, strict=False)
    errors = [v.error for v in result.violations]
    assert all(isinstance(error, InvalidTransition) for error in errors), errors
    reasons = [error.reason for error in errors if isinstance(error, InvalidTransition)]
    assert reasons == ["an item never added", "1 event(s) lost before this one"]
    assert result.lifecycle.done


def test_not_strict_reports_an_incomplete_stream() -> None:
    result = replay(Script().start(), strict=False)
    assert [type(v.error) for v in result.violations] == [IncompleteStream]


# ---------------------------------------------------------- genuine quirks


def test_a_stream_without_sequence_numbers_passes_and_is_reported_once() -> None:
    script = Script(numbered=False).start().message("msg_1", 0, ["a", "b"]).completed()
    result = replay(script)
    assert result.quirk_codes() == ["no-sequence-number"]
    assert result.lifecycle.done


def test_a_resumed_stream_without_created_passes_and_adopts_earlier_items() -> None:
    script = Script(next_seq=7)
    script.text_delta("msg_1", 0, "lo")
    script.text_done("msg_1", 0, "Hello")
    script.part_done("msg_1", 0, "Hello")
    script.item_done(0, message_json("msg_1", "Hello"))
    script.completed()
    result = replay(script)
    assert result.quirk_codes()[0] == "resumed-without-created"
    assert set(result.quirk_codes()) == {"resumed-without-created", "added-before-resume"}
    assert result.lifecycle.done


def test_a_stream_resumed_after_n_must_start_at_n_plus_one() -> None:
    lifecycle = ResponsesLifecycle()
    lifecycle.begin(starting_after=41)
    lifecycle.observe(
        "response.in_progress",
        {"sequence_number": 42, "response": {"id": "resp_1", "status": "in_progress"}},
    )
    lifecycle.begin(starting_after=42)
    with pytest.raises(InvalidTransition, match="lost"):
        lifecycle.observe(
            "response.completed",
            {"sequence_number": 44, "response": {"id": "resp_1", "status": "completed"}},
        )


def test_resuming_continues_the_items_of_the_dropped_stream_without_quirks() -> None:
    quirks: list[object] = []
    lifecycle = ResponsesLifecycle(on_quirk=quirks.append)
    script = _text_start(Script())
    script.text_delta("msg_1", 0, "Hel")
    for event in script.events:
        lifecycle.observe(event["type"], event)
    lifecycle.begin(starting_after=script.next_seq - 1)
    more = Script(next_seq=script.next_seq)
    more.text_delta("msg_1", 0, "lo")
    more.text_done("msg_1", 0, "Hello")
    more.part_done("msg_1", 0, "Hello")
    more.item_done(0, message_json("msg_1", "Hello"))
    more.completed()
    for event in more.events:
        lifecycle.observe(event["type"], event)
    lifecycle.end()
    assert quirks == [] and lifecycle.done


def test_a_background_response_created_queued_then_queued_passes() -> None:
    script = Script()
    script.response("response.created", "queued", background=True)
    script.response("response.queued", "queued", background=True)
    script.response("response.in_progress", "in_progress", background=True)
    result = replay(script.completed())
    assert result.quirk_codes() == ["created-already-queued"]


def test_keepalive_with_its_own_sequence_number_passes() -> None:
    script = Script().start()
    script.add("keepalive")
    script.message("msg_1", 0, ["a"]).completed()
    result = replay(script)
    assert result.quirk_codes() == ["keepalive-sequence-number"]


def test_keepalives_before_response_created_pass() -> None:
    head = [{"type": "keepalive", "sequence_number": n} for n in range(3)]
    script = Script().start().completed()
    result = replay(render([*head, *script.events]))
    assert result.lifecycle.done
    assert "resumed-without-created" not in result.quirk_codes()


def test_keepalive_after_the_terminal_event_passes() -> None:
    script = Script().start().completed()
    script.add("keepalive")
    assert replay(script).lifecycle.done


def test_interleaved_items_completing_out_of_order_pass() -> None:
    script = Script().start()
    script.item_added(0, call_json("fc_1", "call_1", "f", "", "in_progress"))
    script.item_added(1, call_json("fc_2", "call_2", "g", "", "in_progress"))
    script.args_delta("fc_2", 1, "{}")
    script.args_delta("fc_1", 0, "{")
    script.args_done("fc_2", 1, "{}")
    script.item_done(1, call_json("fc_2", "call_2", "g", "{}", "completed"))
    script.args_delta("fc_1", 0, "}")
    script.args_done("fc_1", 0, "{}")
    script.item_done(0, call_json("fc_1", "call_1", "f", "{}", "completed"))
    result = replay(script.completed())
    assert result.quirk_codes() == ["items-interleaved"]


def test_items_never_done_pass_and_are_reported_at_the_terminal_event() -> None:
    script = Script().start()
    script.item_added(0, {"type": "web_search_call", "id": "ws_1", "status": "in_progress"})
    script.add("response.web_search_call.searching", item_id="ws_1", output_index=0)
    result = replay(script.completed())
    assert [(q.code, q.object_id) for q in result.quirks] == [("item-never-done", "ws_1")]


def test_a_call_id_changing_between_added_and_done_passes() -> None:
    script = Script().start()
    script.item_added(0, call_json("fc_1", "call_A", "f", "", "in_progress"))
    script.args_delta("fc_1", 0, "{}")
    script.args_done("fc_1", 0, "{}")
    script.item_done(0, call_json("fc_1", "call_B", "f", "{}", "completed"))
    result = replay(script.completed())
    assert result.quirk_codes() == ["call-id-changed"]


@pytest.mark.parametrize("status", ["searching", "in_progress", None])
def test_an_item_done_with_an_unfinished_status_or_none_passes(status: str | None) -> None:
    script = Script().start()
    item = {"type": "web_search_call", "id": "ws_1", "status": "in_progress"}
    script.item_added(0, item)
    script.item_done(0, {**item, "status": status})
    result = replay(script.completed())
    assert result.quirk_codes() == ["item-done-unfinished"]


def test_a_nested_error_followed_by_response_failed_passes_and_keeps_the_error() -> None:
    script = Script().start()
    script.add(
        "error",
        error={"type": "server_error", "code": "server_error", "message": "boom", "param": None},
    )
    script.response("response.failed", "failed", error={"code": "server_error", "message": "boom"})
    result = replay(script)
    assert result.quirk_codes() == ["nested-error"]
    assert result.lifecycle.error is not None and result.lifecycle.error["message"] == "boom"
    assert result.lifecycle.status("resp_1") == "failed"


def test_a_stream_ending_at_an_error_event_is_not_incomplete() -> None:
    script = Script().start()
    script.add("error", code="server_error", message="boom", param=None)
    result = replay(script)
    assert result.lifecycle.error == {
        "type": "error",
        "code": "server_error",
        "message": "boom",
        "param": None,
        "sequence_number": 2,
    }
    assert not result.lifecycle.done


def test_an_error_only_stream_is_not_a_resumed_one() -> None:
    result = replay(render([{"type": "error", "message": "bad key", "sequence_number": 0}]))
    assert result.quirk_codes() == []


def test_an_event_type_newer_than_the_sdk_passes_and_is_reported_once() -> None:
    script = Script().start()
    for _ in range(2):
        script.add(
            "response.apply_patch_call_operation_diff.delta",
            item_id="ap_1",
            output_index=0,
            delta="+x",
        )
    result = replay(script.completed())
    assert result.quirk_codes() == ["unknown-event"]


def test_an_unknown_item_status_passes_and_is_reported() -> None:
    script = Script().start()
    item = {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "c",
        "name": "f",
        "arguments": "",
        "status": "awaiting_approval",
    }
    script.item_added(0, item)
    script.item_done(0, {**item, "status": "completed"})
    result = replay(script.completed())
    assert result.quirk_codes() == ["unknown-status"]


def test_every_quirk_code_has_a_description() -> None:
    assert all(QUIRKS.values())


def test_a_response_id_rewritten_within_one_stream_passes_as_the_same_response() -> None:
    script = Script()
    script.response("response.created", "in_progress")
    script.response_id = "capture-id-2"
    script.response("response.in_progress", "in_progress")
    script.response_id = "capture-id-3"
    result = replay(script.completed())
    assert result.quirk_codes() == ["response-id-changed"]
    assert result.lifecycle.status("resp_1") == "completed"
    assert [r.id for r in result.accumulator.responses] == ["resp_1"]


def test_item_ids_rewritten_per_event_pass_by_output_index() -> None:
    script = Script().start()
    script.item_added(0, message_json("capture-1", None, "in_progress"))
    script.part_added("capture-2", 0)
    script.text_delta("capture-3", 0, "Hi")
    script.text_done("capture-4", 0, "Hi")
    script.part_done("capture-5", 0, "Hi")
    script.item_done(0, message_json("capture-6", "Hi"))
    result = replay(script.completed())
    assert result.quirk_codes() == ["item-id-changed"]
    assert result.accumulator.text == "Hi"


def test_a_done_sentinel_after_the_terminal_event_passes() -> None:
    script = Script().start().completed()
    result = replay(script.sse() + b"data: [DONE]\n\n")
    assert result.quirk_codes() == ["done-sentinel"]


def test_not_strict_accepts_the_new_status_after_reporting_the_violation() -> None:
    script = Script().start()
    script.item_added(0, {"type": "web_search_call", "id": "ws_1", "status": "in_progress"})
    script.add("response.web_search_call.completed", item_id="ws_1", output_index=0)
    script.add("response.web_search_call.searching", item_id="ws_1", output_index=0)
    script.add("response.web_search_call.completed", item_id="ws_1", output_index=0)
    result = replay(script.completed(), strict=False)
    assert len(result.violations) == 1
    assert result.lifecycle.item_status("ws_1") == "completed"
