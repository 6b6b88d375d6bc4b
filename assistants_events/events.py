"""Stream events: a name, the raw data, and the data decoded on first read.

An `Event` is built for every server-sent event, but its JSON is parsed only when
someone reads it (a handler, the lifecycle, the accumulator) and structured into
a typed model only when `event.data` is read: a delta nobody looks at costs
almost nothing beyond its framing.

This module knows no protocol.  Each protocol package registers an `EventType`
per event name it knows (`register_event_types`): how to structure the data, and
where a text delta or an object id lives.  Names nobody registered are kept and
dispatched with their JSON as `data`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from . import jsonlib
from .errors import ErrorObject, EventDecodeError

if TYPE_CHECKING:
    from .assistants.models import Message, MessageDelta, Run, RunStep, RunStepDelta, Thread
    from .responses.models import OutputItem, Response
    from .sse import ServerSentEvent

__all__ = [
    "IDENTITY",
    "Event",
    "Frame",
    "EventType",
    "SnapshotSource",
    "event_type",
    "frame_events",
    "known_event_names",
    "register_event_types",
    "require_id",
    "whole_last_frame",
]

_UNSET: Any = object()


def _json_id(payload: Any) -> str | None:
    value = payload.get("id") if isinstance(payload, dict) else None
    return value if isinstance(value, str) else None


@attrs.frozen
class EventType:
    """How the core reads the events of one name.

    `decode` turns the decoded JSON into the typed model `event.data` returns (`None`:
    the JSON itself); `text_delta` finds the text a delta adds; `object_id` the id of
    what the event is about; `delta` marks the small, frequent events decoded without
    the big-integer guard (see `jsonlib`); `json` is False for data that is not JSON
    (Assistants' `done`, whose data is `[DONE]`).
    """

    decode: Callable[[Any], Any] | None = None
    text_delta: Callable[[Any], str | None] | None = None
    object_id: Callable[[Any], str | None] = _json_id
    delta: bool = False
    json: bool = True
    views: Mapping[str, Callable[[Any], Any]] = attrs.field(factory=dict)
    """The typed accessors (`event.run`, `event.response`, ...) this event answers: each
    a function of `event.data`."""


def _same(value: Any) -> Any:
    return value


_TYPES: dict[str, EventType] = {
    "error": EventType(decode=ErrorObject.from_json, views={"error": _same}),
}
_PLAIN = EventType()
IDENTITY = _same
"""The view that is `event.data` itself."""


def register_event_types(types: Mapping[str, EventType]) -> None:
    """Teach the core a protocol's event names (called once, by the protocol package)."""
    _TYPES.update(types)


def event_type(name: str) -> EventType | None:
    """The registered `EventType` of an event name, or None for a name nobody knows."""
    return _TYPES.get(name)


def known_event_names() -> frozenset[str]:
    """Every event name some protocol registered."""
    return frozenset(_TYPES)


class SnapshotSource(Protocol):
    """Whoever can rebuild the accumulated object as it was after a given delta."""

    def snapshot_at(self, version: int) -> Any: ...


@attrs.frozen(eq=False, init=False)
class Event:
    """One stream event, of either protocol.

    `name` is the event name (`thread.message.delta`, `response.output_text.delta`,
    `error`, or anything newer), `raw` the undecoded data string, `id` the SSE `id:`
    field (a relay's stream entry id) or None.  `data` is the typed model for the
    event name (see each protocol's models), `None` for Assistants' `done`, and the
    decoded JSON for an event name this library does not know.  Item- and
    object-level delta events also carry `snapshot`: the accumulated object after
    this delta.
    """

    name: str
    raw: str
    id: str | None
    # Lazy slots, left unset until first needed: an event costs a few attribute writes.
    _json: Any = attrs.field(init=False, repr=False)
    _data: Any = attrs.field(init=False, repr=False)
    _source: SnapshotSource = attrs.field(init=False, repr=False)
    _version: int = attrs.field(init=False, repr=False)
    _snapshot: Any = attrs.field(init=False, repr=False)

    def __init__(self, name: str, raw: str, id: str | None = None, *, _json: Any = _UNSET) -> None:
        # Slot descriptors directly: one event is built per server-sent event.
        _set_name(self, name)
        _set_raw(self, raw)
        _set_id(self, id)
        _set_json(self, _json)
        _set_data(self, _UNSET)

    @classmethod
    def from_sse(cls, sse: ServerSentEvent) -> Event:
        """The event carried by one server-sent event."""
        return cls(sse.event, sse.data, sse.id)

    @property
    def json(self) -> Any:
        """The data decoded from JSON (plain dicts and lists); `None` for `done`."""
        value = self._json
        if value is _UNSET:
            value = _decode(self.name, self.raw)
            _set_json(self, value)
        return value

    @property
    def data(self) -> Any:
        """The data as a typed model (see the class docstring)."""
        value = self._data
        if value is _UNSET:
            kind = _TYPES.get(self.name)
            payload = self.json
            value = payload if kind is None or kind.decode is None else kind.decode(payload)
            _set_data(self, value)
        return value

    @property
    def object_id(self) -> str | None:
        """The id of the run, step, message, response or item this event is about."""
        kind = _TYPES.get(self.name, _PLAIN)
        return kind.object_id(self.json)

    @property
    def sequence_number(self) -> int | None:
        """The event's `sequence_number` (Responses streams since mid-2025), else None."""
        payload = self.json
        value = payload.get("sequence_number") if isinstance(payload, dict) else None
        return value if type(value) is int else None

    @property
    def text_delta(self) -> str | None:
        """For a text delta event: the text it adds; otherwise `None`."""
        kind = _TYPES.get(self.name)
        if kind is None or kind.text_delta is None:
            return None
        try:
            return kind.text_delta(self.json)
        except (AttributeError, KeyError, TypeError, IndexError) as exc:
            raise EventDecodeError(
                self.name, f"malformed delta content: {exc}", raw=self.raw
            ) from None

    def _view(self, key: str) -> Any:
        kind = _TYPES.get(self.name)
        view = kind.views.get(key) if kind is not None else None
        return None if view is None else view(self.data)

    # Typed views, so an IDE completes fields: each is None for events of other kinds.

    @property
    def run(self) -> Run | None:
        """The run of a `thread.run.*` event (not steps), else None."""
        value: Run | None = self._view("run")
        return value

    @property
    def step(self) -> RunStep | None:
        """The run step of a `thread.run.step.*` status event, else None."""
        value: RunStep | None = self._view("step")
        return value

    @property
    def step_delta(self) -> RunStepDelta | None:
        """The delta of a `thread.run.step.delta` event, else None."""
        value: RunStepDelta | None = self._view("step_delta")
        return value

    @property
    def message(self) -> Message | None:
        """The message of a `thread.message.*` status event, else None."""
        value: Message | None = self._view("message")
        return value

    @property
    def message_delta(self) -> MessageDelta | None:
        """The delta of a `thread.message.delta` event, else None."""
        value: MessageDelta | None = self._view("message_delta")
        return value

    @property
    def thread(self) -> Thread | None:
        """The thread of a `thread.created` event, else None."""
        value: Thread | None = self._view("thread")
        return value

    @property
    def response(self) -> Response | None:
        """The response of a `response.created|in_progress|completed|...` event, else None."""
        value: Response | None = self._view("response")
        return value

    @property
    def item(self) -> OutputItem | None:
        """The output item of a `response.output_item.added|done` event, else None."""
        value: OutputItem | None = self._view("item")
        return value

    @property
    def error(self) -> ErrorObject | None:
        """The error of an `error` event, else None."""
        value: ErrorObject | None = self._view("error")
        return value

    @property
    def snapshot(self) -> Any:
        """For delta events: the accumulated object (message, step, item) after this delta."""
        try:
            return self._snapshot
        except AttributeError:
            pass
        try:
            source = self._source
        except AttributeError:
            return None
        return source.snapshot_at(self._version)

    def _attach(self, source: SnapshotSource, version: int) -> None:
        _set_source(self, source)
        _set_version(self, version)

    def _freeze_snapshot(self) -> None:
        # Someone kept this event past its dispatch: pin the snapshot before it moves on.
        try:
            source = self._source
        except AttributeError:
            return
        if not hasattr(self, "_snapshot"):
            _set_snapshot(self, source.snapshot_at(self._version))


_set_name = Event.__dict__["name"].__set__
_set_raw = Event.__dict__["raw"].__set__
_set_id = Event.__dict__["id"].__set__
_set_json = Event.__dict__["_json"].__set__
_set_data = Event.__dict__["_data"].__set__
_set_source = Event.__dict__["_source"].__set__
_set_version = Event.__dict__["_version"].__set__
_set_snapshot = Event.__dict__["_snapshot"].__set__


def require_id(event: Event) -> str:
    """The event's object id; `EventDecodeError` when its data has none."""
    object_id = event.object_id
    if object_id is None:
        raise EventDecodeError(event.name, "the data carries no string 'id'", raw=event.raw)
    return object_id


def _decode(name: str, raw: str) -> Any:
    kind = _TYPES.get(name)
    if kind is not None and not kind.json:
        return None
    try:
        return (jsonlib.loads_delta if kind is not None and kind.delta else jsonlib.loads)(raw)
    except RecursionError:
        raise EventDecodeError(name, "the JSON is nested too deeply", raw=raw[:200]) from None
    except ValueError as exc:
        if kind is None:
            return raw  # an unknown event may carry anything: keep it as text
        raise EventDecodeError(name, f"invalid JSON: {exc}", raw=raw) from None


Frame = tuple[str, str, str | None, int | None]
"""One SSE frame as `SSEDecoder.feed_fields` gives it: event, data, last id, retry."""


def frame_events(frames: Iterable[Frame]) -> Iterator[Event]:
    """The events of SSE frames, as `consume` reads a body.

    A frame without an `event:` line is named by its JSON `type` (genuine Responses
    streams from OpenRouter have none).  A generator, not a list: once dispatched, an
    event is referenced only by whoever kept it (the handler tells kept events by a
    weak reference).
    """
    for name, data, id_, _ in frames:
        yield Event(name, data, id_) if name != "message" else _unnamed(data, id_)


def _unnamed(data: str, id_: str | None) -> Event:
    # A frame without `event:` (OpenRouter's Responses streams): its JSON `type` names it.
    try:
        payload = jsonlib.loads(data)
    except ValueError:
        return Event("message", data, id_)  # `data: [DONE]`, or anything else
    except RecursionError:
        raise EventDecodeError("message", "the JSON is nested too deeply", raw=data[:200]) from None
    kind = payload.get("type") if isinstance(payload, dict) else None
    name = kind if isinstance(kind, str) and kind else "message"
    return Event(name, data, id_, _json=payload)


def whole_last_frame(fields: Frame | None) -> list[Frame]:
    """The frame a body ended in without its blank line, if its JSON is whole.

    Genuine recordings end so; a frame cut mid-way is dropped (the stream is then
    incomplete, which the lifecycle reports).
    """
    if fields is None:
        return []
    try:
        jsonlib.loads(fields[1])
    except ValueError:
        return []
    return [fields]
