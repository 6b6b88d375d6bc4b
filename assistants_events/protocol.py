"""The plug-in point of a protocol: how the core finds it and what it keeps per stream.

The core (SSE, `Event`, dispatch, the handler) knows no protocol.  A protocol
package describes itself with a `Protocol` record and registers it; a handler
picks the protocol from the first event that names one (`thread.*`/`done` for
Assistants, `response.*` for Responses) and from then on hands every event to that
protocol's `StreamState`, which checks the lifecycle and folds snapshots.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol as _Interface

import attrs

from .errors import ConfigurationError
from .events import Event
from .lifecycle import Policy
from .result import StreamResult

__all__ = [
    "Protocol",
    "StreamState",
    "protocol_for",
    "protocol_named",
    "refuse_foreign",
    "register_protocol",
]


class StreamState(_Interface):
    """What a protocol keeps while one handler follows its streams."""

    def ingest(self, event: Event) -> None:
        """Check one event against the lifecycle and fold it into the snapshots.

        Raises `InvalidTransition` (when strict) or `EventDecodeError`; attaches the
        snapshot to delta events.
        """

    def begin(self) -> None:
        """A new stream body starts (a submit stream, a resumed stream, the next round)."""

    def end(self) -> None:
        """The body ended: raise (or report) `IncompleteStream` if it was cut short."""

    def result(self) -> StreamResult:
        """The typed result of everything ingested so far."""
        ...


@attrs.frozen
class Protocol:
    """One protocol as the core sees it.

    `name` ("assistants", "responses"); `prefixes` and `names`: the event names that
    identify a stream as this protocol's; `new_state(policy)` makes the per-handler
    `StreamState`.
    """

    name: str
    prefixes: tuple[str, ...]
    names: frozenset[str]
    new_state: Callable[[Policy], StreamState]

    def owns(self, event_name: str) -> bool:
        """Whether an event of this name identifies a stream as this protocol's."""
        return event_name in self.names or event_name.startswith(self.prefixes)


_REGISTRY: dict[str, Protocol] = {}


def register_protocol(protocol: Protocol) -> None:
    """Make a protocol known to every handler (called once, by the protocol package)."""
    _REGISTRY[protocol.name] = protocol


def protocol_for(event_name: str) -> Protocol | None:
    """The protocol an event name identifies, or None (`error`, `keepalive`, unknown)."""
    for protocol in _REGISTRY.values():
        if protocol.owns(event_name):
            return protocol
    return None


def protocol_named(name: str) -> Protocol:
    """The registered protocol of that name; `ValueError` naming the known ones otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"no protocol named {name!r}; known: {', '.join(sorted(_REGISTRY))}"
        ) from None


def refuse_foreign(own: str, event_name: str) -> None:
    """Raise if `event_name` belongs to a protocol other than `own`.

    A handler reused across protocols, or a stream mixing them: another protocol's
    event, neither checked nor folded, would leave the result silently wrong.
    """
    owner = protocol_for(event_name)
    if owner is not None and owner.name != own:
        raise ConfigurationError(
            f"event {event_name!r} belongs to the {owner.name} protocol, but this handler "
            f"follows a {own} stream; use one handler per stream, or call reset() before "
            "consuming another protocol's stream"
        )
