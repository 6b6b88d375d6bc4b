"""Deltas merged into snapshots, and the result of a stream.

Builders work on the decoded JSON, not on the typed models: merging stays cheap,
and a snapshot is structured only when someone reads it.  Merging follows the
API's delta rules: strings are appended, objects merged key by key, list items
matched by their `index`, `index`/`type`/`id` replaced rather than appended, and
a null never erases what is there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import AssistantsEventsError, EventDecodeError
from ..events import Event, require_id
from ..result import StreamResult
from ..textpieces import TextPieces
from . import models as m
from . import names
from .convert import structure

__all__ = ["Accumulator"]

_REPLACED = frozenset({"index", "type", "id"})


def merge_delta(acc: dict[str, Any], delta: dict[str, Any]) -> None:
    """Merge one delta object into the accumulated object, in place."""
    for key, value in delta.items():
        if value is None:
            # A null says "nothing yet", never "erase": SDK dumps and Azure's built-in
            # tool deltas send explicit nulls for what an earlier or later delta fills.
            acc.setdefault(key, None)
        elif key in _REPLACED:
            acc[key] = value
        elif isinstance(value, str):
            old = acc.pop(key, None)
            if isinstance(old, str):
                # With `old` the only reference, CPython extends it in place: text
                # accumulates in linear time instead of copying the whole on each delta.
                old += value
                acc[key] = old
            else:
                acc[key] = value
        elif isinstance(value, dict):
            inner = acc.get(key)
            if not isinstance(inner, dict):
                inner = acc[key] = {}
            merge_delta(inner, value)
        elif isinstance(value, list):
            items = acc.get(key)
            if not isinstance(items, list):
                items = acc[key] = []
            _merge_list(items, value)
        else:
            acc[key] = value


class _BadDelta(ValueError):
    """A delta that cannot be merged; the builder names its event."""


def _merge_list(items: list[Any], deltas: list[Any]) -> None:
    for delta in deltas:
        index = delta.get("index") if isinstance(delta, dict) else None
        if not isinstance(index, int):
            items.append(delta)
            continue
        if index < 0:
            raise _BadDelta(f"negative 'index' {index} in a list delta")
        for item in items:
            if isinstance(item, dict) and item.get("index") == index:
                merge_delta(item, delta)
                break
        else:
            items.append({})
            merge_delta(items[-1], delta)


def _text_holder(parts: list[Any], index: int) -> bool:
    """Whether `parts[index]` is a text part whose value pieces may wait in `pending`."""
    if not 0 <= index < len(parts):
        return False
    current = parts[index]
    if type(current) is not dict or current.get("index") != index:
        return False  # parts are not laid out by index: let the general merge find it
    holder = current.get("text")
    return (
        type(holder) is dict
        and current.get("type") == "text"
        and type(holder.get("value", "")) is str
    )


def _has_content(details: Any, key: str) -> bool:
    return isinstance(details, dict) and bool(details.get(key))


class _Builder:
    """One message or step being accumulated; rebuilds its typed snapshot on demand.

    The common text deltas (a message part's text, a function call's arguments) wait
    as pieces in `pending`, by part or call index, and are joined when someone reads
    the JSON: appending to a list is O(1) whatever the allocator does, where
    extending a string in place is not guaranteed (a realloc may move and copy it).
    """

    __slots__ = (
        "_cached", "_cached_version", "base", "borrowed", "cls", "event", "parts", "pending",
        "version",
    )  # fmt: skip

    _KEY = ""  # the key of the text pending pieces belong to, in the holder `_holder` finds

    def __init__(self, cls: type[Any], event: str) -> None:
        self.cls = cls
        self.event = event
        self.base: dict[str, Any] = {}
        self.parts: dict[str, Any] = {}
        # `parts` still the status event's own JSON (a completed message's content, a
        # step's details): copied only if a delta is to merge into it, or read.
        self.borrowed = False
        self.pending: dict[int, TextPieces] = {}
        self.version = 0
        self._cached: Any = None
        self._cached_version = -1

    def _holder(self, index: int) -> dict[str, Any]:
        raise NotImplementedError

    def _join_pending(self) -> None:
        key = self._KEY
        for index, pieces in self.pending.items():
            holder = self._holder(index)  # checked when its first piece came
            text = holder.pop(key, "")
            text += pieces.joined()  # the only reference: extended in place when it can be
            holder[key] = text
        self.pending = {}

    def snapshot_at(self, version: int) -> Any:
        if version != self.version:
            raise AssistantsEventsError(
                f"the snapshot of this {self.event} event moved on; read event.snapshot "
                "while the event is being handled, or keep the snapshot itself"
            )
        if self._cached_version != version:
            try:
                data = self.json()
            except RecursionError:
                raise EventDecodeError(self.event, "the JSON is nested too deeply") from None
            self._cached = structure(data, self.cls, event=self.event)
            self._cached_version = version
        return self._cached

    def snapshot(self) -> Any:
        return self.snapshot_at(self.version)

    def _moved(self, event: str) -> None:
        self.version += 1
        self.event = event
        # A snapshot read earlier holds the text strings: dropping it lets the next
        # append extend them in place, so reading every delta's snapshot stays O(delta).
        self._cached = None

    def json(self) -> dict[str, Any]:
        raise NotImplementedError

    def _own(self) -> None:
        raise NotImplementedError


class _MessageBuilder(_Builder):
    __slots__ = ()

    _KEY = "value"

    def _holder(self, index: int) -> dict[str, Any]:
        holder: dict[str, Any] = self.parts["content"][index]["text"]
        return holder

    def status(self, payload: dict[str, Any], name: str) -> None:
        self.base = payload
        if payload.get("content") and isinstance(payload["content"], list):
            # The server's full content (message.completed) replaces what deltas built:
            # the pending pieces go unjoined (joining would hold the text twice more).
            self.pending = {}
            self.parts = {"content": payload["content"]}
            self.borrowed = True
        elif self.pending:
            self._join_pending()
        self._moved(name)

    def _own(self) -> None:
        self.borrowed = False
        self.parts = dict(self.parts)
        self.parts["content"] = [
            dict(_copy_json(p), index=i) if isinstance(p, dict) else p
            for i, p in enumerate(self.parts["content"])
        ]

    def delta(self, payload: dict[str, Any]) -> None:
        self._moved(names.MESSAGE_DELTA)
        if self.borrowed:
            self._own()
        delta = payload.get("delta")
        if not isinstance(delta, dict):
            raise EventDecodeError(names.MESSAGE_DELTA, "'delta' is not an object")
        content = delta.get("content")
        if content:
            if not isinstance(content, list):
                raise EventDecodeError(names.MESSAGE_DELTA, "'delta.content' is not a list")
            pending = self.pending
            for part in content:
                # The common delta, a bare text value for a text part: its piece waits.
                # A part with pieces pending was checked when its first piece came (a
                # general merge or a status joins them first), so it is not again.
                if type(part) is dict and len(part) == 3 and part.get("type") == "text":
                    text = part.get("text")
                    index = part.get("index")
                    if type(text) is dict and len(text) == 1 and type(index) is int:
                        value = text.get("value")
                        if type(value) is str:
                            pieces = pending.get(index)
                            if pieces is None and _text_holder(self._content(), index):
                                pieces = pending[index] = TextPieces()
                            if pieces is not None:
                                pieces.append(value)
                                continue
                if pending:
                    self._join_pending()
                    pending = self.pending
                _merge_list(self._content(), [part])
        if delta.get("role"):
            self.parts["role"] = delta["role"]

    def _content(self) -> list[Any]:
        content: list[Any] = self.parts.setdefault("content", [])
        return content

    def json(self) -> dict[str, Any]:
        if self.borrowed:
            self._own()
        if self.pending:
            self._join_pending()
        out = dict(self.base)
        out.update(_copy_json(self.parts))  # see _StepBuilder.json: unknown part types
        out.setdefault("id", "")
        return out


class _StepBuilder(_Builder):
    __slots__ = ()

    _KEY = "arguments"

    def _holder(self, index: int) -> dict[str, Any]:
        holder: dict[str, Any] = self.parts["step_details"]["tool_calls"][index]["function"]
        return holder

    def status(self, payload: dict[str, Any], name: str) -> None:
        if self.pending:
            self._join_pending()
        self.base = payload
        details = payload.get("step_details")
        if _has_content(details, "tool_calls") or not _has_content(
            self.parts.get("step_details"), "tool_calls"
        ):
            self.parts = {"step_details": details} if details is not None else {}
            self.borrowed = details is not None
        self._moved(name)

    def _own(self) -> None:
        self.borrowed = False
        self.parts = {"step_details": _indexed(self.parts["step_details"])}

    def delta(self, payload: dict[str, Any]) -> None:
        self._moved(names.STEP_DELTA)
        if self.borrowed:
            self._own()
        delta = payload.get("delta")
        if not isinstance(delta, dict):
            raise EventDecodeError(names.STEP_DELTA, "'delta' is not an object")
        details = delta.get("step_details")
        if isinstance(details, dict):
            merged = self.parts.get("step_details")
            if not isinstance(merged, dict):  # the status event sent something else
                merged = self.parts["step_details"] = {}
            found = _arguments_piece(details)
            if found is not None:
                # As for message text: a call with pieces pending was checked already.
                index, piece = found
                pieces = self.pending.get(index)
                if pieces is None and _arguments_holder(merged, index):
                    pieces = self.pending[index] = TextPieces()
                if pieces is not None:
                    pieces.append(piece)
                    return
            if self.pending:
                self._join_pending()
            merge_delta(merged, details)

    def json(self) -> dict[str, Any]:
        if self.borrowed:
            self._own()
        if self.pending:
            self._join_pending()
        out = dict(self.base)
        # Copied: a tool call of a type the models do not know stays a plain dict in
        # the snapshot, and later deltas merge into `parts` in place (strings shared).
        out.update(_copy_json(self.parts))
        out.setdefault("id", "")
        out.setdefault("status", "in_progress")
        out.setdefault("step_details", {"type": "tool_calls", "tool_calls": []})
        return out


def _arguments_piece(details: dict[str, Any]) -> tuple[int, str] | None:
    """The common step delta, a piece of one function call's arguments: (index, piece)."""
    if len(details) != 2 or details.get("type") != "tool_calls":
        return None
    calls = details.get("tool_calls")
    if type(calls) is not list or len(calls) != 1:
        return None
    call = calls[0]
    if type(call) is not dict or len(call) != 3 or call.get("type") != "function":
        return None
    function = call.get("function")
    index = call.get("index")
    if type(function) is not dict or len(function) != 1 or type(index) is not int:
        return None
    piece = function.get("arguments")
    return (index, piece) if type(piece) is str else None


def _arguments_holder(merged: dict[str, Any], index: int) -> bool:
    """Whether call `index` of the merged details is a function whose pieces may wait."""
    known = merged.get("tool_calls")
    if type(known) is not list or not 0 <= index < len(known):
        return False
    current = known[index]
    if type(current) is not dict or current.get("index") != index:
        return False  # calls are not laid out by index: let the general merge find it
    if current.get("type") != "function":
        return False
    holder = current.get("function")
    return type(holder) is dict and type(holder.get("arguments", "")) is str


def _indexed(details: Any) -> Any:
    """A copy of a step's details whose tool calls carry their `index`.

    A snapshot lists its calls without `index`; a delta arriving after it (Azure sends
    an MCP tool's output after the step's `completed`) finds its call by that index.
    """
    details = _copy_json(details)
    calls = details.get("tool_calls") if isinstance(details, dict) else None
    if isinstance(calls, list):
        for i, call in enumerate(calls):
            if isinstance(call, dict):
                call.setdefault("index", i)
    return details


@contextlib.contextmanager
def _decode_errors(event: Event) -> Iterator[None]:
    """Turn what merging a payload can raise into `EventDecodeError` naming the event."""
    try:
        yield
    except (_BadDelta, RecursionError) as exc:
        raise _decode_error(event, exc) from None


def _decode_error(event: Event, exc: Exception) -> EventDecodeError:
    reason = "the JSON is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
    return EventDecodeError(event.name, reason, raw=event.raw[:200])


def _copy_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return value


class Accumulator:
    """Keeps the latest run, thread, messages and steps of everything consumed."""

    __slots__ = ("_messages", "_runs", "_steps", "_thread", "done")

    def __init__(self) -> None:
        self._runs: dict[str, Event] = {}
        self._thread: Event | None = None
        self._messages: dict[str, _MessageBuilder] = {}
        self._steps: dict[str, _StepBuilder] = {}
        self.done = False

    def add(self, event: Event, kind: str | None) -> None:
        """Fold one status event (already checked by the lifecycle) into the state."""
        name = event.name
        if kind == "run":
            self._runs[require_id(event)] = event
        elif kind in ("message", "step"):
            builder = self._builder(kind, require_id(event), name)
            with _decode_errors(event):
                builder.status(event.json, name)
        elif name == names.THREAD_CREATED:
            self._thread = event
        elif name == names.DONE:
            self.done = True

    def add_delta(self, kind: str, object_id: str, event: Event, payload: Any = None) -> None:
        """Fold a delta whose id is known (the hot path of `add`); `payload`: its JSON."""
        builder = (self._messages if kind == "message" else self._steps).get(object_id)
        if builder is None:
            builder = self._builder(kind, object_id, event.name)
        try:  # not `_decode_errors`: a context manager per delta costs a microsecond
            builder.delta(event.json if payload is None else payload)
        except (_BadDelta, RecursionError) as exc:
            raise _decode_error(event, exc) from None
        event._attach(builder, builder.version)

    def _builder(self, kind: str, object_id: str, name: str) -> _MessageBuilder | _StepBuilder:
        # A delta may arrive before its object when a non-strict lifecycle let it by.
        if kind == "message":
            message = self._messages.get(object_id)
            if message is None:
                message = self._messages[object_id] = _MessageBuilder(m.Message, name)
            return message
        step = self._steps.get(object_id)
        if step is None:
            step = self._steps[object_id] = _StepBuilder(m.RunStep, name)
        return step

    def thread_id(self) -> str | None:
        """The id of the thread `thread.created` announced, without structuring it."""
        return _text_field(self._thread, "id")

    def run_thread_id(self, run_id: str) -> str | None:
        """The thread of a run seen in the stream, without structuring anything."""
        return _text_field(self._runs.get(run_id), "thread_id")

    def result(self) -> StreamResult:
        """The typed result of everything folded so far, each field built when first read.

        The state freezes it (`result.HandedOut`) before it folds anything new.
        """
        return StreamResult.deferred(self._build, done=self.done)

    @property
    def _build(self) -> dict[str, Callable[[StreamResult], Any]]:
        return {
            "runs": lambda r: [e.data for e in self._runs.values()],
            "run": lambda r: r.runs[-1] if r.runs else None,
            "messages": lambda r: [b.snapshot() for b in self._messages.values()],
            "run_steps": lambda r: [b.snapshot() for b in self._steps.values()],
            "usage": _usage,
            "text": lambda r: "\n\n".join(
                t for msg in r.messages if msg.role == "assistant" and (t := msg.text)
            ),
            "thread": lambda r: self._thread.data if self._thread is not None else None,
        }


def _usage(result: StreamResult) -> m.Usage | None:
    """The run's usage, or its steps' sum while the run has none."""
    run = result.run
    if run is not None and run.usage is not None:
        return run.usage
    counted = [s.usage for s in result.run_steps if s.usage is not None]
    if not counted:
        return None
    return m.Usage(
        sum(u.prompt_tokens for u in counted),
        sum(u.completion_tokens for u in counted),
        sum(u.total_tokens for u in counted),
    )


def _text_field(event: Event | None, key: str) -> str | None:
    payload = event.json if event is not None else None
    value = payload.get(key) if isinstance(payload, dict) else None
    return value if isinstance(value, str) else None
