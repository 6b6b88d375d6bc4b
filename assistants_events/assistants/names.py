"""The names of every Assistants API stream event, as constants.

`thread.run.incomplete` is included although the API reference's list omits it:
runs do end that way.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ALL_EVENTS",
    "DELTA_EVENTS",
    "DONE",
    "ERROR",
    "MESSAGE_COMPLETED",
    "MESSAGE_CREATED",
    "MESSAGE_DELTA",
    "MESSAGE_EVENTS",
    "MESSAGE_INCOMPLETE",
    "MESSAGE_IN_PROGRESS",
    "RUN_CANCELLED",
    "RUN_CANCELLING",
    "RUN_COMPLETED",
    "RUN_CREATED",
    "RUN_EVENTS",
    "RUN_EXPIRED",
    "RUN_FAILED",
    "RUN_INCOMPLETE",
    "RUN_IN_PROGRESS",
    "RUN_QUEUED",
    "RUN_REQUIRES_ACTION",
    "STEP_CANCELLED",
    "STEP_COMPLETED",
    "STEP_CREATED",
    "STEP_DELTA",
    "STEP_EVENTS",
    "STEP_EXPIRED",
    "STEP_FAILED",
    "STEP_IN_PROGRESS",
    "THREAD_CREATED",
]

THREAD_CREATED: Final = "thread.created"

RUN_CREATED: Final = "thread.run.created"
RUN_QUEUED: Final = "thread.run.queued"
RUN_IN_PROGRESS: Final = "thread.run.in_progress"
RUN_REQUIRES_ACTION: Final = "thread.run.requires_action"
RUN_COMPLETED: Final = "thread.run.completed"
RUN_INCOMPLETE: Final = "thread.run.incomplete"
RUN_FAILED: Final = "thread.run.failed"
RUN_CANCELLING: Final = "thread.run.cancelling"
RUN_CANCELLED: Final = "thread.run.cancelled"
RUN_EXPIRED: Final = "thread.run.expired"

STEP_CREATED: Final = "thread.run.step.created"
STEP_IN_PROGRESS: Final = "thread.run.step.in_progress"
STEP_DELTA: Final = "thread.run.step.delta"
STEP_COMPLETED: Final = "thread.run.step.completed"
STEP_FAILED: Final = "thread.run.step.failed"
STEP_CANCELLED: Final = "thread.run.step.cancelled"
STEP_EXPIRED: Final = "thread.run.step.expired"

MESSAGE_CREATED: Final = "thread.message.created"
MESSAGE_IN_PROGRESS: Final = "thread.message.in_progress"
MESSAGE_DELTA: Final = "thread.message.delta"
MESSAGE_COMPLETED: Final = "thread.message.completed"
MESSAGE_INCOMPLETE: Final = "thread.message.incomplete"

ERROR: Final = "error"
DONE: Final = "done"

RUN_EVENTS: Final = (
    RUN_CREATED, RUN_QUEUED, RUN_IN_PROGRESS, RUN_REQUIRES_ACTION, RUN_COMPLETED,
    RUN_INCOMPLETE, RUN_FAILED, RUN_CANCELLING, RUN_CANCELLED, RUN_EXPIRED,
)  # fmt: skip
STEP_EVENTS: Final = (
    STEP_CREATED, STEP_IN_PROGRESS, STEP_DELTA, STEP_COMPLETED, STEP_FAILED,
    STEP_CANCELLED, STEP_EXPIRED,
)  # fmt: skip
MESSAGE_EVENTS: Final = (
    MESSAGE_CREATED, MESSAGE_IN_PROGRESS, MESSAGE_DELTA, MESSAGE_COMPLETED, MESSAGE_INCOMPLETE,
)  # fmt: skip
DELTA_EVENTS: Final = frozenset({MESSAGE_DELTA, STEP_DELTA})
ALL_EVENTS: Final = (THREAD_CREATED, *RUN_EVENTS, *STEP_EVENTS, *MESSAGE_EVENTS, ERROR, DONE)
