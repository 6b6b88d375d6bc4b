"""Memory of consuming one long Responses text: a few bytes per character, not per event.

Traced with `tracemalloc` (allocation counts, no timing): the peak while a handler
consumes the stream, and what the result holds after it.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import anyio

import assistants_events as ae

from .script import Script, message_json

_DELTAS = 20_000
_WORD = "Hello, world! "  # 14 characters a delta: 280,000 in all


def _body() -> tuple[bytes, str]:
    pieces = [_WORD] * _DELTAS
    text = "".join(pieces)
    return Script().start().message("msg_1", 0, pieces).completed(
        output=[message_json("msg_1", text)]
    ).sse(), text


def _chunks(body: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def _consume(body: bytes) -> ae.StreamResult:
    return await ae.EventHandler().consume(_chunks(body))


async def _traced(body: bytes) -> tuple[ae.StreamResult, int, int]:
    """A warmed-up consume of `body`: its result, the memory held after it and the peak."""
    await _consume(Script().start().message("m", 0, ["warm"]).completed().sse())
    tracemalloc.start()
    try:
        result = await _consume(body)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, held, peak


def test_consuming_a_long_text_peaks_under_four_bytes_a_character() -> None:
    body, text = _body()
    result, _, peak = anyio.run(_traced, body)
    assert result.text == text
    # The stream's last events repeat the text whole: framing one costs two copies, and
    # the text held is the third.  Held twice (the lifecycle and the accumulator), 4.1.
    assert peak / len(text) < 3.5


def test_a_consumed_text_is_held_once_whatever_the_final_events_repeat() -> None:
    body, text = _body()
    result, held, _ = anyio.run(_traced, body)
    assert result.text == text
    assert held / len(text) < 1.5  # held by the item and the response apart, it was 2.0
