"""The mock server's objects: JSON shaped as the Assistants API returns it,
and the generator of events one run turn streams."""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Iterator
from typing import Any

import attrs

from .core import encode
from .faults import Faults
from .model import ModelContext, Reply, ScriptedModel

__all__ = ["RunState", "Store", "encode"]

JSON = dict[str, Any]
TERMINAL = frozenset({"completed", "cancelled", "failed", "expired", "incomplete"})
Event = tuple[str, Any]


def now() -> int:
    return int(time.time())


def text_content(value: str) -> list[JSON]:
    return [{"type": "text", "text": {"value": value, "annotations": []}}]


def word_pieces(text: str) -> list[str]:
    words = text.split(" ")
    return [w if i == 0 else " " + w for i, w in enumerate(words)]


@attrs.define
class RunState:
    """A run and what the mock model is doing with it."""

    json: JSON
    pending_step: JSON | None = None
    pending_calls: list[JSON] = attrs.field(factory=list)
    outputs: list[tuple[str, str, str]] = attrs.field(factory=list)
    round: int = 0
    cancel_requested: bool = False
    streaming: bool = False
    open_step: JSON | None = None
    open_message: JSON | None = None
    submissions: list[list[JSON]] = attrs.field(factory=list)

    @property
    def id(self) -> str:
        return str(self.json["id"])

    @property
    def status(self) -> str:
        return str(self.json["status"])


class Store:
    """In-memory assistants, threads, messages, runs and steps, with deterministic ids."""

    def __init__(self, model: ScriptedModel) -> None:
        self.model = model
        self.assistants: dict[str, JSON] = {}
        self.threads: dict[str, JSON] = {}
        self.messages: dict[str, list[JSON]] = {}
        self.runs: dict[str, RunState] = {}
        # Each thread's runs, in creation order: a new run's check for an active one
        # reads its thread's runs, not every run the server ever made.
        self.thread_runs: dict[str, list[RunState]] = {}
        self.steps: dict[str, list[JSON]] = {}
        self._counter = itertools.count(1)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._counter):08d}mock"

    # -------------------------------------------------------------- objects

    def assistant(self, body: JSON) -> JSON:
        obj = {
            "id": self.new_id("asst"), "object": "assistant", "created_at": now(),
            "name": body.get("name"), "description": body.get("description"),
            "model": body.get("model", "gpt-4o"), "instructions": body.get("instructions"),
            "tools": body.get("tools") or [], "metadata": body.get("metadata") or {},
            "top_p": body.get("top_p", 1.0), "temperature": body.get("temperature", 1.0),
            "response_format": body.get("response_format", "auto"),
            "tool_resources": body.get("tool_resources") or {},
        }  # fmt: skip
        self.assistants[obj["id"]] = obj
        return obj

    def thread(self, body: JSON) -> JSON:
        obj: JSON = {
            "id": self.new_id("thread"), "object": "thread", "created_at": now(),
            "metadata": body.get("metadata") or {},
            "tool_resources": body.get("tool_resources") or {},
        }  # fmt: skip
        thread_id: str = obj["id"]
        self.threads[thread_id] = obj
        self.messages[thread_id] = []
        for message in body.get("messages") or []:
            self.message(thread_id, message)
        return obj

    def message(
        self, thread_id: str, body: JSON, *, run_id: str | None = None,
        assistant_id: str | None = None, status: str = "completed",
    ) -> JSON:  # fmt: skip
        content = body.get("content", "")
        if isinstance(content, str):
            content = text_content(content)
        obj = {
            "id": self.new_id("msg"), "object": "thread.message", "created_at": now(),
            "assistant_id": assistant_id, "thread_id": thread_id, "run_id": run_id,
            "status": status, "incomplete_details": None, "incomplete_at": None,
            "completed_at": now() if status == "completed" else None,
            "role": body.get("role", "user"), "content": content,
            "attachments": body.get("attachments") or [], "metadata": body.get("metadata") or {},
        }  # fmt: skip
        self.messages[thread_id].append(obj)
        return obj

    def run(self, thread_id: str, assistant: JSON, body: JSON) -> RunState:
        obj = {
            "id": self.new_id("run"), "object": "thread.run", "created_at": now(),
            "assistant_id": assistant["id"], "thread_id": thread_id, "status": "queued",
            "started_at": None, "expires_at": now() + 600, "cancelled_at": None,
            "failed_at": None, "completed_at": None, "required_action": None,
            "last_error": None, "model": body.get("model") or assistant["model"],
            "instructions": body.get("instructions") or assistant.get("instructions") or "",
            "tools": body["tools"] if body.get("tools") is not None else assistant["tools"],
            "metadata": body.get("metadata") or {}, "incomplete_details": None, "usage": None,
            "temperature": body.get("temperature", 1.0), "top_p": body.get("top_p", 1.0),
            "max_completion_tokens": body.get("max_completion_tokens"),
            "max_prompt_tokens": body.get("max_prompt_tokens"),
            "truncation_strategy": {"type": "auto", "last_messages": None},
            "response_format": body.get("response_format", "auto"),
            "tool_choice": body.get("tool_choice", "auto"),
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
        }  # fmt: skip
        state = RunState(obj)
        self.runs[obj["id"]] = state
        self.thread_runs.setdefault(thread_id, []).append(state)
        self.steps[obj["id"]] = []
        return state

    def step(self, state: RunState, details: JSON) -> JSON:
        obj = {
            "id": self.new_id("step"), "object": "thread.run.step", "created_at": now(),
            "run_id": state.id, "assistant_id": state.json["assistant_id"],
            "thread_id": state.json["thread_id"], "type": details["type"],
            "status": "in_progress", "cancelled_at": None, "completed_at": None,
            "expired_at": None, "failed_at": None, "last_error": None,
            "step_details": details, "usage": None, "metadata": {},
        }  # fmt: skip
        self.steps[state.id].append(obj)
        return obj

    # ---------------------------------------------------------------- events

    def _run_event(self, state: RunState, status: str, **fields: Any) -> Event:
        state.json["status"] = status
        state.json.update(fields)
        return f"thread.run.{status}", state.json

    def start(self, state: RunState, faults: Faults) -> Iterator[Event]:
        """The events of a new run, up to its first stop (requires_action or the end)."""
        yield "thread.run.created", state.json
        queued = ("thread.run.queued", dict(state.json))
        in_progress = self._run_event(state, "in_progress", started_at=now())
        # Faults.out_of_order swaps the two: the snapshots stay right, the order does not.
        yield from ([in_progress, queued] if faults.out_of_order else [queued, in_progress])
        yield from self._turn(state, faults)

    def resume(self, state: RunState, outputs: list[JSON], faults: Faults) -> Iterator[Event]:
        """The events after tool outputs: the tool step completes and the run goes on."""
        step = state.pending_step
        assert step is not None
        names = {c["id"]: c for c in state.pending_calls}
        full_calls = []
        for output in outputs:
            call = names[output["tool_call_id"]]
            function = call["function"]
            state.outputs.append((function["name"], function["arguments"], output["output"]))
            full_calls.append(
                {"id": call["id"], "type": "function",
                 "function": {**function, "output": output["output"]}}
            )  # fmt: skip
        step["step_details"] = {"type": "tool_calls", "tool_calls": full_calls}
        step.update(status="completed", completed_at=now(), usage=self._usage(state, 5))
        state.pending_step, state.pending_calls = None, []
        state.json["required_action"] = None
        yield "thread.run.step.completed", step
        yield self._run_event(state, "queued")
        yield self._run_event(state, "in_progress")
        yield from self._turn(state, faults)

    def _usage(self, state: RunState, completion: int) -> JSON:
        words = sum(
            len(p["text"]["value"].split())
            for m in self.messages[state.json["thread_id"]]
            for p in m["content"]
            if p.get("type") == "text"
        )
        prompt = 10 + words
        return {"prompt_tokens": prompt, "completion_tokens": completion,
                "total_tokens": prompt + completion}  # fmt: skip

    def _turn(self, state: RunState, faults: Faults) -> Iterator[Event]:
        if faults.run_outcome is not None:
            yield from self._bad_end(state, faults.run_outcome)
            return
        tools = state.json.get("tools") or []
        functions = frozenset(
            t["function"]["name"] for t in tools if t.get("type") == "function"
        )  # fmt: skip
        context = ModelContext(
            self.messages[state.json["thread_id"]], state.json, functions,
            tuple(state.outputs), state.round,
        )  # fmt: skip
        reply: Reply = self.model.reply(context)
        state.round += 1
        if reply.tool_calls:
            yield from self._call_tools(state, reply)
        else:
            yield from self._say(state, reply.text)

    def _bad_end(self, state: RunState, outcome: str) -> Iterator[Event]:
        if outcome == "failed":
            error = {"code": "server_error", "message": "The mock run failed, as told."}
            yield self._run_event(state, "failed", failed_at=now(), last_error=error)
        elif outcome == "expired":
            yield self._run_event(state, "expired")
        else:
            yield self._run_event(
                state, "incomplete", incomplete_details={"reason": "max_completion_tokens"}
            )

    def _call_tools(self, state: RunState, reply: Reply) -> Iterator[Event]:
        step = self.step(state, {"type": "tool_calls", "tool_calls": []})
        state.open_step = step
        yield "thread.run.step.created", step
        yield "thread.run.step.in_progress", step
        calls = []
        for index, plan in enumerate(reply.tool_calls):
            call_id = self.new_id("call")
            arguments = plan.arguments_json()
            calls.append({"id": call_id, "type": "function",
                          "function": {"name": plan.name, "arguments": arguments}})  # fmt: skip
            first = {"index": index, "id": call_id, "type": "function",
                     "function": {"name": plan.name, "arguments": "", "output": None}}  # fmt: skip
            yield "thread.run.step.delta", self._step_delta(step, first)
            for start in range(0, len(arguments), 8):
                piece = {"index": index, "type": "function",
                         "function": {"arguments": arguments[start : start + 8]}}  # fmt: skip
                yield "thread.run.step.delta", self._step_delta(step, piece)
        state.pending_step, state.pending_calls, state.open_step = step, calls, None
        action = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": calls}}
        yield self._run_event(state, "requires_action", required_action=action)

    @staticmethod
    def _step_delta(step: JSON, call: JSON) -> JSON:
        details = {"type": "tool_calls", "tool_calls": [call]}
        return {
            "id": step["id"],
            "object": "thread.run.step.delta",
            "delta": {"step_details": details},
        }

    def _say(self, state: RunState, text: str) -> Iterator[Event]:
        thread_id = state.json["thread_id"]
        message = self.message(
            thread_id, {"role": "assistant", "content": []}, run_id=state.id,
            assistant_id=state.json["assistant_id"], status="in_progress",
        )  # fmt: skip
        details = {"type": "message_creation", "message_creation": {"message_id": message["id"]}}
        step = self.step(state, details)
        state.open_step, state.open_message = step, message
        yield "thread.run.step.created", step
        yield "thread.run.step.in_progress", step
        yield "thread.message.created", message
        yield "thread.message.in_progress", message
        pieces = word_pieces(text)
        for i, piece in enumerate(pieces):
            text_delta: JSON = {"value": piece}
            if i == 0:
                text_delta["annotations"] = []
            yield "thread.message.delta", {
                "id": message["id"], "object": "thread.message.delta",
                "delta": {"content": [{"index": 0, "type": "text", "text": text_delta}]},
            }  # fmt: skip
        message.update(status="completed", completed_at=now(), content=text_content(text))
        state.open_message = None
        yield "thread.message.completed", message
        usage = self._usage(state, len(pieces))
        step.update(status="completed", completed_at=now(), usage=usage)
        state.open_step = None
        yield "thread.run.step.completed", step
        counted = [s["usage"] for s in self.steps[state.id] if s.get("usage")]
        total = {k: sum(u[k] for u in counted) for k in usage}
        yield self._run_event(state, "completed", completed_at=now(), usage=total)

    def cancel_events(self, state: RunState) -> Iterator[Event]:
        """Close what is open, then cancel the run (after a cancel request)."""
        if state.open_message is not None:
            state.open_message.update(status="incomplete", incomplete_at=now(),
                                      incomplete_details={"reason": "run_cancelled"})  # fmt: skip
            yield "thread.message.incomplete", state.open_message
            state.open_message = None
        for step in (state.open_step, state.pending_step):
            if step is not None and step["status"] == "in_progress":
                step.update(status="cancelled", cancelled_at=now())
                yield "thread.run.step.cancelled", step
        state.open_step = state.pending_step = None
        if state.status != "cancelling":
            yield self._run_event(state, "cancelling")
        yield self._run_event(state, "cancelled", cancelled_at=now(), required_action=None)


def snapshot(data: Any) -> Any:
    """A copy of an object as it is now (state keeps changing after an event is sent)."""
    return copy.deepcopy(data)
