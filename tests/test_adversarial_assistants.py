"""Adversarial checks of Assistants consumption on genuine recordings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import assistants_events as ae

GENUINE = Path(__file__).parent / "fixtures" / "genuine" / "assistants"


class Keeper(ae.EventHandler):
    """Keeps every event (a log, a queue to a UI) and notes its snapshot when it came."""

    def __init__(self) -> None:
        self.kept: list[tuple[ae.Event, str]] = []

    @ae.on("thread.run.step.delta")
    def keep(self, event: ae.Event) -> None:
        self.kept.append((event, repr(event.snapshot)))


@pytest.mark.parametrize(
    "stem", ["azure_ai_search_url_citation", "azure_bing_grounding_url_citation"]
)
async def test_a_kept_step_snapshot_of_an_unknown_tool_type_does_not_move_on(stem: str) -> None:
    # Azure's built-in tool calls (azure_ai_search, bing_grounding) stay plain dicts in
    # the typed snapshot; later deltas must not change a snapshot already handed out.
    bot = Keeper()
    await bot.consume((GENUINE / f"{stem}.sse").read_bytes())
    assert bot.kept
    for event, then in bot.kept:
        assert repr(event.snapshot) == then


def _message_delta(message_id: str, value: str) -> bytes:
    delta = {"content": [{"index": 5, "type": "newer_part", "newer_part": {"value": value}}]}
    payload = {"id": message_id, "object": "thread.message.delta", "delta": delta}
    return b"event: thread.message.delta\ndata: " + json.dumps(payload).encode() + b"\n\n"


async def test_a_kept_message_snapshot_of_an_unknown_part_type_does_not_move_on() -> None:
    text_run = (GENUINE.parent.parent / "text_run.sse").read_bytes()
    cut = text_run.index(b"event: thread.message.delta")
    message_id = json.loads(text_run[cut:].split(b"data: ", 1)[1].split(b"\n", 1)[0])["id"]
    body = text_run[:cut] + _message_delta(message_id, "a") + _message_delta(message_id, "b")
    kept: list[tuple[object, str]] = []

    class Keep(ae.EventHandler):
        @ae.on("thread.message.delta")
        def keep(self, event: ae.Event) -> None:
            kept.append((event.snapshot, repr(event.snapshot)))  # the snapshot itself

    await Keep().consume(body + text_run[cut:])
    snapshot, then = kept[0]
    assert "'value': 'a'}" in then and repr(snapshot) == then
