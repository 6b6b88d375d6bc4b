"""Hand-written Responses streams for the tests: build events, render SSE bytes, replay.

`Script` numbers events as genuine servers do (from 0) and writes the payload shapes
the SDK's models accept; `replay` feeds SSE bytes through the decoder into a
`ResponsesLifecycle` and an `Accumulator`, the way a stream state does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import attrs

from assistants_events.lifecycle import Quirk, Violation
from assistants_events.responses.accumulate import Accumulator
from assistants_events.responses.lifecycle import ResponsesLifecycle
from assistants_events.sse import SSEDecoder

Payload = dict[str, Any]


def response_json(response_id: str, status: str, **extra: Any) -> Payload:
    body: Payload = {
        "id": response_id,
        "object": "response",
        "created_at": 1760000000,
        "status": status,
        "model": "gpt-4.1",
        "output": [],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": None,
    }
    body.update(extra)
    return body


def usage_json(inp: int, out: int, cached: int = 0, reasoning: int = 0) -> Payload:
    return {
        "input_tokens": inp,
        "output_tokens": out,
        "total_tokens": inp + out,
        "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": reasoning},
    }


def message_json(item_id: str, text: str | None, status: str = "completed") -> Payload:
    content = [] if text is None else [{"type": "output_text", "text": text, "annotations": []}]
    return {
        "type": "message",
        "id": item_id,
        "role": "assistant",
        "status": status,
        "content": content,
    }


def call_json(item_id: str, call_id: str, name: str, arguments: str, status: str) -> Payload:
    return {
        "type": "function_call",
        "id": item_id,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
        "status": status,
    }


@attrs.define
class Script:
    """A stream being written: `events` (payloads with their `type`)."""

    response_id: str = "resp_1"
    numbered: bool = True
    next_seq: int = 0
    events: list[Payload] = attrs.field(factory=list)

    def add(self, type_: str, **fields: Any) -> Payload:
        event: Payload = {"type": type_, **fields}
        if self.numbered:
            event["sequence_number"] = self.next_seq
            self.next_seq += 1
        self.events.append(event)
        return event

    # ------------------------------------------------------------ response

    def response(self, type_: str, status: str, **extra: Any) -> Payload:
        return self.add(type_, response=response_json(self.response_id, status, **extra))

    def start(self, status: str = "in_progress") -> Script:
        self.response("response.created", status)
        self.response("response.in_progress", "in_progress")
        return self

    def completed(
        self, output: list[Payload] | None = None, usage: Payload | None = None
    ) -> Script:
        self.response(
            "response.completed", "completed", output=output or [], usage=usage or usage_json(10, 5)
        )
        return self

    # --------------------------------------------------------------- items

    def item_added(self, index: int, item: Payload) -> Payload:
        return self.add("response.output_item.added", output_index=index, item=item)

    def item_done(self, index: int, item: Payload) -> Payload:
        return self.add("response.output_item.done", output_index=index, item=item)

    def part_added(self, item_id: str, index: int, content_index: int = 0) -> Payload:
        return self.add(
            "response.content_part.added",
            item_id=item_id,
            output_index=index,
            content_index=content_index,
            part={"type": "output_text", "text": "", "annotations": []},
        )

    def part_done(self, item_id: str, index: int, text: str, content_index: int = 0) -> Payload:
        return self.add(
            "response.content_part.done",
            item_id=item_id,
            output_index=index,
            content_index=content_index,
            part={"type": "output_text", "text": text, "annotations": []},
        )

    def text_delta(self, item_id: str, index: int, delta: str, content_index: int = 0) -> Payload:
        return self.add(
            "response.output_text.delta",
            item_id=item_id,
            output_index=index,
            content_index=content_index,
            delta=delta,
            logprobs=[],
        )

    def text_done(self, item_id: str, index: int, text: str, content_index: int = 0) -> Payload:
        return self.add(
            "response.output_text.done",
            item_id=item_id,
            output_index=index,
            content_index=content_index,
            text=text,
            logprobs=[],
        )

    def message(self, item_id: str, index: int, pieces: Iterable[str]) -> Script:
        pieces = list(pieces)
        text = "".join(pieces)
        self.item_added(index, message_json(item_id, None, "in_progress"))
        self.part_added(item_id, index)
        for piece in pieces:
            self.text_delta(item_id, index, piece)
        self.text_done(item_id, index, text)
        self.part_done(item_id, index, text)
        self.item_done(index, message_json(item_id, text))
        return self

    def args_delta(self, item_id: str, index: int, delta: str) -> Payload:
        return self.add(
            "response.function_call_arguments.delta",
            item_id=item_id,
            output_index=index,
            delta=delta,
        )

    def args_done(self, item_id: str, index: int, arguments: str) -> Payload:
        return self.add(
            "response.function_call_arguments.done",
            item_id=item_id,
            output_index=index,
            arguments=arguments,
        )

    def function_call(
        self, item_id: str, index: int, call_id: str, name: str, pieces: Iterable[str]
    ) -> Script:
        pieces = list(pieces)
        arguments = "".join(pieces)
        self.item_added(index, call_json(item_id, call_id, name, "", "in_progress"))
        for piece in pieces:
            self.args_delta(item_id, index, piece)
        self.args_done(item_id, index, arguments)
        self.item_done(index, call_json(item_id, call_id, name, arguments, "completed"))
        return self

    # -------------------------------------------------------------- output

    def sse(self) -> bytes:
        return render(self.events)


def render(events: Iterable[Payload]) -> bytes:
    """SSE bytes as OpenAI writes them: an `event:` line naming the type, then `data:`."""
    out = []
    for event in events:
        out.append(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
    return b"".join(out)


@attrs.define
class Replay:
    """What feeding a stream produced."""

    lifecycle: ResponsesLifecycle
    accumulator: Accumulator
    quirks: list[Quirk]
    violations: list[Violation]

    def quirk_codes(self) -> list[str]:
        return [q.code for q in self.quirks]


def new_replay(strict: bool = True) -> Replay:
    quirks: list[Quirk] = []
    violations: list[Violation] = []
    lifecycle = ResponsesLifecycle(strict, violations.append, quirks.append)
    return Replay(lifecycle, Accumulator(), quirks, violations)


def feed(replay: Replay, chunks: Iterable[bytes], starting_after: int | None = None) -> Replay:
    """One stream body through the decoder, the lifecycle and the accumulator."""
    replay.lifecycle.begin(starting_after)
    replay.accumulator.begin(resumed=starting_after is not None)
    decoder = SSEDecoder()
    for chunk in chunks:
        for sse in decoder.feed(chunk):
            _one(replay, sse.event, sse.data)
    for sse in decoder.close():
        _one(replay, sse.event, sse.data)
    replay.lifecycle.end()
    return replay


def _one(replay: Replay, name: str, data: str) -> None:
    try:
        payload = json.loads(data)
    except ValueError:
        payload = data  # `data: [DONE]`: kept as text, as the core does for unknown events
    if name == "message" and isinstance(payload, dict) and isinstance(payload.get("type"), str):
        name = payload["type"]  # no `event:` line (OpenRouter): the JSON names the event
    replay.lifecycle.observe(name, payload)
    replay.accumulator.add(name, payload)


def replay(
    body: bytes | Script, *, strict: bool = True, starting_after: int | None = None
) -> Replay:
    """Feed one stream (bytes or a script) into a fresh lifecycle and accumulator."""
    data = body.sse() if isinstance(body, Script) else body
    return feed(new_replay(strict), [data], starting_after)
