"""The Responses lifecycles, as data, and the checker that enforces them.

`RESPONSE_TRANSITIONS` and `ITEM_TRANSITIONS` map a status to the statuses that
may follow it (a terminal status maps to nothing; repeating a non-terminal status
is allowed).  `TEXT_STREAMS` says how each kind of streamed text (output text,
refusal, reasoning, function-call arguments, ...) is keyed and finished.

`ResponsesLifecycle` reads the decoded JSON of each event (never the typed models:
it runs on every delta) and finds two kinds of things:

- *violations*, what cannot happen: a delta or `.done` for an item or part never
  added or already done, a `.done` whose full text differs from the deltas (told
  from their lengths and hashes, `TextDigest`: the accumulator keeps the text), a
  `sequence_number` repeating or going backwards, a gap in them (an event was
  lost), anything after the terminal response event, a stream cut before one
  (`IncompleteStream`).  Raised when strict, else reported to `on_violation`.
- *quirks*, what genuine servers do although the specification says otherwise
  (see `QUIRKS`): always accepted, and reported to `on_quirk`.

An `error` event is recorded (`error`), not raised: the caller dispatches it and
then raises `StreamError`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import Any, Final

import attrs

from ..errors import EventDecodeError, IncompleteStream, InvalidTransition
from ..lifecycle import Policy, Quirk, Violation, terminal_statuses, transition_table
from ..protocol import refuse_foreign
from ..textpieces import TextDigest
from . import names as n

__all__ = [
    "ITEM_TRANSITIONS",
    "QUIRKS",
    "RESPONSE_TRANSITIONS",
    "TERMINAL_ITEM_STATUSES",
    "TERMINAL_RESPONSE_STATUSES",
    "TEXT_STREAMS",
    "ResponsesLifecycle",
    "TextStream",
    "TEXT_BY_DELTA",
    "TEXT_BY_DONE",
]

_F = frozenset


RESPONSE_TRANSITIONS: Final = transition_table({
    "queued": _F({"in_progress", "cancelled", "failed"}),
    "in_progress": _F({"completed", "failed", "incomplete", "cancelled"}),
    "completed": _F(),
    "failed": _F(),
    "incomplete": _F(),
    "cancelled": _F(),
})  # fmt: skip
"""Response status -> the statuses that may follow it."""

_ITEM_ENDS = _F({"completed", "incomplete", "failed"})

ITEM_TRANSITIONS: Final = transition_table({
    "in_progress": _F({"searching", "interpreting", "generating", "calling"}) | _ITEM_ENDS,
    "searching": _ITEM_ENDS,
    "interpreting": _ITEM_ENDS,
    "generating": _ITEM_ENDS,
    "calling": _ITEM_ENDS,
    "completed": _F(),
    "incomplete": _F(),
    "failed": _F(),
})  # fmt: skip
"""Output item status -> the statuses that may follow it.  The middle states are the
built-in tools' (file/web search, code interpreter, image generation, MCP calls)."""

TERMINAL_RESPONSE_STATUSES: Final = terminal_statuses(RESPONSE_TRANSITIONS)
TERMINAL_ITEM_STATUSES: Final = terminal_statuses(ITEM_TRANSITIONS)

_NAME_STATUS: Final = MappingProxyType({
    n.RESPONSE_QUEUED: "queued",
    n.RESPONSE_IN_PROGRESS: "in_progress",
    n.RESPONSE_COMPLETED: "completed",
    n.RESPONSE_FAILED: "failed",
    n.RESPONSE_INCOMPLETE: "incomplete",
})  # fmt: skip
_CREATED_STATUSES: Final = _F({"queued", "in_progress"})
# A stream whose first event is one of these started mid-way (created is the first).
_RESUME_SIGNS: Final = n.RESPONSE_EVENTS - {n.RESPONSE_CREATED, n.ERROR}


@attrs.frozen
class TextStream:
    """How one kind of streamed text is keyed, finished and placed in its item.

    `delta` and `done` are the event names; `index` the payload field numbering the
    parts of one item (None: one text per item); `part` the kind of part that must
    be added first ("content": `content_part.added`, "summary":
    `reasoning_summary_part.added`, None: the item is enough); `field` the `.done`
    payload field holding the full text; `container` the item's list the text's
    part lives in (None: the text is a field of the item itself) and `key` the
    field of that part (or item) the text fills.
    """

    delta: str
    done: str
    index: str | None
    part: str | None
    field: str
    container: str | None
    key: str


TEXT_STREAMS: Final = (
    TextStream(n.RESPONSE_OUTPUT_TEXT_DELTA, n.RESPONSE_OUTPUT_TEXT_DONE,
               "content_index", "content", "text", "content", "text"),
    TextStream(n.RESPONSE_REFUSAL_DELTA, n.RESPONSE_REFUSAL_DONE,
               "content_index", "content", "refusal", "content", "refusal"),
    TextStream(n.RESPONSE_REASONING_TEXT_DELTA, n.RESPONSE_REASONING_TEXT_DONE,
               "content_index", None, "text", "content", "text"),
    TextStream(n.RESPONSE_REASONING_SUMMARY_TEXT_DELTA, n.RESPONSE_REASONING_SUMMARY_TEXT_DONE,
               "summary_index", "summary", "text", "summary", "text"),
    TextStream(n.RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA, n.RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE,
               None, None, "arguments", None, "arguments"),
    TextStream(n.RESPONSE_MCP_CALL_ARGUMENTS_DELTA, n.RESPONSE_MCP_CALL_ARGUMENTS_DONE,
               None, None, "arguments", None, "arguments"),
    TextStream(n.RESPONSE_CUSTOM_TOOL_CALL_INPUT_DELTA, n.RESPONSE_CUSTOM_TOOL_CALL_INPUT_DONE,
               None, None, "input", None, "input"),
    TextStream(n.RESPONSE_CODE_INTERPRETER_CALL_CODE_DELTA,
               n.RESPONSE_CODE_INTERPRETER_CALL_CODE_DONE, None, None, "code", None, "code"),
)  # fmt: skip
"""Every streamed text of an item: how it is keyed and how its `.done` carries it."""

TEXT_BY_DELTA: Final = MappingProxyType({s.delta: s for s in TEXT_STREAMS})
TEXT_BY_DONE: Final = MappingProxyType({s.done: s for s in TEXT_STREAMS})
_PART_EVENTS: Final = MappingProxyType({
    n.RESPONSE_CONTENT_PART_ADDED: ("content", "content_index", False),
    n.RESPONSE_CONTENT_PART_DONE: ("content", "content_index", True),
    n.RESPONSE_REASONING_SUMMARY_PART_ADDED: ("summary", "summary_index", False),
    n.RESPONSE_REASONING_SUMMARY_PART_DONE: ("summary", "summary_index", True),
})  # fmt: skip

QUIRKS: Final = MappingProxyType({
    "no-sequence-number": "the stream carries no sequence_number (servers before mid-2025)",
    "resumed-without-created": "the stream starts mid-way, with no response.created "
    "(a resumed stream: GET /responses/{id}?stream=true&starting_after=N)",
    "added-before-resume": "an item or part this stream never added: it was added "
    "before the resume point",
    "created-already-queued": "a background response's response.created already says "
    "queued, then response.queued repeats it",
    "keepalive-sequence-number": "a keepalive event carries a sequence_number of its own",
    "items-interleaved": "an item completed while an earlier item is still open",
    "item-never-done": "an item got no output_item.done; it is only in the final response",
    "call-id-changed": "a call_id differs between output_item.added and .done",
    "item-done-unfinished": "output_item.done with status in_progress, searching, ... or none",
    "nested-error": 'the error event is nested: {"type": "error", "error": {...}}',
    "unknown-event": "an event type newer than this library (dispatched, kept, unchecked)",
    "done-sentinel": "data: [DONE] after the terminal event (OpenRouter)",
    "response-id-changed": "the response's id differs between events of one stream "
    "(a recording proxy rewrote the ids); it is the same response",
    "item-id-changed": "an event's item_id names no item, but its output_index does "
    "(a recording proxy rewrote the ids); it is that item",
    "unknown-status": "a status newer than this library's tables (accepted, unchecked)",
    "status-disagrees-with-name": "a terminal event whose response says another "
    "terminal status (the data wins)",
})  # fmt: skip
"""Genuine server behaviour accepted in strict mode: quirk code -> what it is."""


class _Item:
    __slots__ = ("call_id", "done", "status", "type")

    def __init__(self, type_: str | None, status: str | None, call_id: str | None) -> None:
        self.type = type_
        self.status = status
        self.call_id = call_id
        self.done = False


class _Part:
    __slots__ = ("done",)

    def __init__(self, done: bool = False) -> None:
        self.done = done


class _Text:
    __slots__ = ("done", "item", "part", "partial", "seen")

    def __init__(self, item: _Item, part: _Part | None, partial: bool) -> None:
        # Lengths and hashes, not the text: the accumulator keeps the one copy of it.
        self.seen = TextDigest()
        self.done = False
        self.item = item
        self.part = part
        self.partial = partial  # begun before a resume point: only its tail was seen


_Key = tuple[str, str, int]


class ResponsesLifecycle:
    """Checks a Responses stream's events against the tables and the ordering rules.

    Feed it each event with `observe(name, payload)` (payload: the decoded JSON).
    Call `begin()` before each stream body (`begin(starting_after=N)` for a stream
    resumed after sequence number N) and `end()` after it.  State about responses
    and items persists across streams, so a resumed stream continues the items the
    dropped one added.  With `strict=True` a violation raises `InvalidTransition`
    (or `IncompleteStream` from `end`); otherwise it goes to `on_violation` and the
    event is accepted.  Quirks always go to `on_quirk`.  (Or pass the core's
    `policy`, which holds the three.)
    """

    fast_path = True
    """Take the shortcut for in-order deltas of open texts (False: check every step;
    the two are kept equal by a property test)."""

    def __init__(
        self,
        strict: bool = True,
        on_violation: Callable[[Violation], object] | None = None,
        on_quirk: Callable[[Quirk], object] | None = None,
        *,
        policy: Policy | None = None,
    ) -> None:
        self.policy = policy if policy is not None else Policy(strict, on_violation, on_quirk)
        self._responses: dict[str, str | None] = {}
        self._items: dict[str, _Item] = {}
        self._by_index: dict[int, str] = {}
        self._open: dict[str, None] = {}  # items not done yet, in the order they were added
        self._response_id: str | None = None
        self._parts: dict[_Key, _Part] = {}
        self._texts: dict[_Key, _Text] = {}
        self._handlers: dict[str, Callable[[str, dict[str, Any]], None]] = {
            **dict.fromkeys(n.RESPONSE_LIFECYCLE_EVENTS, self._response_event),
            n.RESPONSE_OUTPUT_ITEM_ADDED: self._item_added,
            n.RESPONSE_OUTPUT_ITEM_DONE: self._item_done,
            **dict.fromkeys(_PART_EVENTS, self._part_event),
            **dict.fromkeys(TEXT_BY_DELTA, self._text_delta),
            **dict.fromkeys(TEXT_BY_DONE, self._text_done),
            **dict.fromkeys(n.ITEM_STATUS_EVENTS, self._item_progress),
            n.RESPONSE_OUTPUT_TEXT_ANNOTATION_ADDED: self._part_content,
            n.RESPONSE_IMAGE_GENERATION_CALL_PARTIAL_IMAGE: self._item_content,
            n.RESPONSE_COMPACTION_COMPACTING: self._item_content,
            n.ERROR: self._error,
        }
        self.begin()

    # ------------------------------------------------------------ per stream

    def begin(self, starting_after: int | None = None) -> None:
        """A new stream body starts; `starting_after`: it resumes after that number
        (the same response's stream, so the response it was about carries on)."""
        resumed = starting_after is not None
        self._last_seq: int | None = starting_after
        self._numbered = resumed
        self._unnumbered_reported = False
        self._started = False
        self._resumed = resumed
        self._terminal: str | None = None
        if not resumed:
            self._response_id = None
        self._reported: set[str] = set()
        self.error: dict[str, Any] | None = None
        """The payload of the `error` event of this stream, if one came (flattened)."""

    @property
    def done(self) -> bool:
        """Whether this stream's terminal response event arrived."""
        return self._terminal is not None

    @property
    def response_id(self) -> str | None:
        """The id of the response this stream is about, once an event named it."""
        return self._response_id

    @property
    def last_sequence_number(self) -> int | None:
        """The last sequence number seen (or given to `begin`): resume after it."""
        return self._last_seq

    def status(self, response_id: str) -> str | None:
        """The last status seen for a response, or None."""
        return self._responses.get(response_id)

    def item_status(self, item_id: str) -> str | None:
        """The last status seen for an output item, or None."""
        item = self._items.get(item_id)
        return item.status if item is not None else None

    def end(self) -> None:
        """The stream body ended: a stream cut before its terminal event is incomplete.

        An empty body, or one that carried an `error` event, is not: the error
        explains it (the caller raises `StreamError`).
        """
        if self._terminal is not None or self.error is not None or not self._started:
            return
        response_id = self._response_id or "(unknown response)"
        status = self._responses.get(response_id) or "unknown"
        self._report_violation(
            IncompleteStream(
                response_id, status, kind="response", expected="a terminal response event"
            )
        )

    # ------------------------------------------------------------ every event

    def observe(self, name: str, payload: Any) -> None:
        """Check one event: its name and its decoded JSON data."""
        stream = TEXT_BY_DELTA.get(name) if self.fast_path else None
        if stream is not None and type(payload) is dict and self._terminal is None:
            # The hot path, a delta for an open text, next in sequence; anything else
            # (including every error) takes the checked path below.
            item_id = payload.get("item_id")
            index = payload.get(stream.index) if stream.index is not None else 0
            if type(item_id) is str and type(index) is int:
                text = self._texts.get((item_id, name, index))
                delta = payload.get("delta")
                seq = payload.get("sequence_number")
                last = self._last_seq
                in_order = (type(seq) is int and last is not None and seq == last + 1) or (
                    seq is None and not self._numbered and self._started
                )
                if (in_order and text is not None and type(delta) is str and not text.done
                        and not text.item.done
                        and (text.part is None or not text.part.done)):  # fmt: skip
                    self._last_seq = seq if seq is not None else last
                    text.seen.append(delta)
                    return
        if name == n.KEEPALIVE:
            self._keepalive(payload)
            return
        if not isinstance(payload, dict):
            if name in n.RESPONSE_EVENTS:
                raise EventDecodeError(name, "the data is not a JSON object")
            # Not JSON, or not an object: `data: [DONE]` after the terminal event (as
            # OpenRouter ends its streams), or an unknown event's own business.
            code = "done-sentinel" if payload == "[DONE]" else "unknown-event"
            self._quirk_once(code, name, self._response_id, name)
            return
        self._sequence(name, payload)
        if self._terminal is not None:
            self._violate("response", self._response_id or "", self._terminal, name, name,
                          f"an event after {self._terminal}")  # fmt: skip
        if not self._started:
            self._started = True
            if name in _RESUME_SIGNS and not self._resumed:
                self._resumed = True
                self._quirk("resumed-without-created", name, self._response_id)
        handler = self._handlers.get(name)
        if handler is not None:
            handler(name, payload)
        elif name not in n.RESPONSE_EVENTS:
            refuse_foreign("responses", name)
            self._quirk_once("unknown-event", name, None, name)

    def _sequence(self, name: str, payload: dict[str, Any]) -> None:
        seq = payload.get("sequence_number")
        if type(seq) is not int:
            if seq is not None:
                raise EventDecodeError(name, f"sequence_number is not an integer: {seq!r}")
            if self._numbered and name in n.RESPONSE_EVENTS:
                reason = "an event without sequence_number in a numbered stream"
                self._violate("sequence", self._response_id or "", str(self._last_seq), "none",
                              name, reason)  # fmt: skip
            elif not self._numbered and not self._unnumbered_reported:
                self._unnumbered_reported = True
                self._quirk("no-sequence-number", name, self._response_id)
            return
        self._numbered = True
        last = self._last_seq
        self._last_seq = seq
        if last is None or seq == last + 1:
            return
        if seq <= last:
            reason = "sequence_number repeats" if seq == last else "sequence_number goes backwards"
        else:
            reason = f"{seq - last - 1} event(s) lost before this one"
        self._violate("sequence", self._response_id or "", str(last), str(seq), name, reason)

    def _keepalive(self, payload: Any) -> None:
        # Never checked; a keepalive's number, when it is the next one, takes its place
        # in the sequence (genuine streams number keepalives among the other events).
        seq = payload.get("sequence_number") if isinstance(payload, dict) else None
        if type(seq) is int:
            self._quirk_once("keepalive-sequence-number", n.KEEPALIVE, self._response_id)
            if self._last_seq is not None and seq == self._last_seq + 1:
                self._last_seq = seq

    # --------------------------------------------------------------- response

    def _response_event(self, name: str, payload: dict[str, Any]) -> None:
        response = payload.get("response")
        if not isinstance(response, dict) or not isinstance(response.get("id"), str):
            raise EventDecodeError(name, "the data needs a 'response' object with a string 'id'")
        response_id: str = response["id"]
        status = response.get("status")
        if status is not None and not isinstance(status, str):
            raise EventDecodeError(name, f"response.status is not a string: {status!r}")
        if self._response_id is None:
            self._response_id = response_id
        elif response_id != self._response_id:
            # One stream carries one response: another id can only be the same response
            # renamed (recording proxies rewrite every id they see).
            self._quirk_once("response-id-changed", name, self._response_id)
            response_id = self._response_id
        current = self._responses.get(response_id)
        if name == n.RESPONSE_CREATED:
            if response_id in self._responses:
                self._violate("response", response_id, current, status or "?", name,
                              "response created twice")  # fmt: skip
                return
            if status is not None and status not in _CREATED_STATUSES:
                if status in RESPONSE_TRANSITIONS:
                    self._violate("response", response_id, None, status, name,
                                  "a new response starts queued or in_progress")  # fmt: skip
                    return
                self._quirk("unknown-status", name, response_id, f"status {status!r}")
            self._responses[response_id] = status or "in_progress"
            self._by_index = {}  # output indexes count from 0 again
            return
        expected = _NAME_STATUS[name]
        if status is None:
            status = expected
        elif status != expected:
            if status in TERMINAL_RESPONSE_STATUSES and expected in TERMINAL_RESPONSE_STATUSES:
                self._quirk("status-disagrees-with-name", name, response_id,
                            f"{name} says {status!r}")  # fmt: skip
            elif status in RESPONSE_TRANSITIONS:
                self._violate("response", response_id, current, status, name,
                              f"the event name says {expected!r}")  # fmt: skip
                return
            else:
                self._quirk("unknown-status", name, response_id, f"status {status!r}")
        if status in TERMINAL_RESPONSE_STATUSES:
            self._terminal = name
            self._close_items(name)
        if current is None or current not in RESPONSE_TRANSITIONS:
            self._responses[response_id] = status
            return
        if status == current and status not in TERMINAL_RESPONSE_STATUSES:
            if name == n.RESPONSE_QUEUED:
                self._quirk("created-already-queued", name, response_id)
            return
        if status in RESPONSE_TRANSITIONS and status not in RESPONSE_TRANSITIONS[current]:
            terminal = not RESPONSE_TRANSITIONS[current]
            reason = "nothing follows a terminal status" if terminal else ""
            self._violate("response", response_id, current, status, name, reason)
        self._responses[response_id] = status

    def _close_items(self, name: str) -> None:
        for item_id in self._open:
            self._items[item_id].done = True
            self._quirk("item-never-done", name, item_id)
        self._open.clear()

    def _error(self, name: str, payload: dict[str, Any]) -> None:
        inner = payload.get("error")
        if isinstance(inner, dict):
            self._quirk("nested-error", name, self._response_id)
            self.error = inner
        else:
            self.error = payload

    # ------------------------------------------------------------------ items

    def _item_added(self, name: str, payload: dict[str, Any]) -> None:
        item = payload.get("item")
        index = payload.get("output_index")
        if not isinstance(item, dict):
            raise EventDecodeError(name, "the data needs an 'item' object")
        item_id = _item_key(item, index, name)
        if item_id in self._items:
            self._violate("item", item_id, self._items[item_id].status, "added", name,
                          "item added twice")  # fmt: skip
            return
        status = _str_field(item, "status", name)
        if status is not None and status not in ITEM_TRANSITIONS:
            self._quirk("unknown-status", name, item_id, f"item status {status!r}")
        self._items[item_id] = _Item(item.get("type"), status, _str_field(item, "call_id", name))
        self._open[item_id] = None
        if isinstance(index, int):
            self._by_index[index] = item_id

    def _item_done(self, name: str, payload: dict[str, Any]) -> None:
        item = payload.get("item")
        if not isinstance(item, dict):
            raise EventDecodeError(name, "the data needs an 'item' object")
        item_id = self._alias(_item_key(item, payload.get("output_index"), name), payload, name)
        state = self._open_item(item_id, name, "done")
        if state is None:
            return
        status = _str_field(item, "status", name)
        call_id = _str_field(item, "call_id", name)
        if state.call_id is not None and call_id is not None and call_id != state.call_id:
            self._quirk("call-id-changed", name, item_id, f"{state.call_id!r} -> {call_id!r}")
        if status is None or status not in TERMINAL_ITEM_STATUSES:
            if status is not None and status not in ITEM_TRANSITIONS:
                self._quirk("unknown-status", name, item_id, f"item status {status!r}")
            else:
                self._quirk("item-done-unfinished", name, item_id, f"status {status!r}")
        else:
            if not _may_follow(state.status, status):
                # Not strict: reported, then accepted, so later events are checked
                # against what the server says now.
                self._violate("item", item_id, state.status, status, name, "")
            state.status = status
        state.done = True
        if next(iter(self._open), item_id) != item_id:
            self._quirk("items-interleaved", name, item_id)
        self._open.pop(item_id, None)

    def _item_progress(self, name: str, payload: dict[str, Any]) -> None:
        item_id = self._item_id(name, payload)
        state = self._open_item(item_id, name, n.ITEM_STATUS_EVENTS[name])
        if state is None:
            return
        status = n.ITEM_STATUS_EVENTS[name]
        if not _may_follow(state.status, status):
            self._violate("item", item_id, state.status, status, name, "")
        state.status = status

    def _item_content(self, name: str, payload: dict[str, Any]) -> None:
        self._open_item(self._item_id(name, payload), name, "content")

    def _open_item(self, item_id: str, name: str, what: str) -> _Item | None:
        """The item an event is about, if it is open; a violation (or adoption) if not."""
        state = self._items.get(item_id)
        if state is None:
            if self._resumed:
                self._quirk("added-before-resume", name, item_id)
                state = self._items[item_id] = _Item(None, None, None)
                self._open[item_id] = None
                return state
            self._violate("item", item_id, None, what, name, "an item never added")
            return None
        if state.done:
            self._violate("item", item_id, state.status, what, name, "the item is already done")
            return None
        return state

    def _item_id(self, name: str, payload: dict[str, Any]) -> str:
        item_id = payload.get("item_id")
        if not isinstance(item_id, str):
            raise EventDecodeError(name, "the data needs a string 'item_id'")
        return self._alias(item_id, payload, name)

    def _alias(self, item_id: str, payload: dict[str, Any], name: str) -> str:
        """The item an event means: by its id, else by its output index."""
        if item_id in self._items:
            return item_id
        alias = self._by_index.get(payload.get("output_index", -1))
        if alias is None:
            return item_id
        if not alias.startswith("#"):  # "#3": an item added without an id
            self._quirk_once("item-id-changed", name, alias, alias)
        return alias

    # ------------------------------------------------------------------ parts

    def _part_event(self, name: str, payload: dict[str, Any]) -> None:
        kind, field, is_done = _PART_EVENTS[name]
        item_id = self._item_id(name, payload)
        index = _index(payload, field, name)
        if self._open_item(item_id, name, f"{kind} part") is None:
            return
        key = (item_id, kind, index)
        part = self._parts.get(key)
        where = f"{item_id}[{kind} {index}]"
        if not is_done:
            if part is not None:
                self._violate("part", where, "added", "added", name, "part added twice")
                return
            self._parts[key] = _Part()
        elif part is None:
            if self._resumed:
                self._quirk("added-before-resume", name, where)
                self._parts[key] = _Part(done=True)
                return
            self._violate("part", where, None, "done", name, "a part never added")
        elif part.done:
            self._violate("part", where, "done", "done", name, "part done twice")
        else:
            part.done = True

    def _part_content(self, name: str, payload: dict[str, Any]) -> None:
        item_id = self._item_id(name, payload)
        if self._open_item(item_id, name, "annotation") is None:
            return
        self._open_part(item_id, "content", _index(payload, "content_index", name), name)

    def _open_part(self, item_id: str, kind: str, index: int, name: str) -> _Part | None:
        key = (item_id, kind, index)
        part = self._parts.get(key)
        where = f"{item_id}[{kind} {index}]"
        if part is None:
            if self._resumed:
                self._quirk("added-before-resume", name, where)
                part = self._parts[key] = _Part()
                return part
            self._violate("part", where, None, "delta", name, f"a {kind} part never added")
            return None
        if part.done:
            self._violate("part", where, "done", "delta", name, f"the {kind} part is done")
            return None
        return part

    # ------------------------------------------------------------------- text

    def _text_delta(self, name: str, payload: dict[str, Any]) -> None:
        stream = TEXT_BY_DELTA[name]
        item_id = self._item_id(name, payload)
        delta = payload.get("delta")
        if not isinstance(delta, str):
            raise EventDecodeError(name, "the data needs a string 'delta'")
        text = self._open_text(stream, item_id, payload, name)
        if text is not None:
            text.seen.append(delta)

    def _text_done(self, name: str, payload: dict[str, Any]) -> None:
        stream = TEXT_BY_DONE[name]
        item_id = self._item_id(name, payload)
        full = payload.get(stream.field)
        if not isinstance(full, str):
            raise EventDecodeError(name, f"the data needs a string {stream.field!r}")
        text = self._open_text(stream, item_id, payload, name)
        if text is None:
            return
        text.done = True
        seen, text.seen = text.seen, TextDigest()
        if not seen.spells(full, tail=text.partial):
            self._violate("text", item_id, "delta", "done", name,
                          f"the full {stream.field} ({len(full)} chars) differs from the "
                          f"deltas ({len(seen)} chars)")  # fmt: skip

    def _open_text(
        self, stream: TextStream, item_id: str, payload: dict[str, Any], name: str
    ) -> _Text | None:
        index = _index(payload, stream.index, name) if stream.index is not None else 0
        key = (item_id, stream.delta, index)
        text = self._texts.get(key)
        if (text is not None and not text.done and not text.item.done
                and (text.part is None or not text.part.done)):  # fmt: skip
            return text  # the hot path: everything open, as at the first delta
        item = self._open_item(item_id, name, "delta")
        if item is None:
            return None
        part = None
        if stream.part is not None:
            part = self._open_part(item_id, stream.part, index, name)
            if part is None:
                return None
        if text is not None:
            self._violate("text", item_id, "done", "delta", name, f"its {stream.field} is done")
            return None
        text = self._texts[key] = _Text(item, part, partial=self._resumed)
        return text

    # --------------------------------------------------------------- findings

    def _violate(
        self, kind: str, object_id: str, current: str | None, status: str, name: str, reason: str
    ) -> None:
        self._report_violation(InvalidTransition(kind, object_id, current, status, name, reason))

    def _report_violation(self, error: InvalidTransition | IncompleteStream) -> None:
        self.policy.violate(error)

    def _quirk(self, code: str, name: str, object_id: str | None, detail: str = "") -> None:
        self.policy.quirk(code, name, object_id, detail or QUIRKS[code])

    def _quirk_once(self, code: str, name: str, object_id: str | None, key: str = "") -> None:
        if code + key not in self._reported:
            self._reported.add(code + key)
            self._quirk(code, name, object_id)


def _may_follow(current: str | None, status: str) -> bool:
    # Repeating a status is no change (`web_search_call.completed`, then the item's
    # `output_item.done` saying `completed` again); an unknown status is unchecked.
    if current is None or current not in ITEM_TRANSITIONS:
        return True
    return status == current or status in ITEM_TRANSITIONS[current]


def _item_key(item: dict[str, Any], index: Any, name: str) -> str:
    item_id = item.get("id")
    if isinstance(item_id, str):
        return item_id
    if item_id is None and isinstance(index, int):
        return f"#{index}"
    raise EventDecodeError(name, "the item needs a string 'id' (or an output_index)")


def _str_field(obj: dict[str, Any], key: str, name: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise EventDecodeError(name, f"{key!r} is not a string: {value!r}")


def _index(payload: dict[str, Any], field: str, name: str) -> int:
    value = payload.get(field)
    if type(value) is not int:
        raise EventDecodeError(name, f"the data needs an integer {field!r}")
    return value
