"""Assistants API event streams, generated in memory for the benchmarks and the tests.

The objects carry the fields the public API sends (run, run step, message and
their deltas), so parsing and accumulation do the work a genuine stream asks for:

- `text_run(n)`: one message streamed as `n` text deltas;
- `tool_call_run(arguments)`: function calls whose arguments arrive a few characters
  per step delta, ending at `requires_action`;
- `after_tool_outputs_run(answer)`: the stream `submit_tool_outputs` returns;
- `mixed_run()`: file search, code interpreter (input, logs, image) and a message
  with a file citation, a file path annotation and an image part.

Every body ends with `done` and passes the lifecycle checks of a strict handler.
`python benchmarks/transcripts.py text 50 > text.sse` writes one to a file.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "CITATION",
    "MIXED_ANSWER",
    "MIXED_CODE",
    "after_tool_outputs_run",
    "frame",
    "mixed_run",
    "text_run",
    "tool_call_run",
]

JSON = dict[str, Any]

CREATED = 1732400000  # every timestamp is an offset from this one
THREAD = "thread_bench01"
ASSISTANT = "asst_bench01"
RUN = "run_bench01"
WEATHER_TOOL: JSON = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": False,
    },
}
FILE_SEARCH_TOOL: JSON = {
    "type": "file_search",
    "file_search": {"ranking_options": {"ranker": "default_2024_08_21", "score_threshold": 0.0}},
}
CODE_TOOL: JSON = {"type": "code_interpreter"}
ENDED_AT = {"completed": "completed_at", "failed": "failed_at", "cancelled": "cancelled_at"}


def frame(event: str, data: JSON | str) -> str:
    """One server-sent event as the API writes it: compact JSON on one data line."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n"


def _usage(prompt: int, completion: int) -> JSON:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_token_details": {"cached_tokens": 0},
    }


def _run(status: str, tools: Sequence[JSON], *, action: JSON | None = None,
         usage: JSON | None = None) -> JSON:  # fmt: skip
    run: JSON = {
        "id": RUN, "object": "thread.run", "created_at": CREATED, "assistant_id": ASSISTANT,
        "thread_id": THREAD, "status": status,
        "started_at": None if status == "queued" else CREATED + 1,
        "expires_at": None if status in ENDED_AT else CREATED + 600,
        "cancelled_at": None, "failed_at": None, "completed_at": None,
        "required_action": action, "last_error": None, "model": "gpt-4o-2024-08-06",
        "instructions": "You are a helpful assistant.", "tools": list(tools),
        "tool_resources": {}, "metadata": {}, "temperature": 1.0, "top_p": 1.0,
        "reasoning_effort": None, "max_completion_tokens": None, "max_prompt_tokens": None,
        "truncation_strategy": {"type": "auto", "last_messages": None},
        "incomplete_details": None, "usage": usage, "response_format": "auto",
        "tool_choice": "auto", "parallel_tool_calls": True,
    }  # fmt: skip
    if status in ENDED_AT:
        run[ENDED_AT[status]] = CREATED + 9
    return run


def _step(step_id: str, status: str, details: JSON, usage: JSON | None = None) -> JSON:
    step: JSON = {
        "id": step_id, "object": "thread.run.step", "created_at": CREATED + 2,
        "run_id": RUN, "assistant_id": ASSISTANT, "thread_id": THREAD,
        "type": details["type"], "status": status, "cancelled_at": None,
        "completed_at": None, "expired_at": None, "failed_at": None, "last_error": None,
        "step_details": details, "usage": usage if status == "completed" else None,
    }  # fmt: skip
    if status == "completed":
        step["completed_at"] = CREATED + 8
    return step


def _message(message_id: str, status: str, content: list[JSON]) -> JSON:
    return {
        "id": message_id, "object": "thread.message", "created_at": CREATED + 3,
        "assistant_id": ASSISTANT, "thread_id": THREAD, "run_id": RUN, "status": status,
        "incomplete_details": None, "incomplete_at": None,
        "completed_at": CREATED + 8 if status == "completed" else None,
        "role": "assistant", "content": content, "attachments": [], "metadata": {},
    }  # fmt: skip


def _message_delta(message_id: str, part: JSON) -> JSON:
    return {"id": message_id, "object": "thread.message.delta", "delta": {"content": [part]}}


def _step_delta(step_id: str, call: JSON) -> JSON:
    details = {"type": "tool_calls", "tool_calls": [call]}
    return {"id": step_id, "object": "thread.run.step.delta", "delta": {"step_details": details}}


def _text(value: str, annotations: list[JSON] | None = None) -> JSON:
    return {"type": "text", "text": {"value": value, "annotations": annotations or []}}


def _run_start(tools: Sequence[JSON]) -> list[str]:
    # a run is created queued: `thread.run.created` carries status "queued"
    return [frame("thread.run.created", _run("queued", tools)),
            frame("thread.run.queued", _run("queued", tools)),
            frame("thread.run.in_progress", _run("in_progress", tools))]  # fmt: skip


def _message_step(step_id: str, message_id: str, deltas: list[JSON], content: list[JSON],
                  usage: JSON) -> list[str]:  # fmt: skip
    """A message_creation step around one message streamed as `deltas`."""
    details = {"type": "message_creation", "message_creation": {"message_id": message_id}}
    return [
        frame("thread.run.step.created", _step(step_id, "in_progress", details)),
        frame("thread.run.step.in_progress", _step(step_id, "in_progress", details)),
        frame("thread.message.created", _message(message_id, "in_progress", [])),
        frame("thread.message.in_progress", _message(message_id, "in_progress", [])),
        *(frame("thread.message.delta", _message_delta(message_id, d)) for d in deltas),
        frame("thread.message.completed", _message(message_id, "completed", content)),
        frame("thread.run.step.completed", _step(step_id, "completed", details, usage)),
    ]


def _finish(tools: Sequence[JSON], usage: JSON) -> list[str]:
    return [frame("thread.run.completed", _run("completed", tools, usage=usage)),
            frame("done", "[DONE]")]  # fmt: skip


def text_run(deltas: int = 1000, word: str = "Hello ") -> bytes:
    """A run that answers with one message of `deltas` text deltas of `word` each."""
    pieces = [{"index": 0, "type": "text", "text": {"value": word, "annotations": []}}]
    pieces += [{"index": 0, "type": "text", "text": {"value": word}}] * (deltas - 1)
    usage = _usage(120, deltas)
    body = _run_start([WEATHER_TOOL])
    body += _message_step("step_msg01", "msg_bench01", pieces[:deltas], [_text(word * deltas)],
                          usage)  # fmt: skip
    body += _finish([WEATHER_TOOL], usage)
    return "".join(body).encode()


def tool_call_run(arguments: Sequence[str] = ('{"city":"Paris"}', '{"city":"Tokyo"}'),
                  piece: int = 4, name: str = "get_weather") -> bytes:  # fmt: skip
    """A run that calls function `name` once per `arguments` string and stops at
    `requires_action`; each call's arguments arrive `piece` characters per step delta."""
    calls: list[JSON] = [{"id": f"call_{i:04d}", "type": "function",
              "function": {"name": name, "arguments": args}}
             for i, args in enumerate(arguments)]  # fmt: skip
    empty = {"type": "tool_calls", "tool_calls": []}
    body = _run_start([WEATHER_TOOL])
    body += [
        frame("thread.run.step.created", _step("step_tools01", "in_progress", empty)),
        frame("thread.run.step.in_progress", _step("step_tools01", "in_progress", empty)),
    ]
    for index, call in enumerate(calls):
        opening = {"index": index, "id": call["id"], "type": "function",
                   "function": {"name": name, "arguments": "", "output": None}}  # fmt: skip
        body.append(frame("thread.run.step.delta", _step_delta("step_tools01", opening)))
        text = call["function"]["arguments"]
        for start in range(0, len(text), piece):
            part = {"index": index, "type": "function",
                    "function": {"arguments": text[start : start + piece]}}  # fmt: skip
            body.append(frame("thread.run.step.delta", _step_delta("step_tools01", part)))
    action = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": calls}}
    body += [frame("thread.run.requires_action", _run("requires_action", [WEATHER_TOOL],
                                                      action=action)),
             frame("done", "[DONE]")]  # fmt: skip
    return "".join(body).encode()


def after_tool_outputs_run(answer: str = "It is sunny in Paris and rainy in Tokyo.") -> bytes:
    """What `submit_tool_outputs` streams back after `tool_call_run`: the tool step
    completes, the run resumes and answers with `answer`, one word per delta."""
    tools = [WEATHER_TOOL]
    done_calls = {"type": "tool_calls", "tool_calls": []}
    usage = _usage(310, 24)
    words = answer.split(" ")
    deltas = [{"index": 0, "type": "text", "text": {"value": w if i == 0 else " " + w}}
              for i, w in enumerate(words)]  # fmt: skip
    body = [frame("thread.run.step.completed",
                  _step("step_tools01", "completed", done_calls, _usage(150, 20))),
            frame("thread.run.queued", _run("queued", tools)),
            frame("thread.run.in_progress", _run("in_progress", tools))]  # fmt: skip
    body += _message_step("step_msg02", "msg_bench02", deltas, [_text(answer)], usage)
    body += _finish(tools, usage)
    return "".join(body).encode()


# The mixed run: what the model writes, kept as constants so tests can check them.
MIXED_CODE = "import statistics\nprint(statistics.mean([3, 5, 10]))\n"
CITATION = "【4:0†report.pdf】"
SANDBOX_LINK = "sandbox:/mnt/data/chart.png"
MIXED_ANSWER = (
    f"Revenue grew 12% in 2023{CITATION}. The mean of the three quarters is 6.0; "
    f"the chart is at {SANDBOX_LINK}."
)


def mixed_run() -> bytes:
    """A run using file search, then code interpreter, then answering with citations."""
    tools = [FILE_SEARCH_TOOL, CODE_TOOL]
    body = _run_start(tools)

    # 1. file search: the call is announced empty, the results come with the completed step
    empty = {"type": "tool_calls", "tool_calls": []}
    search_done = {"type": "tool_calls", "tool_calls": [{
        "id": "call_fs01", "type": "file_search",
        "file_search": {"ranking_options": FILE_SEARCH_TOOL["file_search"]["ranking_options"],
                        "results": []},
    }]}  # fmt: skip
    body += [
        frame("thread.run.step.created", _step("step_fs01", "in_progress", empty)),
        frame("thread.run.step.in_progress", _step("step_fs01", "in_progress", empty)),
        frame("thread.run.step.delta", _step_delta("step_fs01", {
            "index": 0, "id": "call_fs01", "type": "file_search", "file_search": {}})),
        frame("thread.run.step.completed",
              _step("step_fs01", "completed", search_done, _usage(900, 12))),
    ]  # fmt: skip

    # 2. code interpreter: the input streams in pieces, then a log and an image output
    outputs: list[JSON] = [{"type": "logs", "logs": "6.0\n"},
               {"type": "image", "image": {"file_id": "file-chart01"}}]  # fmt: skip
    code_done = {"type": "tool_calls", "tool_calls": [{
        "id": "call_ci01", "type": "code_interpreter",
        "code_interpreter": {"input": MIXED_CODE, "outputs": outputs},
    }]}  # fmt: skip
    body += [frame("thread.run.step.created", _step("step_ci01", "in_progress", empty)),
             frame("thread.run.step.in_progress", _step("step_ci01", "in_progress", empty)),
             frame("thread.run.step.delta", _step_delta("step_ci01", {
                 "index": 0, "id": "call_ci01", "type": "code_interpreter",
                 "code_interpreter": {"input": "", "outputs": []}}))]  # fmt: skip
    for start in range(0, len(MIXED_CODE), 7):
        body.append(frame("thread.run.step.delta", _step_delta("step_ci01", {
            "index": 0, "type": "code_interpreter",
            "code_interpreter": {"input": MIXED_CODE[start : start + 7]}})))  # fmt: skip
    for index, output in enumerate(outputs):
        body.append(frame("thread.run.step.delta", _step_delta("step_ci01", {
            "index": 0, "type": "code_interpreter",
            "code_interpreter": {"outputs": [{"index": index, **output}]}})))  # fmt: skip
    body.append(
        frame(
            "thread.run.step.completed", _step("step_ci01", "completed", code_done, _usage(950, 40))
        )
    )

    # 3. the answer: a citation sent with its marker, a file path annotation sent after
    # its text, then an image part
    cite_at = MIXED_ANSWER.index(CITATION)
    link_at = MIXED_ANSWER.index(SANDBOX_LINK)
    citation = {
        "type": "file_citation",
        "text": CITATION,
        "start_index": cite_at,
        "end_index": cite_at + len(CITATION),
        "file_citation": {"file_id": "file-report01"},
    }
    file_path = {
        "type": "file_path",
        "text": SANDBOX_LINK,
        "start_index": link_at,
        "end_index": link_at + len(SANDBOX_LINK),
        "file_path": {"file_id": "file-chart01"},
    }
    head, tail = MIXED_ANSWER[:cite_at], MIXED_ANSWER[cite_at + len(CITATION) :]

    def text(value: str | None, annotations: list[JSON] | None = None) -> JSON:
        inner: JSON = {} if value is None else {"value": value}
        if annotations is not None:
            inner["annotations"] = annotations
        return {"index": 0, "type": "text", "text": inner}

    words = head.split(" ")
    deltas = [text(words[0], [])] + [text(" " + word) for word in words[1:]]
    deltas.append(text(CITATION, [{"index": 0, **citation}]))
    deltas += [text(tail[i : i + 9]) for i in range(0, len(tail), 9)]
    deltas.append(text(None, [{"index": 1, **file_path}]))
    image = {"type": "image_file", "image_file": {"file_id": "file-chart01", "detail": "auto"}}
    deltas.append({"index": 1, **image})
    content = [_text(MIXED_ANSWER, [citation, file_path]), image]
    usage = _usage(2100, 90)
    body += _message_step("step_msg03", "msg_bench03", deltas, content, _usage(250, 38))
    body += _finish(tools, usage)
    return "".join(body).encode()


KINDS: dict[str, Callable[[list[str]], bytes]] = {
    "text": lambda args: text_run(int(args[0]) if args else 1000),
    "tool": lambda args: tool_call_run(),
    "after": lambda args: after_tool_outputs_run(),
    "mixed": lambda args: mixed_run(),
}

if __name__ == "__main__":
    kind, *rest = sys.argv[1:] or ["text"]
    if kind not in KINDS:
        raise SystemExit(f"usage: transcripts.py {{{'|'.join(KINDS)}}} [deltas]")
    sys.stdout.buffer.write(KINDS[kind](rest))
