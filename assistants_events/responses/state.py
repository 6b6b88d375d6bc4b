"""`ResponsesState`: the Responses lifecycle and snapshots of one handler."""

from __future__ import annotations

from ..events import Event
from ..lifecycle import Policy
from ..result import HandedOut, StreamResult
from .accumulate import Accumulator
from .lifecycle import ResponsesLifecycle

__all__ = ["ResponsesState"]


class ResponsesState:
    """Checks and folds Responses events; follows a tool loop's responses across streams.

    `resume_after(N)` announces that the next body is a stream resumed after
    sequence number N (`GET /responses/{id}?stream=true&starting_after=N`): it must
    continue at N + 1, and the items the dropped stream added carry on.
    """

    __slots__ = ("_resume", "acc", "handed", "lifecycle")

    def __init__(self, policy: Policy) -> None:
        self.lifecycle = ResponsesLifecycle(policy=policy)
        self.acc = Accumulator()
        self._resume: int | None = None
        self.handed = HandedOut()

    def resume_after(self, sequence_number: int) -> None:
        """The next body resumes this response's stream after `sequence_number`."""
        self._resume = sequence_number

    @property
    def last_sequence_number(self) -> int | None:
        """The last sequence number checked: where a dropped stream resumes."""
        return self.lifecycle.last_sequence_number

    def ingest(self, event: Event) -> None:
        """Check one event and fold it; item events get the item's snapshot attached."""
        if self.handed.last is not None:
            self.handed.settle()
        name = event.name
        payload = event.json
        self.lifecycle.observe(name, payload)
        builder = self.acc.add(name, payload)
        if builder is not None:
            event._attach(builder, builder.version)

    def begin(self) -> None:
        """A new body starts: the next round of a tool loop, or a resumed stream."""
        self.handed.settle()
        self.lifecycle.begin(self._resume)
        self.acc.begin(resumed=self._resume is not None)
        self._resume = None

    def end(self) -> None:
        """A body cut before its terminal response event is an `IncompleteStream`."""
        self.lifecycle.end()

    def result(self) -> StreamResult:
        """The typed result: the last response, every response, text, summed usage, done.

        Each typed field is built when first read (frozen before the state moves on).
        """
        acc = self.acc
        result = StreamResult.deferred(
            {
                "responses": lambda r: acc.responses,
                "response": lambda r: acc.response,
                "usage": lambda r: acc.usage,
                "text": lambda r: acc.text,
            },
            done=self.lifecycle.done,
        )
        return self.handed.hand_out(result)
