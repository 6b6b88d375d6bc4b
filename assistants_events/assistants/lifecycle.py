"""The run / step / message lifecycles, as data, and the checker that enforces them.

Each table maps a status to the statuses that may follow it; a terminal status
maps to nothing.  Repeating the current (non-terminal) status is always allowed:
`thread.run.created` and `thread.run.queued` both carry `queued`.
`Lifecycle` tracks every object by id across streams, so the stream returned by
`submit_tool_outputs` continues the run the previous stream left waiting.

Strict means impossible, not unusual: what genuine servers were recorded doing
(`QUIRKS`) is accepted and reported to `Policy.on_quirk`; only what cannot happen
(a terminal status moving on, a status going backwards, a delta for an object
never created) is a violation.  The data's status is the truth, not the event name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final, Protocol

import attrs

from ..errors import EventDecodeError, IncompleteStream, InvalidTransition
from ..lifecycle import Policy, Quirk, Violation, terminal_statuses, transition_table

__all__ = [
    "MESSAGE_TRANSITIONS",
    "QUIRKS",
    "RUN_TRANSITIONS",
    "STEP_TRANSITIONS",
    "TERMINAL",
    "Lifecycle",
    "QuirkRule",
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

_ALL_KINDS: Final = frozenset(_TABLES)


@attrs.frozen
class QuirkRule:
    """One kind of genuine server behaviour the lifecycle accepts.

    `code` is stable (count it, filter on it); `kinds` are the objects it is accepted
    for ("run", "step", "message"); `summary` says what happens and `seen` where a
    recording showed it.  Outside `kinds` the same shape stays a violation.
    """

    code: str
    kinds: frozenset[str]
    summary: str
    seen: str


QUIRKS: Final[Mapping[str, QuirkRule]] = MappingProxyType({
    rule.code: rule
    for rule in (
        QuirkRule(
            "status-differs-from-name", _ALL_KINDS,
            "the data's status differs from the event name (`thread.run.completed` whose "
            "data says `incomplete`, `thread.message.completed` whose data still says "
            "`in_progress`); the data's status is taken and checked",
            "api.openai.com 2024 (max_prompt_tokens); Azure AI Foundry MCP approvals 2025",
        ),
        QuirkRule(
            "created-again", _F({"run", "step"}),
            "a `created` event for an object already seen and not finished (a step "
            "created again after its `in_progress`, a run created again after "
            "`requires_action -> queued`); its status is checked like any other",
            "Azure AI Foundry agents, MCP tool streams 2025",
        ),
        QuirkRule(
            "delta-after-completed", _F({"step"}),
            "a step delta after the step's `completed` (a tool output streamed late); "
            "the delta is still folded into the step",
            "Azure AI Foundry agents, MCP approval continuation 2025",
        ),
        QuirkRule(
            "first-seen-finished", _F({"step"}),
            "a step's first event shows it already finished: a submit stream opens with "
            "`thread.run.step.completed` for the tool-call step of the previous stream",
            "api.openai.com and Azure AI Foundry submit_tool_outputs streams 2025",
        ),
        QuirkRule(
            "unknown-status", _ALL_KINDS,
            "a status this library does not know (a newer server's); it is kept, and "
            "what follows it is not checked until a known status returns",
            "forward compatibility: no recording yet",
        ),
    )
})  # fmt: skip
"""Every accepted server quirk by code: the table the README's lifecycle section lists."""

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
    every later one look wrong too.  Quirks (`QUIRKS`) are accepted in both modes
    and reported to `on_quirk`.
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
            self._check_delta(kind, object_id, current, name)
            return
        if status is None:
            self._violate(kind, object_id, current, "?", name, "the data carries no status")
            return
        if status not in table:
            self._quirk(
                "unknown-status", kind, name, object_id, f"unknown {kind} status {status!r}"
            )
            statuses[object_id] = status
            return
        if current is not None and current not in table:
            statuses[object_id] = status  # after an unknown status nothing can be judged
            return
        if suffix == "created":
            if current is None and status != _INITIAL[kind]:
                self._violate(
                    kind, object_id, None, status, name, f"a new {kind} starts {_INITIAL[kind]!r}"
                )
                return
            if current is not None:
                if not self._may_follow(kind, current, status):
                    self._violate(kind, object_id, current, status, name, f"{kind} created again")
                    return
                if not self._quirk(
                    "created-again", kind, name, object_id, f"{kind} created again while {current}"
                ):
                    self._violate(kind, object_id, current, status, name, f"{kind} created twice")
                    return
        elif current is not None and not self._may_follow(kind, current, status):
            reason = "nothing follows a terminal status" if not table[current] else ""
            self._violate(kind, object_id, current, status, name, reason)
            return
        else:
            if suffix != status:
                self._quirk(
                    "status-differs-from-name", kind, name, object_id,
                    f"the event name says {suffix!r}, the data says {status!r}",
                )  # fmt: skip
            if current is None and status in TERMINAL[kind]:
                self._quirk(
                    "first-seen-finished", kind, name, object_id,
                    f"first seen already {status}",
                )  # fmt: skip
        statuses[object_id] = status

    def _check_delta(self, kind: str, object_id: str, current: str | None, name: str) -> None:
        if current is None:
            self._violate(kind, object_id, None, "delta", name, f"delta for an unknown {kind}")
        elif current == "in_progress" or current not in _TABLES[kind]:
            return
        elif current != "completed" or not self._quirk(
            "delta-after-completed", kind, name, object_id, f"delta for a completed {kind}"
        ):
            self._violate(kind, object_id, current, "delta", name, f"delta for a {current} {kind}")

    @staticmethod
    def _may_follow(kind: str, current: str, status: str) -> bool:
        table = _TABLES[kind]
        return status in table[current] or (status == current and bool(table[current]))

    def _quirk(self, code: str, kind: str, name: str, object_id: str, detail: str) -> bool:
        """Report `code` if it is accepted for `kind` (see `QUIRKS`); False if it is not."""
        if kind not in QUIRKS[code].kinds:
            return False
        self.policy.quirk(code, name, object_id, detail)
        return True

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
