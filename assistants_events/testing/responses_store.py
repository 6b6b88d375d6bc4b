"""The mock server's Responses objects and the events one response streams.

A response is played by the same scripted model as Assistants runs: its context
(the items of `previous_response_id` or `conversation`, then this request's
`input`) is shown to the model as Assistants-shaped messages, so one script plays
both protocols.  Every event carries `type` and `sequence_number` and is kept in
the response's log, so a background response can be streamed again from any
`starting_after`.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, Union

import attrs

from .core import JSON, HTTPProblem
from .faults import Faults
from .model import ModelContext, Reply, ScriptedModel
from .objects import word_pieces

__all__ = ["Pause", "ResponseState", "ResponsesStore", "normalize_tools"]

Event = tuple[str, JSON]
TERMINAL = frozenset({"completed", "failed", "incomplete", "cancelled"})
TERMINAL_EVENTS = frozenset({"response.completed", "response.failed", "response.incomplete"})
INCOMPLETE_TEXT = "This answer was cut short"


@attrs.frozen
class Pause:
    """A step of the play that is silence: `seconds` without events (ends on cancel)."""

    seconds: float


Step = Union[Event, Pause]  # noqa: UP007 - a runtime alias, imported on 3.10


def now() -> int:
    return int(time.time())


def _problem(message: str, param: str, code: str = "invalid_value") -> HTTPProblem:
    return HTTPProblem(400, message, code=code, param=param)


def _missing(param: str) -> HTTPProblem:
    return _problem(f"Missing required parameter: '{param}'.", param, "missing_required_parameter")


@attrs.define(eq=False)
class ResponseState:
    """A response, its context, its event log, and the work that plays it."""

    json: JSON
    input_items: list[JSON]
    context: list[JSON]  # the items before this request's input
    faults: Faults
    stored: bool = True
    obfuscate: bool = False  # deltas carry `obfuscation` padding, as streamed by default
    log: list[Event] = attrs.field(factory=list)
    finished: bool = False
    open_items: list[JSON] = attrs.field(factory=list)
    task: asyncio.Task[None] | None = None
    cancel_requested: asyncio.Event = attrs.field(factory=asyncio.Event)
    _changed: asyncio.Event = attrs.field(factory=asyncio.Event)
    _sequence: Iterator[int] = attrs.field(factory=itertools.count)

    @property
    def id(self) -> str:
        return str(self.json["id"])

    @property
    def status(self) -> str:
        return str(self.json["status"])

    @property
    def background(self) -> bool:
        return bool(self.json.get("background"))

    @property
    def function_outputs(self) -> list[JSON]:
        """The `function_call_output` items this response received, in order."""
        return [item for item in self.input_items if item.get("type") == "function_call_output"]

    def event(self, kind: str, /, **fields: Any) -> Event:
        """A new event: its fields copied as they are now, numbered in turn."""
        data = {"type": kind, **copy.deepcopy(fields), "sequence_number": next(self._sequence)}
        return kind, data

    def record(self, event: Event) -> None:
        """Keep a played event and wake the streams that follow this response."""
        self.log.append(event)
        self._notify()

    def finish(self) -> None:
        """No more events will come."""
        self.finished = True
        self._notify()

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def follow(self, after: int | None = None) -> AsyncIterator[Event]:
        """The logged events with `sequence_number > after`, then the live ones, to the end."""
        index = 0
        while True:
            while index < len(self.log):
                event = self.log[index]
                index += 1
                # `after` may be ahead of the play: those events are skipped as they come.
                if after is None or event[1]["sequence_number"] > after:
                    yield event
            if self.finished:
                return
            await self._changed.wait()

    def cancel(self) -> None:
        """Stop the play: the response is `cancelled`, its open items `incomplete`."""
        for item in self.open_items:
            item["status"] = "incomplete"
        self.open_items.clear()
        self.json["status"] = "cancelled"
        self.cancel_requested.set()


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and part.get("type") in ("input_text", "output_text")
        )
    return ""


def _padding(state: ResponseState, delta: str) -> JSON:
    """The `obfuscation` field of a streamed delta: padding that evens out delta sizes."""
    if not state.obfuscate:
        return {}
    return {"obfuscation": "x" * max(1, 16 - len(delta))}


def normalize_tools(tools: Any) -> list[JSON]:
    """The request's tools, checked: function tools must have the Responses shape."""
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise _problem(
            "Invalid type for 'tools': expected an array of tools.", "tools", "invalid_type"
        )
    checked = []
    for index, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("type"), str):
            raise _missing(f"tools[{index}].type")
        if tool["type"] == "function":
            # The Assistants shape nests these under "function": the API refuses it.
            if not isinstance(tool.get("name"), str):
                raise _missing(f"tools[{index}].name")
            tool = {"description": None, "parameters": None, "strict": True, **tool}
        checked.append(tool)
    return checked


class ResponsesStore:
    """In-memory responses and conversations, with deterministic ids."""

    def __init__(self, model: ScriptedModel) -> None:
        self.model = model
        self.responses: dict[str, ResponseState] = {}
        self.conversations: dict[str, JSON] = {}
        self.conversation_items: dict[str, list[JSON]] = {}
        self._counter = itertools.count(1)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._counter):08d}mock"

    # -------------------------------------------------------------- objects

    def conversation(self, body: JSON) -> JSON:
        """A new conversation, holding `items` (normalized like `input`)."""
        obj: JSON = {"id": self.new_id("conv"), "object": "conversation", "created_at": now(),
               "metadata": body.get("metadata") or {}}  # fmt: skip
        self.conversations[obj["id"]] = obj
        self.conversation_items[obj["id"]] = self.normalize_input(body.get("items") or [], "items")
        return obj

    def normalize_input(self, value: Any, param: str = "input") -> list[JSON]:
        """`input` as items with ids: a string is one user message."""
        if value is None:
            return []
        if isinstance(value, str):
            value = [{"role": "user", "content": value}]
        if not isinstance(value, list):
            raise _problem(f"Invalid type for '{param}': expected a string or an array.", param,
                           "invalid_type")  # fmt: skip
        return [self._item(item, f"{param}[{i}]") for i, item in enumerate(value)]

    def _item(self, item: Any, where: str) -> JSON:
        if not isinstance(item, dict):
            raise _problem(
                f"Invalid type for '{where}': expected an object.", where, "invalid_type"
            )
        kind = item.get("type", "message" if "role" in item else None)
        if kind == "message":
            role = item.get("role")
            if role not in ("user", "assistant", "system", "developer"):
                raise _problem(f"Invalid value for '{where}.role': {role!r}.", f"{where}.role")
            content = item.get("content")
            if isinstance(content, str):
                part = "output_text" if role == "assistant" else "input_text"
                content = [{"type": part, "text": content}]
            if not isinstance(content, list):
                raise _missing(f"{where}.content")
            return {"id": self.new_id("msg"), "type": "message", "status": "completed",
                    **item, "role": role, "content": content}  # fmt: skip
        if kind == "function_call_output":
            if not isinstance(item.get("call_id"), str):
                raise _missing(f"{where}.call_id")
            if not isinstance(item.get("output"), (str, list)):
                raise _missing(f"{where}.output")
            return {"id": self.new_id("fco"), "status": "completed", **item}
        if not isinstance(kind, str):
            raise _missing(f"{where}.type")
        return {"id": self.new_id("item"), **item}

    def response(self, body: JSON, context: list[JSON], input_items: list[JSON],
                 tools: list[JSON], faults: Faults) -> ResponseState:  # fmt: skip
        """A new response (status `queued` for background, else `in_progress`)."""
        background = bool(body.get("background"))
        conversation = body.get("conversation")
        if isinstance(conversation, str):
            conversation = {"id": conversation}
        obj: JSON = {
            "id": self.new_id("resp"), "object": "response", "created_at": now(),
            "status": "queued" if background else "in_progress", "background": background,
            "error": None, "incomplete_details": None, "completed_at": None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "max_tool_calls": body.get("max_tool_calls"), "model": body["model"], "output": [],
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": body.get("previous_response_id"),
            "conversation": conversation, "reasoning": {"effort": None, "summary": None},
            "service_tier": body.get("service_tier") or "default",
            "store": body.get("store", True), "temperature": body.get("temperature", 1.0),
            "text": {"format": {"type": "text"}, "verbosity": "medium"},
            "frequency_penalty": 0.0, "presence_penalty": 0.0, "top_logprobs": 0,
            "prompt_cache_key": body.get("prompt_cache_key"), "prompt_cache_retention": None,
            "safety_identifier": body.get("safety_identifier"),
            "tool_choice": body.get("tool_choice", "auto"), "tools": tools,
            "top_p": body.get("top_p", 1.0), "truncation": body.get("truncation", "disabled"),
            "usage": None, "user": body.get("user"), "metadata": body.get("metadata") or {},
        }  # fmt: skip
        # A background response stays retrievable even with store=false (genuine
        # recordings show the pair accepted): resume and cancel need it.
        stored = obj["store"] is not False or background
        state = ResponseState(obj, input_items, context, faults, stored=stored)
        options = body.get("stream_options") or {}
        state.obfuscate = bool(body.get("stream")) and options.get("include_obfuscation", True)
        self.responses[state.id] = state
        return state

    # ---------------------------------------------------------------- events

    def play(self, state: ResponseState) -> Iterator[Step]:
        """Every step of a response, with the content faults of `state.faults` applied.

        Stalls and delta delays are `Pause`s; `error_after` sends an `error` event
        then `response.failed`; `out_of_order` sends `response.in_progress` after
        the event that should follow it (sequence numbers included); `keepalive_every`
        sends a `keepalive` event (with its own sequence number) after every N events.
        """
        faults = state.faults
        events = self._events(state)
        played = 0
        held: Event | None = None
        while True:
            # Decided before the next event is made, so sequence numbers stay gapless.
            if faults.error_after is not None and played == faults.error_after:
                yield from self._error(state, faults.error)
                return
            event = next(events, None)
            if event is None:
                return
            if faults.stall_after is not None and played == faults.stall_after:
                yield Pause(faults.stall_seconds)
            if faults.delta_delay and event[0].endswith(".delta"):
                yield Pause(faults.delta_delay)
            played += 1
            if faults.out_of_order and event[0] == "response.in_progress":
                held = event
                continue
            yield event
            if held is not None:
                yield held
                held = None
            if event[0] in TERMINAL_EVENTS:
                return
            if faults.keepalive_every and played % faults.keepalive_every == 0:
                yield state.event("keepalive")

    def _events(self, state: ResponseState) -> Iterator[Event]:
        response = state.json
        yield state.event("response.created", response=response)
        if state.background:
            yield state.event("response.queued", response=response)
        response["status"] = "in_progress"
        yield state.event("response.in_progress", response=response)
        outcome = state.faults.run_outcome
        if outcome == "failed":
            error = {"code": "server_error", "message": "The mock response failed, as told."}
            yield from self._fail(state, error)
            return
        if outcome == "incomplete":
            yield from self._message(state, INCOMPLETE_TEXT, status="incomplete")
            response.update(status="incomplete", incomplete_details={"reason": "max_output_tokens"},
                            usage=self._usage(state))  # fmt: skip
            yield state.event("response.incomplete", response=response)
            return
        reply: Reply = self.model.reply(self._context(state))
        if reply.tool_calls:
            for plan in reply.tool_calls:
                yield from self._call(state, plan.name, plan.arguments_json())
        else:
            yield from self._message(state, reply.text)
        if response["incomplete_details"] is not None:
            response.update(status="incomplete", usage=self._usage(state))
            yield state.event("response.incomplete", response=response)
            return
        response.update(status="completed", completed_at=now(), usage=self._usage(state))
        yield state.event("response.completed", response=response)

    def _error(self, state: ResponseState, error: JSON) -> Iterator[Event]:
        if state.faults.error_shape == "nested":
            yield state.event("error", error=error)
        else:
            yield state.event("error", code=error.get("code"), message=error.get("message", ""),
                              param=error.get("param"))  # fmt: skip
        yield from self._fail(state, error)

    def fail(self, state: ResponseState, error: JSON) -> Iterator[Event]:
        """End a response as `failed` with `error` (`{"code", "message"}`)."""
        yield from self._fail(state, error)

    def _fail(self, state: ResponseState, error: JSON) -> Iterator[Event]:
        for item in state.open_items:
            item["status"] = "incomplete"
        state.open_items.clear()
        state.json.update(status="failed", error={"code": error.get("code") or "server_error",
                                                  "message": error.get("message", "")})  # fmt: skip
        yield state.event("response.failed", response=state.json)

    def _add(self, state: ResponseState, item: JSON) -> Event:
        state.json["output"].append(item)
        state.open_items.append(item)
        return state.event("response.output_item.added", item=item,
                           output_index=len(state.json["output"]) - 1)  # fmt: skip

    def _done(self, state: ResponseState, item: JSON, status: str) -> Event:
        item["status"] = status
        state.open_items.remove(item)
        return state.event("response.output_item.done", item=item,
                           output_index=state.json["output"].index(item))  # fmt: skip

    def _message(
        self, state: ResponseState, text: str, status: str = "completed"
    ) -> Iterator[Event]:
        pieces = word_pieces(text)
        limit = state.json.get("max_output_tokens")
        if isinstance(limit, int) and len(pieces) > limit:
            # One piece is one token here: the answer stops at the limit, as the API's does.
            pieces, status = pieces[:limit], "incomplete"
            text = "".join(pieces)
            state.json["incomplete_details"] = {"reason": "max_output_tokens"}
        item: JSON = {"id": self.new_id("msg"), "type": "message", "status": "in_progress",
                      "role": "assistant", "content": []}  # fmt: skip
        yield self._add(state, item)
        where = {"item_id": item["id"], "output_index": state.json["output"].index(item),
                 "content_index": 0}  # fmt: skip
        part: JSON = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        item["content"].append(part)
        yield state.event("response.content_part.added", **where, part=part)
        for piece in pieces:
            part["text"] += piece
            yield state.event("response.output_text.delta", **where, delta=piece, logprobs=[],
                              **_padding(state, piece))  # fmt: skip
        yield state.event("response.output_text.done", **where, text=text, logprobs=[])
        yield state.event("response.content_part.done", **where, part=part)
        yield self._done(state, item, status)

    def _call(self, state: ResponseState, name: str, arguments: str) -> Iterator[Event]:
        item: JSON = {"id": self.new_id("fc"), "type": "function_call", "status": "in_progress",
                      "arguments": "", "call_id": self.new_id("call"), "name": name}  # fmt: skip
        yield self._add(state, item)
        where = {"item_id": item["id"], "output_index": state.json["output"].index(item)}
        for start in range(0, len(arguments), 8):
            piece = arguments[start : start + 8]
            item["arguments"] += piece
            yield state.event("response.function_call_arguments.delta", **where, delta=piece,
                              **_padding(state, piece))  # fmt: skip
        yield state.event("response.function_call_arguments.done", **where, arguments=arguments)
        yield self._done(state, item, "completed")

    # ---------------------------------------------------------------- model

    def _context(self, state: ResponseState) -> ModelContext:
        """What the scripted model sees, in the Assistants shapes it knows."""
        items = [*state.context, *state.input_items]
        messages = [
            {"role": item["role"],
             "content": [{"type": "text", "text": {"value": _text(item.get("content"))}}]}
            for item in items if item.get("type") == "message"
        ]  # fmt: skip
        calls = {item["call_id"]: item for item in items if item.get("type") == "function_call"}
        outputs = tuple(
            (calls[o["call_id"]]["name"], calls[o["call_id"]]["arguments"], _text(o["output"]))
            for o in state.function_outputs
            if o["call_id"] in calls
        )
        last_user = max(
            (i for i, item in enumerate(items) if item.get("role") == "user"), default=-1
        )
        kinds = [item.get("type") for item in items[last_user + 1 :]]
        # One round per run of function calls the model made since the user spoke.
        rounds = sum(
            1 for i, kind in enumerate(kinds)
            if kind == "function_call" and (i == 0 or kinds[i - 1] != "function_call")
        )  # fmt: skip
        functions = frozenset(t["name"] for t in state.json["tools"] if t.get("type") == "function")
        return ModelContext(messages, state.json, functions, outputs, rounds)

    @staticmethod
    def _usage(state: ResponseState) -> JSON:
        words = sum(
            len(_text(item.get("content")).split()) + len(str(item.get("output", "")).split())
            for item in [*state.context, *state.input_items]
        )
        output = sum(
            len(part.get("text", "").split()) + 1
            for item in state.json["output"]
            for part in item.get("content", [])
        ) + sum(1 for item in state.json["output"] if item.get("type") == "function_call")
        prompt = 10 + words
        cached = {"cached_tokens": 0, "cache_write_tokens": 0}
        return {"input_tokens": prompt, "input_tokens_details": cached,
                "output_tokens": output, "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": prompt + output}  # fmt: skip
