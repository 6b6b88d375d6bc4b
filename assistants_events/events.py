"""Typed stream events: a name, the raw data, and the data decoded on first read.

An `Event` is built for every server-sent event, but its JSON is parsed only when
someone reads it (a handler, the lifecycle, the accumulator) and structured into
an attrs model only when `event.data` is read: a delta nobody looks at costs
almost nothing beyond its framing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import attrs

from . import jsonlib, names
from . import models as m
from .convert import fast_message_delta, fast_step_delta, structure
from .errors import EventDecodeError

if TYPE_CHECKING:
    from .sse import ServerSentEvent

__all__ = ["Event", "SnapshotSource", "model_for", "require_id"]

_UNSET: Any = object()

_MODELS: dict[str, type[Any]] = {names.THREAD_CREATED: m.Thread}
_MODELS.update(dict.fromkeys(names.RUN_EVENTS, m.Run))
_MODELS.update(dict.fromkeys(names.STEP_EVENTS, m.RunStep))
_MODELS.update(dict.fromkeys(names.MESSAGE_EVENTS, m.Message))
_MODELS[names.STEP_DELTA] = m.RunStepDelta
_MODELS[names.MESSAGE_DELTA] = m.MessageDelta
_MODELS[names.ERROR] = m.ErrorObject
_FAST: dict[str, Any] = {names.MESSAGE_DELTA: fast_message_delta, names.STEP_DELTA: fast_step_delta}


def model_for(name: str) -> type[Any] | None:
    """The model class an event's data is structured into (`None` for done/unknown)."""
    return _MODELS.get(name)


class SnapshotSource(Protocol):
    """Whoever can rebuild the accumulated object as it was after a given delta."""

    def snapshot_at(self, version: int) -> Any: ...


@attrs.frozen(eq=False, init=False)
class Event:
    """One Assistants stream event.

    `name` is the event name (`thread.message.delta`, `error`, `done`, or anything
    newer), `raw` the undecoded data string.  `data` is the typed model (`Run`,
    `RunStep`, `RunStepDelta`, `Message`, `MessageDelta`, `Thread`, `ErrorObject`),
    `None` for `done`, and the decoded JSON for an event name this library does
    not know.  Delta events also carry `snapshot`: the accumulated object after
    this delta.
    """

    name: str
    raw: str
    id: str | None
    """The SSE `id:` field of this event (a relay's stream entry id), if it had one."""
    # Lazy slots, left unset until first needed: an event costs two attribute writes.
    _json: Any = attrs.field(init=False, repr=False)
    _data: Any = attrs.field(init=False, repr=False)
    _source: SnapshotSource = attrs.field(init=False, repr=False)
    _version: int = attrs.field(init=False, repr=False)
    _snapshot: Any = attrs.field(init=False, repr=False)

    def __init__(self, name: str, raw: str, *, id: str | None = None, _json: Any = _UNSET) -> None:
        # Slot descriptors directly: one event is built per server-sent event.
        _set_name(self, name)
        _set_raw(self, raw)
        _set_id(self, id)
        _set_json(self, _json)
        _set_data(self, _UNSET)

    @classmethod
    def from_sse(cls, sse: ServerSentEvent) -> Event:
        """The event carried by one server-sent event."""
        return cls(sse.event, sse.data, id=sse.id)

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
            value = self._structure()
            _set_data(self, value)
        return value

    @property
    def object_id(self) -> str | None:
        """The `id` of the run, step, message or thread this event is about."""
        payload = self.json
        if isinstance(payload, dict):
            value = payload.get("id")
            return value if isinstance(value, str) else None
        return None

    @property
    def text_delta(self) -> str | None:
        """For `thread.message.delta`: the text this delta adds; otherwise `None`."""
        if self.name != names.MESSAGE_DELTA:
            return None
        try:
            parts = self.json["delta"].get("content") or ()
            texts = [p["text"].get("value") or "" for p in parts if p.get("type") == "text"]
        except (AttributeError, KeyError, TypeError) as exc:
            raise EventDecodeError(
                self.name, f"malformed delta content: {exc}", raw=self.raw
            ) from None
        return "".join(texts) if texts else None

    @property
    def snapshot(self) -> Any:
        """For delta events: the accumulated `Message` or `RunStep` after this delta."""
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

    def _structure(self) -> Any:
        payload = self.json
        fast = _FAST.get(self.name)
        if fast is not None:
            built = fast(payload)
            if built is not None:
                return built
        cls = _MODELS.get(self.name)
        if cls is None:
            return payload
        if (
            cls is m.ErrorObject
            and isinstance(payload, dict)
            and isinstance(payload.get("error"), dict)
        ):
            payload = payload["error"]
        return structure(payload, cls, event=self.name)


_set_name = Event.__dict__["name"].__set__
_set_raw = Event.__dict__["raw"].__set__
_set_id = Event.__dict__["id"].__set__
_set_json = Event.__dict__["_json"].__set__
_set_data = Event.__dict__["_data"].__set__
_set_source = Event.__dict__["_source"].__set__
_set_version = Event.__dict__["_version"].__set__
_set_snapshot = Event.__dict__["_snapshot"].__set__


def require_id(event: Event) -> str:
    """The event's object id; `EventDecodeError` when its data has no string `id`."""
    object_id = event.object_id
    if object_id is None:
        raise EventDecodeError(event.name, "the data carries no string 'id'", raw=event.raw)
    return object_id


def _decode(name: str, raw: str) -> Any:
    if name == names.DONE:
        return None
    try:
        return (jsonlib.loads_delta if name in names.DELTA_EVENTS else jsonlib.loads)(raw)
    except ValueError as exc:
        if name not in _MODELS:
            return raw  # an unknown event may carry anything: keep it as text
        raise EventDecodeError(name, f"invalid JSON: {exc}", raw=raw) from None
