"""Responses API event streams, generated in memory for the benchmarks.

Shaped after the genuine recordings in tests/fixtures/genuine/responses/ (field
order, `sequence_number`, `logprobs`, `obfuscation`), so parsing, the lifecycle and
accumulation do the work a genuine stream asks for:

- `text_response(n)`: one message streamed as `n` output_text deltas;
- `function_call_response(arguments)`: function calls whose arguments arrive a few
  characters per function_call_arguments delta.

Every body ends with `response.completed` and passes a strict handler's checks.
`python benchmarks/responses_transcripts.py text 50 > text.sse` writes one to a file.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["function_call_response", "text_response"]

JSON = dict[str, Any]

RESPONSE_ID = "resp_bench0000000000000000000000000000000000000000000001"
MESSAGE_ID = "msg_bench00000000000000000000000000000000000000000000001"
CREATED = 1771879510
WEATHER_TOOL: JSON = {
    "type": "function",
    "name": "get_weather",
    "description": "The current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


class _Body:
    """Frames with their sequence numbers, in order."""

    def __init__(self) -> None:
        self.frames: list[str] = []

    def add(self, name: str, payload: JSON) -> None:
        data = {"type": name, **payload, "sequence_number": len(self.frames)}
        self.frames.append(f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n")

    def bytes(self) -> bytes:
        return "".join(self.frames).encode()


def _response(status: str, output: list[JSON], usage: JSON | None = None) -> JSON:
    return {
        "id": RESPONSE_ID, "object": "response", "created_at": CREATED, "status": status,
        "background": False, "completed_at": CREATED + 2 if status == "completed" else None,
        "error": None, "incomplete_details": None, "instructions": None,
        "max_output_tokens": None, "max_tool_calls": None, "model": "gpt-4o-2024-08-06",
        "output": output, "parallel_tool_calls": True, "previous_response_id": None,
        "prompt_cache_key": None, "reasoning": {"effort": None, "summary": None},
        "safety_identifier": None, "service_tier": "default", "store": True,
        "temperature": 1.0, "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto", "tools": [WEATHER_TOOL], "top_logprobs": 0, "top_p": 1.0,
        "truncation": "disabled", "usage": usage, "user": None, "metadata": {},
    }  # fmt: skip


def _usage(prompt: int, completion: int) -> JSON:
    return {
        "input_tokens": prompt, "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": completion, "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt + completion,
    }  # fmt: skip


def _start(body: _Body) -> None:
    body.add("response.created", {"response": _response("in_progress", [])})
    body.add("response.in_progress", {"response": _response("in_progress", [])})


def text_response(deltas: int = 1000, word: str = "Hello ") -> bytes:
    """A response answering with one message of `deltas` output_text deltas of `word` each."""
    body = _Body()
    _start(body)
    message: JSON = {"id": MESSAGE_ID, "type": "message", "status": "in_progress",
                     "content": [], "role": "assistant"}  # fmt: skip
    body.add("response.output_item.added", {"output_index": 0, "item": message})
    part: JSON = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    where = {"item_id": MESSAGE_ID, "output_index": 0, "content_index": 0}
    body.add("response.content_part.added", {**where, "part": part})
    for i in range(deltas):
        body.add("response.output_text.delta", {
            **where, "delta": word, "logprobs": [], "obfuscation": f"x{i % 9973:04d}"})  # fmt: skip
    text = word * deltas
    body.add("response.output_text.done", {**where, "text": text, "logprobs": []})
    done_part = {**part, "text": text}
    body.add("response.content_part.done", {**where, "part": done_part})
    done = {**message, "status": "completed", "content": [done_part]}
    body.add("response.output_item.done", {"output_index": 0, "item": done})
    body.add("response.completed",
             {"response": _response("completed", [done], _usage(24, deltas))})  # fmt: skip
    return body.bytes()


def function_call_response(arguments: Sequence[str] = ('{"city":"Paris"}',), piece: int = 4,
                           name: str = "get_weather") -> bytes:  # fmt: skip
    """A response calling `name` once per `arguments` string, `piece` characters per delta."""
    body = _Body()
    _start(body)
    items: list[JSON] = []
    for index, args in enumerate(arguments):
        item_id = f"fc_bench{index:048d}"
        item: JSON = {"id": item_id, "type": "function_call", "status": "in_progress",
                      "arguments": "", "call_id": f"call_bench{index:014d}",
                      "name": name}  # fmt: skip
        body.add("response.output_item.added", {"output_index": index, "item": item})
        where = {"item_id": item_id, "output_index": index}
        for start in range(0, len(args), piece):
            body.add("response.function_call_arguments.delta", {
                **where, "delta": args[start : start + piece],
                "obfuscation": f"o{start % 9973:04d}"})  # fmt: skip
        body.add("response.function_call_arguments.done", {**where, "arguments": args})
        done = {**item, "status": "completed", "arguments": args}
        body.add("response.output_item.done", {"output_index": index, "item": done})
        items.append(done)
    body.add("response.completed",
             {"response": _response("completed", items, _usage(60, len(items) * 20))})  # fmt: skip
    return body.bytes()


KINDS: dict[str, Callable[[list[str]], bytes]] = {
    "text": lambda args: text_response(int(args[0]) if args else 1000),
    "tool": lambda args: function_call_response(),
}

if __name__ == "__main__":
    kind, *rest = sys.argv[1:] or ["text"]
    if kind not in KINDS:
        raise SystemExit(f"usage: responses_transcripts.py {{{'|'.join(KINDS)}}} [deltas]")
    sys.stdout.buffer.write(KINDS[kind](rest))
