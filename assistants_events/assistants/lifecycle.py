"""The run / step / message lifecycles, as data, and the checker that enforces them.

Each table maps a status to the statuses that may follow it; a terminal status
maps to nothing.  Repeating the current (non-terminal) status is always allowed:
`thread.run.created` and `thread.run.queued` both carry `queued`.
`Lifecycle` tracks every object by id across streams, so the stream returned by
`submit_tool_outputs` continues the run the previous stream left waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Protocol

from ..errors import EventDecodeError, IncompleteStream, InvalidTransition
from ..lifecycle import Policy, Quirk, Violation, terminal_statuses, transition_table

__all__ = [
    "MESSAGE_TRANSITIONS",
    "RUN_TRANSITIONS",
    "STEP_TRANSITIONS",
    "TERMINAL",
    "Lifecycle",
    "Violation",
]

_F = frozenset


_RUN_ANY = _F({"cancelling", "failed", "expired"})

RUN_TRANSITIONS: Final = transition_table({
    "queued": _F({"in_progress"}) | _RUN_ANY,
    "in_progress": _F({"requires_action", "completed", "incomplete"}) | _RUN_ANY,
    "requires_action": _F({"queued", "in_progress"}) | _RUN_ANY,
    "cancelling": _F({"cancelled", "completed", "failed", "expired"}),
    "completed": _F(),
    "incomplete": _F(),
    "failed": _F(),
    "cancelled": _F(),
    "expired": _F(),
})  # fmt: skip
"""Run status -> the statuses that may follow it."""

STEP_TRANSITIONS: Final = transition_table({
    "in_progress": _F({"completed", "failed", "cancelled", "expired"}),
    "completed": _F(),
    "failed": _F(),
    "cancelled": _F(),
    "expired": _F(),
})  # fmt: skip
"""Run-step status -> the statuses that may follow it."""

MESSAGE_TRANSITIONS: Final = transition_table({
    "in_progress": _F({"completed", "incomplete"}),
    "completed": _F(),
    "incomplete": _F(),
})  # fmt: skip
"""Message status -> the statuses that may follow it."""

_TABLES: Final = {"run": RUN_TRANSITIONS, "step": STEP_TRANSITIONS, "message": MESSAGE_TRANSITIONS}
_INITIAL: Final = {"run": "queued", "step": "in_progress", "message": "in_progress"}
_KIND_OF_PREFIX: Final = (
    ("thread.run.step.", "step"),
    ("thread.message.", "message"),
    ("thread.run.", "run"),
)

TERMINAL: Final = {kind: terminal_statuses(table) for kind, table in _TABLES.items()}
"""Terminal statuses of each kind ("run", "step", "message")."""

_SPECIAL_SUFFIXES: Final = {
    "run": frozenset({"created"}),
    "step": frozenset({"created", "delta"}),
    "message": frozenset({"created", "delta"}),
}

_RUN_RESTING: Final = TERMINAL["run"] | {"requires_action"}


class _EventLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def json(self) -> Any: ...


def kind_of(name: str) -> str | None:
    """ "run", "step" or "message" for a lifecycle event name, else None."""
    for prefix, kind in _KIND_OF_PREFIX:
        if name.startswith(prefix):
            return kind
    return None


class Lifecycle:
    """Checks every status change of runs, steps and messages against the tables.

    With `strict=True` (the default) a violation raises `InvalidTransition` (or
    `IncompleteStream` from `finish`); with `strict=False` it is passed to
    `on_violation` and the new status is accepted, so one bad event does not make
    every later one look wrong too.
    """

    __slots__ = ("_status", "policy")

    _status: dict[str, dict[str, str]]

    def __init__(
        self,
        strict: bool = True,
        on_violation: Callable[[Violation], object] | None = None,
        on_quirk: Callable[[Quirk], object] | None = None,
        *,
        policy: Policy | None = None,
    ) -> None:
        self.policy = policy or Policy(strict, on_violation, on_quirk)
        self._status = {kind: {} for kind in _TABLES}

    @property
    def strict(self) -> bool:
        """Whether a violation raises (else it is reported to `on_violation`)."""
        return self.policy.strict

    def status(self, kind: str, object_id: str) -> str | None:
        """The last status seen for a run/step/message, or None if never seen."""
        return self._status[kind].get(object_id)

    @property
    def runs(self) -> dict[str, str]:
        """Every run seen, with its current status."""
        return dict(self._status["run"])

    def check_delta(self, kind: str, object_id: str, name: str) -> None:
        """The hot path of `check` for a delta: its step or message must be in progress."""
        if self._status[kind].get(object_id) != "in_progress":
            self.check(name, object_id, None)

    def observe(self, event: _EventLike) -> None:
        """Check one event (anything with `name` and `json`, such as `ae.Event`)."""
        kind = kind_of(event.name)
        if kind is None:
            return
        payload = event.json
        if not isinstance(payload, dict) or not isinstance(payload.get("id"), str):
            raise EventDecodeError(event.name, f"a {kind} event's data needs a string 'id'")
        object_id = payload["id"]
        status = payload.get("status")
        self.check(event.name, object_id, status if isinstance(status, str) else None)

    def check(self, name: str, object_id: str, status: str | None) -> None:
        """Check one lifecycle event: its name, the object's id and (unless a delta) status.

        Event names this library does not know (a newer API's) are let through.
        """
        kind = kind_of(name)
        if kind is None:
            return
        suffix = name[name.rfind(".") + 1 :]
        table = _TABLES[kind]
        if suffix not in table and suffix not in _SPECIAL_SUFFIXES[kind]:
            return
        statuses = self._status[kind]
        current = statuses.get(object_id)
        if suffix == "delta":
            if current is None:
                self._violate(kind, object_id, None, "delta", name, f"delta for an unknown {kind}")
            elif current != "in_progress":
                self._violate(
                    kind, object_id, current, "delta", name, f"delta for a {current} {kind}"
                )
            return
        if status is None:
            self._violate(kind, object_id, current, "?", name, "the data carries no status")
            return
        if status not in table:
            self._violate(kind, object_id, current, status, name, f"unknown {kind} status")
            return
        expected = suffix
        if expected == "created":
            if current is not None:
                self._violate(kind, object_id, current, status, name, f"{kind} created twice")
                return
            if status != _INITIAL[kind]:
                self._violate(
                    kind, object_id, None, status, name, f"a new {kind} starts {_INITIAL[kind]!r}"
                )
                return
        elif expected != status:
            self._violate(kind, object_id, current, status, name, f"event name says {expected!r}")
            return
        elif (current is not None and status not in table[current]
              and (status != current or status in TERMINAL[kind])):  # fmt: skip
            reason = "nothing follows a terminal status" if not table[current] else ""
            self._violate(kind, object_id, current, status, name, reason)
            return
        statuses[object_id] = status

    def finish(self, done: bool) -> None:
        """The stream ended; `done` says whether its `done` event arrived.

        A stream cut off (no `done`) while a run was still running raises
        `IncompleteStream`.
        """
        if done:
            return
        for object_id, status in self._status["run"].items():
            if status not in _RUN_RESTING:
                self.policy.violate(IncompleteStream(object_id, status))

    def _violate(
        self,
        kind: str,
        object_id: str,
        current: str | None,
        status: str,
        name: str,
        reason: str,
    ) -> None:
        error = InvalidTransition(kind, object_id, current, status, name, reason)
        if not self.strict and status in _TABLES[kind]:
            self._status[kind][object_id] = status
        self.policy.violate(error)
