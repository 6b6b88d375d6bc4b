"""How the core reads Assistants events: the model each name is structured into.

Every decoder walks the model's field table first (`convert.decoder`), the detailed
converter taking whatever does not fit plainly; the two commonest deltas (text and
function-call arguments pieces) are built by hand before that (`fast_deltas`).
"""

from __future__ import annotations

from typing import Any

from ..events import IDENTITY, EventType
from . import models as m
from . import names
from .convert import decoder
from .fast_deltas import message_delta_builder, step_delta_builder

__all__ = ["EVENT_TYPES", "model_for"]

_MODELS: dict[str, type[Any]] = {names.THREAD_CREATED: m.Thread}
_MODELS.update(dict.fromkeys(names.RUN_EVENTS, m.Run))
_MODELS.update(dict.fromkeys(names.STEP_EVENTS, m.RunStep))
_MODELS.update(dict.fromkeys(names.MESSAGE_EVENTS, m.Message))
_MODELS[names.STEP_DELTA] = m.RunStepDelta
_MODELS[names.MESSAGE_DELTA] = m.MessageDelta


def model_for(name: str) -> type[Any] | None:
    """The model class an Assistants event's data is structured into (`None`: done/unknown)."""
    if name == names.ERROR:
        return m.ErrorObject
    return _MODELS.get(name)


def _message_text(payload: Any) -> str | None:
    parts = payload["delta"].get("content") or ()
    texts = [p["text"].get("value") or "" for p in parts if p.get("type") == "text"]
    return "".join(texts) if texts else None


_VIEWS = {m.Thread: "thread", m.Run: "run", m.RunStep: "step", m.Message: "message"}

EVENT_TYPES: dict[str, EventType] = {
    name: EventType(decode=decoder(cls, name), views={_VIEWS[cls]: IDENTITY})
    for name, cls in _MODELS.items()
    if cls in _VIEWS
}
EVENT_TYPES[names.MESSAGE_DELTA] = EventType(
    decode=message_delta_builder(decoder(m.MessageDelta, names.MESSAGE_DELTA)),
    text_delta=_message_text,
    delta=True,
    views={"message_delta": IDENTITY},
)
EVENT_TYPES[names.STEP_DELTA] = EventType(
    decode=step_delta_builder(decoder(m.RunStepDelta, names.STEP_DELTA)),
    delta=True,
    views={"step_delta": IDENTITY},
)
EVENT_TYPES[names.DONE] = EventType(json=False)
