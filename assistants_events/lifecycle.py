"""Lifecycle machinery that knows no protocol: tables as data, and what to do about findings.

A protocol declares its status tables with `transition_table` (checked once, at
import) and reports what it finds to a `Policy`:

- a *violation* is what cannot happen (a status moving backwards, a delta for an
  object never created): raised when strict, else passed to `on_violation`;
- a *quirk* is what genuine servers do although the specification says otherwise
  (a `completed` event whose data says `incomplete`, a step created twice): always
  accepted, and passed to `on_quirk` so it can be counted or logged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

import attrs

from .errors import IncompleteStream, InvalidTransition

__all__ = ["Policy", "Quirk", "Violation", "terminal_statuses", "transition_table"]


def transition_table(spec: dict[str, frozenset[str]]) -> Mapping[str, frozenset[str]]:
    """A read-only status table, checked: every target is a status of the table, and
    every status is reachable from the first one (the initial status)."""
    for source, targets in spec.items():
        unknown = targets - spec.keys()
        if unknown:
            raise AssertionError(f"{source} -> unknown statuses {sorted(unknown)}")
    seen: set[str] = set()
    todo = [next(iter(spec))]
    while todo:
        status = todo.pop()
        if status not in seen:
            seen.add(status)
            todo.extend(spec[status])
    if seen != spec.keys():
        raise AssertionError(f"unreachable statuses: {sorted(spec.keys() - seen)}")
    return MappingProxyType(spec)


def terminal_statuses(table: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """The statuses nothing follows."""
    return frozenset(status for status, following in table.items() if not following)


@attrs.frozen
class Violation:
    """One lifecycle violation, as reported to `on_violation` when not strict."""

    error: InvalidTransition | IncompleteStream


@attrs.frozen
class Quirk:
    """Genuine server behaviour that departs from the specification, accepted as is.

    `code` names the kind of quirk (stable, for counting: `"status-disagrees-with-name"`),
    `event` the event name, `object_id` what it was about, `detail` a sentence.
    """

    code: str
    event: str
    object_id: str | None
    detail: str

    def __str__(self) -> str:
        where = f" {self.object_id}" if self.object_id else ""
        return f"{self.event}{where}: {self.detail} [{self.code}]"


class Policy:
    """Where lifecycle findings go: strict raises violations; quirks are only reported."""

    __slots__ = ("on_quirk", "on_violation", "strict")

    def __init__(
        self,
        strict: bool = True,
        on_violation: Callable[[Violation], object] | None = None,
        on_quirk: Callable[[Quirk], object] | None = None,
    ) -> None:
        self.strict = strict
        self.on_violation = on_violation
        self.on_quirk = on_quirk

    def violate(self, error: InvalidTransition | IncompleteStream) -> None:
        """Raise `error` when strict, else report it to `on_violation`."""
        if self.strict:
            raise error
        if self.on_violation is not None:
            self.on_violation(Violation(error))

    def quirk(self, code: str, event: str, object_id: str | None, detail: str) -> None:
        """Report genuine server behaviour that was accepted."""
        if self.on_quirk is not None:
            self.on_quirk(Quirk(code, event, object_id, detail))
