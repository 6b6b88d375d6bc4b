"""The fast paths of `consume`: kept events keep their snapshots; nothing else is held."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import assistants_events as ae
from benchmarks import transcripts


def _one_event_per_chunk(body: bytes) -> list[bytes]:
    return [frame + b"\n\n" for frame in body.split(b"\n\n") if frame]


async def test_an_event_kept_by_a_handler_keeps_its_snapshot_across_chunks() -> None:
    kept: list[ae.Event] = []

    class Keeper(ae.EventHandler):
        @ae.on("thread.message.delta")
        def keep(self, event: ae.Event) -> None:
            if len(kept) < 3:
                kept.append(event)

    await Keeper().consume(_one_event_per_chunk(transcripts.text_run(10, word="ab ")))
    assert [e.snapshot.text for e in kept] == ["ab ", "ab ab ", "ab ab ab "]


async def test_an_event_kept_past_its_body_keeps_its_snapshot_in_the_next_body() -> None:
    kept: list[ae.Event] = []

    class Keeper(ae.EventHandler):
        @ae.on("thread.run.step.delta")
        def keep(self, event: ae.Event) -> None:
            kept[:] = [event]

    bot = Keeper()
    await bot.consume(transcripts.tool_call_run(['{"city":"Paris"}']))
    await bot.consume(transcripts.after_tool_outputs_run())  # completes the step
    details = kept[0].snapshot.step_details
    assert details.tool_calls[0].function.arguments == '{"city":"Paris"}'


async def test_events_nobody_keeps_are_freed_after_their_dispatch() -> None:
    refs: list[weakref.ref[ae.Event]] = []

    class Watcher(ae.EventHandler):
        @ae.on("thread.message.delta")
        def watch(self, event: ae.Event) -> None:
            refs.append(weakref.ref(event))

    await Watcher().consume(transcripts.text_run(20))
    gc.collect()
    assert len(refs) == 20
    assert [r() for r in refs] == [None] * 20


async def test_a_snapshot_read_on_a_delta_is_released_when_the_next_delta_arrives() -> None:
    # By the time the next delta is folded, nothing inside the handler holds the
    # earlier snapshot (nor the text it holds): the append can extend the text in place.
    previous: list[weakref.ref[Any]] = []
    alive_at_next_delta: list[bool] = []

    class Reader(ae.EventHandler):
        @ae.on("thread.message.delta")
        def read(self, event: ae.Event) -> None:
            if previous:
                alive_at_next_delta.append(previous[-1]() is not None)
            previous.append(weakref.ref(event.snapshot))

    await Reader().consume(transcripts.text_run(5))
    assert alive_at_next_delta == [False] * 4


async def test_dispatch_of_events_the_caller_keeps_gives_each_its_own_snapshot() -> None:
    events = [ae.Event(sse.event, sse.data) for sse in ae.SSEDecoder().feed(
        transcripts.text_run(3, word="ab "))]  # fmt: skip
    bot = ae.EventHandler()
    for event in events:
        await bot.dispatch(event)
    deltas = [e for e in events if e.name == "thread.message.delta"]
    assert [e.snapshot.text for e in deltas] == ["ab ", "ab ab ", "ab ab ab "]
