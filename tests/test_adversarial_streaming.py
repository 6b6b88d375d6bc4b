"""Adversarial checks of pull-style streaming (`EventStream`)."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

import assistants_events as ae
from assistants_events.streaming import EventStream

GENUINE = Path(__file__).parent / "fixtures" / "genuine" / "responses"
TEXT = (GENUINE / "no_seqnum_text_2025_03.sse").read_bytes()


class Exiting(ae.EventHandler):
    @ae.on("response.output_text.delta")
    def stop(self, event: ae.Event) -> None:
        raise SystemExit(3)


async def test_system_exit_in_the_driver_comes_out_of_the_iteration_untouched() -> None:
    bot = Exiting()
    with pytest.raises(SystemExit) as info:
        async with EventStream(bot, lambda: bot.consume(TEXT)) as events:
            async for _ in events:
                pass
    assert info.value.code == 3


async def test_system_exit_in_the_driver_comes_out_of_the_block_untouched() -> None:
    async def drive() -> ae.StreamResult:
        raise SystemExit(4)

    with pytest.raises(SystemExit):
        async with EventStream(ae.EventHandler(), drive):
            await anyio.wait_all_tasks_blocked()  # the driver has ended; nobody iterates


async def test_a_handler_error_in_the_driver_comes_out_of_the_iteration() -> None:
    class Failing(ae.EventHandler):
        @ae.on("response.completed")
        def fail(self, event: ae.Event) -> None:
            raise ValueError("late")

    bot = Failing()
    seen: list[str] = []
    with pytest.raises(ae.HandlerError):
        async with EventStream(bot, lambda: bot.consume(TEXT)) as events:
            async for event in events:
                seen.append(event.name)
    # Every event before the one its handler failed on reached the consumer.
    assert len(seen) == TEXT.count(b"event: ") - 1 and "response.completed" not in seen
