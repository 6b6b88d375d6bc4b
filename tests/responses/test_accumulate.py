"""Snapshots: items by item_id, text by (item_id, index), responses of a tool loop."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistants_events.errors import AssistantsEventsError
from assistants_events.responses import models as m
from assistants_events.responses.accumulate import Accumulator, _Text

from .script import Script, call_json, feed, message_json, new_replay, replay, usage_json


def _two_part_message() -> Script:
    script = Script().start()
    script.item_added(0, message_json("msg_1", None, "in_progress"))
    script.part_added("msg_1", 0, content_index=0)
    script.text_delta("msg_1", 0, "Hel", content_index=0)
    script.part_added("msg_1", 0, content_index=1)
    script.text_delta("msg_1", 0, "second", content_index=1)
    script.text_delta("msg_1", 0, "lo", content_index=0)
    return script


def test_text_accumulates_by_item_and_content_index() -> None:
    item = replay(_two_part_message(), strict=False).accumulator.item("msg_1")
    assert isinstance(item, m.OutputMessage)
    assert [p.text for p in item.content if isinstance(p, m.OutputText)] == ["Hello", "second"]
    assert item.text == "Hellosecond"


def test_function_arguments_accumulate_by_item_id_even_when_call_ids_change() -> None:
    script = Script().start()
    script.item_added(0, call_json("fc_1", "call_A", "f", "", "in_progress"))
    script.item_added(1, call_json("fc_2", "call_A", "g", "", "in_progress"))
    script.args_delta("fc_1", 0, '{"x":')
    script.args_delta("fc_2", 1, '{"y":2}')
    script.args_delta("fc_1", 0, "1}")
    accumulator = replay(script, strict=False).accumulator
    first, second = accumulator.item("fc_1"), accumulator.item("fc_2")
    assert isinstance(first, m.FunctionCall) and isinstance(second, m.FunctionCall)
    assert (first.arguments, second.arguments) == ('{"x":1}', '{"y":2}')


def test_the_done_item_replaces_what_the_deltas_built() -> None:
    script = Script().start()
    script.function_call("fc_1", 0, "call_A", "f", ["{", "}"])
    script.events[-1]["item"]["call_id"] = "call_B"
    item = replay(script, strict=False).accumulator.item("fc_1")
    assert isinstance(item, m.FunctionCall)
    assert (item.call_id, item.arguments, item.status) == ("call_B", "{}", "completed")


def test_reasoning_summary_accumulates_by_summary_index() -> None:
    script = Script().start()
    script.item_added(0, {"type": "reasoning", "id": "rs_1", "summary": []})
    for index, pieces in enumerate([["Think", "ing"], ["More"]]):
        script.add(
            "response.reasoning_summary_part.added",
            item_id="rs_1",
            output_index=0,
            summary_index=index,
            part={"type": "summary_text", "text": ""},
        )
        for piece in pieces:
            script.add(
                "response.reasoning_summary_text.delta",
                item_id="rs_1",
                output_index=0,
                summary_index=index,
                delta=piece,
            )
    item = replay(script, strict=False).accumulator.item("rs_1")
    assert isinstance(item, m.ReasoningItem)
    assert item.summary_text == "Thinking\n\nMore"


def test_reasoning_summary_and_raw_reasoning_text_do_not_mix() -> None:
    script = Script().start()
    script.item_added(0, {"type": "reasoning", "id": "rs_1", "summary": []})
    script.add(
        "response.reasoning_summary_part.added",
        item_id="rs_1",
        output_index=0,
        summary_index=0,
        part={"type": "summary_text", "text": ""},
    )
    script.add(
        "response.reasoning_summary_text.delta",
        item_id="rs_1",
        output_index=0,
        summary_index=0,
        delta="short",
    )
    script.add(
        "response.reasoning_text.delta",
        item_id="rs_1",
        output_index=0,
        content_index=0,
        delta="long raw",
    )
    item = replay(script, strict=False).accumulator.item("rs_1")
    assert isinstance(item, m.ReasoningItem)
    assert item.summary_text == "short"
    assert item.content == [m.ReasoningText("reasoning_text", "long raw")]


def test_code_interpreter_code_accumulates() -> None:
    script = Script().start()
    script.item_added(
        0, {"type": "code_interpreter_call", "id": "ci_1", "status": "in_progress", "code": ""}
    )
    for piece in ["print(", "1)"]:
        script.add(
            "response.code_interpreter_call_code.delta",
            item_id="ci_1",
            output_index=0,
            delta=piece,
        )
    script.add("response.code_interpreter_call.interpreting", item_id="ci_1", output_index=0)
    item = replay(script, strict=False).accumulator.item("ci_1")
    assert isinstance(item, m.CodeInterpreterCall)
    assert (item.code, item.status) == ("print(1)", "interpreting")


def test_an_annotation_lands_on_its_content_part() -> None:
    script = _two_part_message()
    annotation = {"type": "url_citation", "url": "https://x", "title": "X"}
    script.add(
        "response.output_text.annotation.added",
        item_id="msg_1",
        output_index=0,
        content_index=0,
        annotation_index=0,
        annotation={**annotation, "start_index": 0, "end_index": 1},
    )
    item = replay(script, strict=False).accumulator.item("msg_1")
    assert isinstance(item, m.OutputMessage) and isinstance(item.content[0], m.OutputText)
    assert item.content[0].annotations == [m.UrlCitation("url_citation", "https://x", "X", 0, 1)]


def _round(response_id: str, text: str, inp: int, out: int, call: bool) -> Script:
    script = Script(response_id=response_id).start()
    output = []
    if call:
        script.function_call("fc_" + response_id, 0, "call_" + response_id, "f", ["{}"])
        output.append(call_json("fc_" + response_id, "call_" + response_id, "f", "{}", "completed"))
    else:
        script.message("msg_" + response_id, 0, [text])
        output.append(message_json("msg_" + response_id, text))
    return script.completed(output=output, usage=usage_json(inp, out))


def test_a_tool_loop_keeps_every_response_in_order_and_sums_usage() -> None:
    replayed = new_replay()
    feed(replayed, [_round("resp_1", "", 10, 2, call=True).sse()])
    feed(replayed, [_round("resp_2", "Sunny.", 20, 3, call=False).sse()])
    accumulator = replayed.accumulator
    assert [r.id for r in accumulator.responses] == ["resp_1", "resp_2"]
    assert accumulator.usage == m.ResponseUsage(
        30, 5, 35, m.InputTokensDetails(0), m.OutputTokensDetails(0)
    )
    assert accumulator.text == "Sunny."
    assert accumulator.done


def test_text_of_a_cut_stream_comes_from_its_items() -> None:
    script = Script().start()
    script.item_added(0, message_json("msg_1", None, "in_progress"))
    script.part_added("msg_1", 0)
    script.text_delta("msg_1", 0, "Half a sen")
    replayed = replay(script, strict=False)
    assert replayed.accumulator.text == "Half a sen"
    assert not replayed.accumulator.done


def test_no_usage_before_any_response_reports_one() -> None:
    assert replay(Script().start(), strict=False).accumulator.usage is None


def test_a_snapshot_read_after_the_item_moved_on_says_what_to_do() -> None:
    accumulator = Accumulator()
    script = _two_part_message()
    builders = [accumulator.add(e["type"], e) for e in script.events]
    first_delta = builders[4]
    assert first_delta is not None
    with pytest.raises(AssistantsEventsError, match="moved on"):
        first_delta.snapshot_at(1)


def test_the_typed_snapshot_is_built_once_per_version() -> None:
    accumulator = Accumulator()
    builder = None
    for event in _two_part_message().events:
        builder = accumulator.add(event["type"], event)
    assert builder is not None
    assert builder.snapshot() is builder.snapshot()


def test_reading_the_snapshot_text_on_every_delta_appends_each_piece_once() -> None:
    accumulator = Accumulator()
    script = Script().start()
    script.item_added(0, message_json("msg_1", None, "in_progress"))
    script.part_added("msg_1", 0)
    for event in script.events:
        accumulator.add(event["type"], event)
    before = _Text.copied
    piece = "word "
    for n in range(20_000):
        delta: dict[str, Any] = {
            "type": "response.output_text.delta",
            "item_id": "msg_1",
            "output_index": 0,
            "content_index": 0,
            "delta": piece,
            "sequence_number": n + 4,
        }
        builder = accumulator.add(delta["type"], delta)
        assert builder is not None
        item = builder.snapshot()
        assert isinstance(item, m.OutputMessage)
        assert len(item.text) == (n + 1) * len(piece)
    # Linear work: every character was appended exactly once, never rebuilt.
    assert _Text.copied - before == 20_000 * len(piece)


# ------------------------------------------------------ chunking independence


def _rich_stream() -> bytes:
    script = Script().start()
    script.message("msg_1", 0, ["Hé", "llo ", "wörld ✓", "\u2028!"])
    script.function_call("fc_1", 1, "call_1", "get_weather", ['{"city":', ' "Paris"}'])
    script.add("keepalive")
    return script.completed(output=[message_json("msg_1", "Héllo wörld ✓\u2028!")]).sse()


def _outcome(chunks: list[bytes]) -> tuple[object, ...]:
    replayed = feed(new_replay(), chunks)
    acc = replayed.accumulator
    return (
        acc.text,
        acc.items(),
        acc.responses,
        replayed.quirk_codes(),
        replayed.lifecycle.last_sequence_number,
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=30))
def test_any_chunking_of_the_bytes_gives_the_same_result(cuts: list[int]) -> None:
    body = _rich_stream()
    points = sorted({c % (len(body) + 1) for c in cuts})
    chunks = [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]
    assert _outcome(chunks) == _outcome([body])


def _decoded_apart(script: Script) -> list[dict[str, Any]]:
    # As a stream decodes them: every event's strings its own, however equal.
    return [json.loads(json.dumps(event)) for event in script.events]


def _fold(events: list[dict[str, Any]]) -> Accumulator:
    accumulator = Accumulator()
    for event in events:
        accumulator.add(event["type"], event)
    return accumulator


_LONG = [f"word{i:04d} " for i in range(200)]


def test_a_long_text_the_final_events_repeat_is_held_once() -> None:
    script = Script().start().message("msg_1", 0, _LONG)
    script.completed(output=[message_json("msg_1", "".join(_LONG))])
    accumulator = _fold(_decoded_apart(script))
    item, response = accumulator.item("msg_1"), accumulator.response
    assert isinstance(item, m.OutputMessage) and response is not None
    final = response.output[0]
    assert isinstance(final, m.OutputMessage)
    assert item.text == final.text == "".join(_LONG)
    assert item.content[0].text is final.content[0].text  # type: ignore[union-attr]


def test_holding_a_text_once_leaves_the_events_json_as_sent() -> None:
    script = Script().start().message("msg_1", 0, _LONG)
    script.completed(output=[message_json("msg_1", "".join(_LONG))])
    events = _decoded_apart(script)
    sent = json.dumps(events)
    item_done = next(e for e in events if e["type"] == "response.output_item.done")
    text_before = item_done["item"]["content"][0]["text"]
    _fold(events)
    assert json.dumps(events) == sent
    assert item_done["item"]["content"][0]["text"] is text_before


def test_a_final_item_with_another_text_keeps_the_servers_text() -> None:
    other = "".join(_LONG).upper()
    script = Script().start().message("msg_1", 0, _LONG)
    script.events[-1]["item"]["content"][0]["text"] = other  # output_item.done
    script.completed(output=[message_json("msg_1", other.lower() + "!")])
    accumulator = _fold(_decoded_apart(script))
    item, response = accumulator.item("msg_1"), accumulator.response
    assert isinstance(item, m.OutputMessage) and response is not None
    assert item.text == other
    assert response.output_text == other.lower() + "!"


def test_long_function_arguments_the_final_events_repeat_are_held_once() -> None:
    arguments = json.dumps({"city": "Paris " * 100})
    pieces = [arguments[i : i + 7] for i in range(0, len(arguments), 7)]
    script = Script().start().function_call("fc_1", 0, "call_1", "f", pieces)
    script.completed(output=[call_json("fc_1", "call_1", "f", arguments, "completed")])
    accumulator = _fold(_decoded_apart(script))
    item, response = accumulator.item("fc_1"), accumulator.response
    assert isinstance(item, m.FunctionCall) and response is not None
    final = response.output[0]
    assert isinstance(final, m.FunctionCall)
    assert item.arguments == arguments
    assert item.arguments is final.arguments
