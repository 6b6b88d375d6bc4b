"""Responses events folded into snapshots: the response, its output items, their text.

Items are keyed by `item_id` (never by `call_id`, which genuine servers change
between `output_item.added` and `.done`); streamed text by (item_id, content or
summary index), following `lifecycle.TEXT_STREAMS`.  Builders work on the decoded
JSON and structure a typed snapshot only when someone reads it, once per version.

Reading a delta's snapshot costs O(delta), not O(text so far): a text keeps the
pieces that arrived since it was last read and appends only those to the text
already joined (`_Text.value`).  The old text is released before the append, so
CPython extends it in place when nobody else holds it; elsewhere (or when a
handler kept the previous snapshot) the append copies, still correct.

A streamed text is held once.  The server repeats the whole of it up to four
times at the end (`output_text.done`, `content_part.done`, `output_item.done`,
`response.completed`): the first replaces the pieces, and each later copy that
is equal to the text held is swapped for the held string in what is kept
(`ItemBuilder.share`), so the repeat is freed with its event.
"""

from __future__ import annotations

from typing import Any

from ..errors import AssistantsEventsError
from ..textpieces import TextPieces
from . import models as m
from . import names as n
from .convert import structure
from .lifecycle import TERMINAL_RESPONSE_STATUSES, TEXT_BY_DELTA, TEXT_BY_DONE, TextStream

__all__ = ["Accumulator", "ItemBuilder"]

_ITEM_DONE_FIELDS = {s.done: s.field for s in TEXT_BY_DONE.values()}


class _Text:
    """One streamed text: pieces not yet read, and the text joined so far."""

    __slots__ = ("_joined", "pieces")

    copied = 0
    """Characters appended by every `value` call so far (a work counter for tests)."""

    def __init__(self, start: str = "") -> None:
        self._joined = start
        self.pieces = TextPieces()  # not a list: a piece costs ~60 bytes there

    def value(self) -> str:
        if self.pieces:
            tail = self.pieces.joined()
            self.pieces = TextPieces()
            joined = self._joined
            self._joined = ""  # drop our reference: CPython may now grow it in place
            joined += tail
            self._joined = joined
            _Text.copied += len(tail)
        return self._joined

    def replace(self, full: str) -> None:
        self._joined = full
        self.pieces = TextPieces()

    def adopt(self, full: str) -> str:
        """`full` is the whole text now: the string to keep, the one held if it is equal."""
        if self.pieces or self._joined != full:
            self.replace(full)  # pending pieces are dropped unjoined, not compared
            return full
        return self._joined

    def held(self) -> str | None:
        """The whole text, if it is held joined (None while pieces are pending)."""
        return None if self.pieces else self._joined


class ItemBuilder:
    """One output item being accumulated; builds its typed snapshot on demand.

    `version` moves on with every event folded into the item; `snapshot_at(version)`
    is the typed item (an `OutputItem`) as it was then, while it still is.
    """

    __slots__ = (
        "_cached", "_cached_version", "base", "event", "output_index", "parts",
        "response_id", "texts", "version",
    )  # fmt: skip

    def __init__(self, base: dict[str, Any], output_index: int, response_id: str | None) -> None:
        self.base = base
        self.output_index = output_index
        self.response_id = response_id
        self.parts: dict[tuple[str, int], dict[str, Any]] = {}
        # (container or "", key, index): ("content", "text", 0), ("", "arguments", -1)
        self.texts: dict[tuple[str, str, int], _Text] = {}
        self.version = 0
        self.event = n.RESPONSE_OUTPUT_ITEM_ADDED
        self._cached: Any = None
        self._cached_version = -1

    def touch(self, event: str) -> None:
        self.version += 1
        self.event = event
        self._cached = None  # let the text it holds be extended in place

    def snapshot_at(self, version: int) -> m.OutputItem:
        """The typed item as it was at `version`, which must be the current one."""
        if version != self.version:
            raise AssistantsEventsError(
                f"the snapshot of this {self.event} event moved on; read event.snapshot "
                "while the event is being handled, or keep the snapshot itself"
            )
        if self._cached_version != version:
            self._cached = structure(self.json(), m.OutputItem, event=self.event)  # type: ignore[arg-type]
            self._cached_version = version
        return self._cached  # type: ignore[no-any-return]

    def snapshot(self) -> m.OutputItem:
        """The typed item as it stands."""
        return self.snapshot_at(self.version)

    def text(self, stream: TextStream, index: int) -> _Text:
        key = (stream.container or "", stream.key, index if stream.container else -1)
        text = self.texts.get(key)
        if text is None:
            text = self.texts[key] = _Text()
        return text

    def share(self, item: dict[str, Any]) -> dict[str, Any]:
        """`item` (the server's JSON of this item) with each long text equal to one held
        here replaced by the held string, copying the containers on the way (`item`
        itself is left as it is): the server's repeat of the text is then not kept."""
        out = item
        for container, key in _TEXT_FIELDS:
            if container is None:
                held = self._shared(item.get(key), None, key, -1)
                if held is not None:
                    out = dict(item) if out is item else out
                    out[key] = held
                continue
            parts = item.get(container)
            if type(parts) is not list:
                continue
            for index, part in enumerate(parts):
                if type(part) is not dict:
                    continue
                held = self._shared(part.get(key), container, key, index)
                if held is not None:
                    out = dict(item) if out is item else out
                    if out[container] is parts:
                        out[container] = list(parts)
                    out[container][index] = {**part, key: held}
        return out

    def _shared(self, value: Any, container: str | None, key: str, index: int) -> str | None:
        """The string held for this place, if `value` is a long text equal to it."""
        if type(value) is not str or len(value) < _SHARE_FROM:
            return None
        text = self.texts.get((container or "", key, index))
        if text is not None:
            held = text.held()
        elif container is None:
            held = self.base.get(key)
        else:
            part = self.parts.get((container, index))
            if part is None:
                parts = self.base.get(container)
                part = parts[index] if type(parts) is list and index < len(parts) else None
            held = part.get(key) if type(part) is dict else None
        if type(held) is str and held is not value and held == value:
            return held
        return None

    def json(self) -> dict[str, Any]:
        """The item's JSON with every accumulated part and text in place."""
        out = dict(self.base)
        # Parts placed by their index in a mapping, never a list padded up to it: an
        # index is the server's number (10**9, or -1, would cost memory or misplace).
        containers: dict[str, dict[int, Any]] = {}

        def slots(container: str) -> dict[int, Any]:
            items = containers.get(container)
            if items is None:
                items = containers[container] = dict(enumerate(out.get(container) or ()))
            return items

        for (container, index), given in self.parts.items():
            slots(container)[index] = dict(given)
        for (container, key, index), text in self.texts.items():
            if not container:
                out[key] = text.value()
                continue
            items = slots(container)
            found = items.get(index)
            part: dict[str, Any] = (
                dict(found)
                if isinstance(found, dict)
                else dict(_DEFAULT_PART.get((out.get("type"), container), {}))
            )
            part[key] = text.value()
            items[index] = part
        for container, items in containers.items():
            out[container] = [items[i] for i in sorted(items) if items[i] is not None]
        return out


_TEXT_FIELDS = tuple(dict.fromkeys((s.container, s.key) for s in TEXT_BY_DELTA.values()))
"""Where an item holds its streamed texts: (container or None, key)."""
_SHARE_FROM = 256
"""Shorter texts are not worth comparing: their repeats cost little."""

_DEFAULT_PART: dict[tuple[Any, str], dict[str, Any]] = {
    ("message", "content"): {"type": "output_text", "annotations": []},
    ("reasoning", "content"): {"type": "reasoning_text"},
    ("reasoning", "summary"): {"type": "summary_text"},
}


class Accumulator:
    """Keeps every response and output item of the events folded into it.

    `add(name, payload)` folds one event (its decoded JSON, already checked by the
    lifecycle) and returns the `ItemBuilder` of the item it is about, if any, so the
    caller can attach the snapshot to the event.
    """

    def __init__(self) -> None:
        self._responses: dict[str, dict[str, Any]] = {}
        self._typed: dict[str, tuple[int, m.Response]] = {}
        self._versions: dict[str, int] = {}
        self._items: dict[str, ItemBuilder] = {}
        self._by_index: dict[int, str] = {}
        self._current: str | None = None
        self._stream_response: str | None = None
        self.done = False
        """Whether the last response event folded had a terminal status."""

    # ------------------------------------------------------------------ folding

    def begin(self, resumed: bool = False) -> None:
        """A new stream body starts: `done` is about it.  `resumed`: it continues the
        dropped stream of the same response."""
        self.done = False
        if not resumed:
            self._stream_response = None

    def add(self, name: str, payload: Any) -> ItemBuilder | None:
        """Fold one event; the builder of the item it concerns, or None."""
        if not isinstance(payload, dict):
            return None
        stream = TEXT_BY_DELTA.get(name)
        if stream is not None:
            item_id = payload.get("item_id")
            builder = self._items.get(item_id) if type(item_id) is str else None
            if builder is None:
                builder = self._builder(payload, name)
            index = _index_of(payload, stream)
            if stream.container == "summary":
                builder.parts.setdefault(("summary", index), {"type": "summary_text"})
            builder.text(stream, index).pieces.append(payload.get("delta") or "")
            builder.touch(name)
            return builder
        handler = _HANDLERS.get(name)
        if handler is None:
            return None
        result: ItemBuilder | None = handler(self, name, payload)
        return result

    def _response(self, name: str, payload: dict[str, Any]) -> None:
        response = payload.get("response")
        if not isinstance(response, dict) or not isinstance(response.get("id"), str):
            return
        response_id = response["id"]
        if self._stream_response is None:
            self._stream_response = response_id
        elif response_id != self._stream_response:
            # One stream, one response: the same one renamed (see the lifecycle's quirks).
            response_id = self._stream_response
            response = {**response, "id": response_id}
        if name == n.RESPONSE_CREATED and response_id not in self._responses:
            self._by_index = {}
        output = response.get("output")
        if type(output) is list and output:
            shared = [self._share_item(item) for item in output]
            if any(a is not b for a, b in zip(shared, output, strict=True)):
                response = {**response, "output": shared}
        self._responses[response_id] = response
        self._versions[response_id] = self._versions.get(response_id, 0) + 1
        self._current = response_id
        self.done = response.get("status") in TERMINAL_RESPONSE_STATUSES or (
            name in n.TERMINAL_RESPONSE_EVENTS
        )

    def _share_item(self, item: Any) -> Any:
        # A final response repeats its items whole: keep the texts their builders hold.
        item_id = item.get("id") if type(item) is dict else None
        builder = self._items.get(item_id) if type(item_id) is str else None
        return builder.share(item) if builder is not None else item

    def _payload_item(self, payload: dict[str, Any]) -> tuple[dict[str, Any], int, str] | None:
        """An item event's item, its output index and its key, if the item is an object."""
        item = payload.get("item")
        if not isinstance(item, dict):
            return None
        index = payload.get("output_index")
        index = index if isinstance(index, int) else len(self._items)
        return item, index, _item_key(item, index)

    def _item_added(self, name: str, payload: dict[str, Any]) -> ItemBuilder | None:
        found = self._payload_item(payload)
        if found is None:
            return None
        item, index, item_id = found
        builder = self._items.get(item_id)
        if builder is None:
            builder = self._items[item_id] = ItemBuilder(dict(item), index, self._current)
        self._by_index[index] = item_id
        builder.touch(name)
        return builder

    def _item_done(self, name: str, payload: dict[str, Any]) -> ItemBuilder | None:
        found = self._payload_item(payload)
        if found is None:
            return None
        item, index, item_id = found
        builder = self._items.get(item_id) or self._indexed(index)
        if builder is None:
            builder = self._items[item_id] = ItemBuilder(dict(item), index, self._current)
        # The server's finished item is the truth: it replaces what deltas built (and
        # its texts, when equal, are the ones held already).
        builder.base = dict(builder.share(item))
        builder.parts.clear()
        builder.texts.clear()
        builder.touch(name)
        return builder

    def _part(self, name: str, payload: dict[str, Any]) -> ItemBuilder | None:
        builder = self._builder(payload, name)
        part = payload.get("part")
        container = "summary" if name in n.SUMMARY_PART_EVENTS else "content"
        index = payload.get("summary_index" if container == "summary" else "content_index")
        if isinstance(part, dict) and isinstance(index, int):
            kept = builder.parts[(container, index)] = dict(part)
            if name in (n.RESPONSE_CONTENT_PART_DONE, n.RESPONSE_REASONING_SUMMARY_PART_DONE):
                key = "refusal" if part.get("type") == "refusal" else "text"
                value = part.get(key)
                text = builder.texts.get((container, key, index))
                if isinstance(value, str) and text is not None:
                    kept[key] = text.adopt(value)
        builder.touch(name)
        return builder

    def _text_done(self, name: str, payload: dict[str, Any]) -> ItemBuilder | None:
        stream = TEXT_BY_DONE[name]
        builder = self._builder(payload, name)
        full = payload.get(stream.field)
        if isinstance(full, str):
            builder.text(stream, _index_of(payload, stream)).adopt(full)
        builder.touch(name)
        return builder

    def _annotation(self, name: str, payload: dict[str, Any]) -> ItemBuilder | None:
        builder = self._builder(payload, name)
        index = payload.get("content_index")
        annotation = payload.get("annotation")
        if isinstance(index, int) and annotation is not None:
            part = builder.parts.setdefault(("content", index), {"type": "output_text"})
            part["annotations"] = [*(part.get("annotations") or ()), annotation]
        builder.touch(name)
        return builder

    def _item_event(self, name: str, payload: dict[str, Any]) -> ItemBuilder | None:
        builder = self._builder(payload, name)
        status = n.ITEM_STATUS_EVENTS.get(name)
        if status is not None:
            builder.base["status"] = status
        builder.touch(name)
        return builder

    def _builder(self, payload: dict[str, Any], name: str) -> ItemBuilder:
        item_id = payload.get("item_id")
        builder = self._items.get(item_id) if isinstance(item_id, str) else None
        if builder is None:
            builder = self._indexed(payload.get("output_index"))
        if builder is None:
            # An item added before a resume point, or one a lenient lifecycle let by.
            index = payload.get("output_index")
            key = item_id if isinstance(item_id, str) else f"#{index}"
            builder = self._items.get(key)
            if builder is None:
                base = {"type": _ITEM_TYPE_OF.get(name, "message"), "id": key}
                builder = self._items[key] = ItemBuilder(
                    base, index if isinstance(index, int) else len(self._items), self._current
                )
        return builder

    def _indexed(self, index: Any) -> ItemBuilder | None:
        # An id nobody added, at the output index of an item that was (ids rewritten).
        item_id = self._by_index.get(index) if isinstance(index, int) else None
        return self._items.get(item_id) if item_id is not None else None

    # ----------------------------------------------------------------- reading

    @property
    def responses(self) -> list[m.Response]:
        """Every response seen, in the order they were created (a tool loop's rounds)."""
        return [self._typed_response(rid) for rid in self._responses]

    @property
    def response(self) -> m.Response | None:
        """The last response's latest snapshot."""
        return self._typed_response(self._current) if self._current is not None else None

    def item(self, item_id: str) -> m.OutputItem | None:
        """The accumulated snapshot of one output item, by its `item_id`."""
        builder = self._items.get(item_id)
        return builder.snapshot() if builder is not None else None

    def items(self, response_id: str | None = None) -> list[m.OutputItem]:
        """The output items accumulated (of one response, if given), in output order."""
        chosen = [b for b in self._items.values()
                  if response_id is None or b.response_id == response_id]  # fmt: skip
        chosen.sort(key=lambda b: b.output_index) if response_id is not None else None
        return [b.snapshot() for b in chosen]

    @property
    def usage(self) -> m.ResponseUsage | None:
        """The usage of every response that reported one, summed."""
        total: m.ResponseUsage | None = None
        for response in self.responses:
            if response.usage is not None:
                total = response.usage if total is None else total + response.usage
        return total

    @property
    def text(self) -> str:
        """The output text of the last response (from its items while it has no output)."""
        response = self.response
        if response is None:
            return ""
        if response.output:
            return response.output_text
        return "".join(i.text for i in self.items(response.id) if isinstance(i, m.OutputMessage))

    def _typed_response(self, response_id: str) -> m.Response:
        version = self._versions[response_id]
        cached = self._typed.get(response_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        typed = structure(self._responses[response_id], m.Response, event="response")
        self._typed[response_id] = (version, typed)
        return typed


def _index_of(payload: dict[str, Any], stream: TextStream) -> int:
    index = payload.get(stream.index) if stream.index is not None else -1
    return index if isinstance(index, int) else 0


def _item_key(item: dict[str, Any], index: int) -> str:
    item_id = item.get("id")
    return item_id if isinstance(item_id, str) else f"#{index}"


_ITEM_TYPE_OF = {
    n.RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA: "function_call",
    n.RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE: "function_call",
    n.RESPONSE_REASONING_SUMMARY_TEXT_DELTA: "reasoning",
    n.RESPONSE_REASONING_SUMMARY_TEXT_DONE: "reasoning",
    n.RESPONSE_REASONING_TEXT_DELTA: "reasoning",
    n.RESPONSE_REASONING_TEXT_DONE: "reasoning",
    n.RESPONSE_REASONING_SUMMARY_PART_ADDED: "reasoning",
    n.RESPONSE_REASONING_SUMMARY_PART_DONE: "reasoning",
    n.RESPONSE_CODE_INTERPRETER_CALL_CODE_DELTA: "code_interpreter_call",
    n.RESPONSE_CODE_INTERPRETER_CALL_CODE_DONE: "code_interpreter_call",
    n.RESPONSE_MCP_CALL_ARGUMENTS_DELTA: "mcp_call",
    n.RESPONSE_MCP_CALL_ARGUMENTS_DONE: "mcp_call",
    n.RESPONSE_CUSTOM_TOOL_CALL_INPUT_DELTA: "custom_tool_call",
    n.RESPONSE_CUSTOM_TOOL_CALL_INPUT_DONE: "custom_tool_call",
}
"""What an item adopted from a mid-item event (a resumed stream) must be."""

_HANDLERS: dict[str, Any] = {
    **dict.fromkeys(n.RESPONSE_LIFECYCLE_EVENTS, Accumulator._response),
    n.RESPONSE_OUTPUT_ITEM_ADDED: Accumulator._item_added,
    n.RESPONSE_OUTPUT_ITEM_DONE: Accumulator._item_done,
    **dict.fromkeys(n.CONTENT_PART_EVENTS, Accumulator._part),
    **dict.fromkeys(n.SUMMARY_PART_EVENTS, Accumulator._part),
    **dict.fromkeys(TEXT_BY_DONE, Accumulator._text_done),
    n.RESPONSE_OUTPUT_TEXT_ANNOTATION_ADDED: Accumulator._annotation,
    **dict.fromkeys(n.ITEM_STATUS_EVENTS, Accumulator._item_event),
    n.RESPONSE_IMAGE_GENERATION_CALL_PARTIAL_IMAGE: Accumulator._item_event,
}
