"""Adversarial checks of Assistants consumption on genuine recordings."""

from __future__ import annotations

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
