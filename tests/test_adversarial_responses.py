"""Adversarial checks of Responses consumption on mangled genuine recordings."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

import assistants_events as ae

GENUINE = Path(__file__).parent / "fixtures" / "genuine" / "responses"
TEXT = (GENUINE / "no_seqnum_text_2025_03.sse").read_bytes()


class Reader(ae.EventHandler):
    """Reads every snapshot, as a UI showing the message as it grows does."""

    @ae.on("*")
    def read(self, event: ae.Event) -> None:
        _ = event.snapshot


def with_content_index(index: int) -> bytes:
    body = TEXT.replace(b'"content_index":0', b'"content_index":' + str(index).encode())
    assert body != TEXT
    return body


async def test_a_huge_content_index_costs_no_memory_for_the_parts_before_it() -> None:
    # Each event is consistent with the others (strict mode accepts the stream); the
    # snapshot once padded a list with an empty slot per index below the part's
    # (8 MB here; 10**9 from a broken server took the machine's memory).
    body = with_content_index(10**6)
    tracemalloc.start()
    try:
        result = await Reader().consume(body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.text == "Hello! How can I assist you today?"
    assert peak < 4 * 2**20


async def test_a_negative_content_index_is_no_index_error() -> None:
    result = await Reader().consume(with_content_index(-1))
    assert result.text == "Hello! How can I assist you today?"


@pytest.mark.parametrize("index", [2, 5])
async def test_a_message_snapshot_holds_its_parts_in_index_order(index: int) -> None:
    class Parts(ae.EventHandler):
        def __init__(self) -> None:
            self.texts: list[str] = []

        @ae.on("response.output_text.delta")
        def read(self, event: ae.Event) -> None:
            snapshot = event.snapshot
            assert isinstance(snapshot, ae.responses.models.OutputMessage)
            self.texts = [part.text for part in snapshot.content]  # type: ignore[union-attr]

    bot = Parts()
    await bot.consume(with_content_index(index))
    assert bot.texts == ["Hello! How can I assist you today?"]
