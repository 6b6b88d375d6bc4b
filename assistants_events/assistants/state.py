"""`AssistantsState`: the run/step/message lifecycle and snapshots of one handler."""

from __future__ import annotations

from ..events import Event, require_id
from ..lifecycle import Policy
from ..protocol import refuse_foreign
from ..result import HandedOut, StreamResult
from . import names
from .accumulate import Accumulator
from .lifecycle import Lifecycle, kind_of

__all__ = ["AssistantsState"]

_KINDS: dict[str, str | None] = {name: kind_of(name) for name in names.ALL_EVENTS}
_DELTA_KINDS: dict[str, str] = {names.MESSAGE_DELTA: "message", names.STEP_DELTA: "step"}


class AssistantsState:
    """Checks and folds Assistants events; follows a run across its submit streams."""

    __slots__ = ("acc", "handed", "lifecycle")

    def __init__(self, policy: Policy) -> None:
        self.lifecycle = Lifecycle(policy=policy)
        self.acc = Accumulator()
        self.handed = HandedOut()

    def ingest(self, event: Event) -> None:
        """Check one event and fold it (see `StreamState.ingest`)."""
        if self.handed.last is not None:
            self.handed.settle()
        name = event.name
        kind = _DELTA_KINDS.get(name)
        if kind is not None:  # the hot path: one delta among thousands
            payload = event.json
            object_id = payload.get("id") if type(payload) is dict else None
            if type(object_id) is not str:
                object_id = require_id(event)  # raises the error naming the event
            self.lifecycle.check_delta(kind, object_id, name)
            self.acc.add_delta(kind, object_id, event, payload)
            return
        # Names newer than this library are dispatched but neither checked nor folded.
        kind = _KINDS.get(name)
        if kind is None:
            refuse_foreign("assistants", name)
            self.acc.add(event, None)
        else:
            self.lifecycle.observe(event)
            self.acc.add(event, kind)

    def begin(self) -> None:
        """A new body starts: it must end with its own `done`."""
        self.handed.settle()
        self.acc.done = False

    def end(self) -> None:
        """A body cut before `done` while a run was running is an `IncompleteStream`."""
        self.lifecycle.finish(self.acc.done)

    def result(self) -> StreamResult:
        """The typed result of everything ingested so far (built as it is read)."""
        return self.handed.hand_out(self.acc.result())

    def known_thread(self) -> str | None:
        """The id of the thread a `thread.created` event announced, if one did."""
        return self.acc.thread_id()

    def known_runs(self) -> list[tuple[str, str | None, str]]:
        """Every run seen so far as (run id, thread id, status)."""
        return [
            (run_id, self.acc.run_thread_id(run_id), status)
            for run_id, status in self.lifecycle.runs.items()
        ]
