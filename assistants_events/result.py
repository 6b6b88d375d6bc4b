"""`StreamResult`: what the streams a handler consumed amounted to, for either protocol."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from .assistants.models import Message, Run, RunStep, Thread, Usage
    from .responses.models import Response, ResponseUsage

__all__ = ["StreamResult"]


@attrs.frozen
class StreamResult:
    """What one or more consumed streams amounted to.

    Assistants: `run` is the last run snapshot, `runs` every run seen, `messages` the
    final snapshots of the messages in the order they were created, `run_steps`
    likewise for steps, `thread` the thread a create-thread-and-run stream made.
    Responses: `response` is the last response snapshot, `responses` every response of
    a tool loop, in order.  Both: `usage` the token usage (a run's, or its steps' sum
    while it has none; the sum of all responses), `done` whether the last stream
    reached its end (`done`, or a terminal response event), and `text` the assistant's
    text (Assistants: every assistant message, separated by a blank line; Responses:
    the output text of the last response).
    """

    run: Run | None = None
    messages: list[Message] = attrs.field(factory=list)
    run_steps: list[RunStep] = attrs.field(factory=list)
    usage: Usage | ResponseUsage | None = None
    done: bool = False
    text: str = ""
    thread: Thread | None = None
    runs: list[Run] = attrs.field(factory=list)
    response: Response | None = None
    responses: list[Response] = attrs.field(factory=list)
