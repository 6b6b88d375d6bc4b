"""What a run leaves behind: a finished run's handler is freed by reference counting.

With thousands of runs alive at once, every object a run keeps (and every cycle that
waits for the garbage collector) is scanned by each full collection; these tests pin
the driver and the handler's hooks to no cycles.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

import assistants_events as ae
from tests.conftest import fixture_bytes


@pytest.fixture
def no_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Plain(ae.EventHandler):
    @ae.on("thread.message.delta")
    def delta(self, event: ae.Event) -> None:
        pass


async def test_a_handler_that_drove_a_run_on_a_new_thread_is_freed_without_the_gc(
    ae_client: ae.AssistantsClient, no_gc: None
) -> None:
    assistant = await ae_client.create_assistant("gpt-4o")
    bot = Plain()
    result = await bot.run(ae_client, assistant_id=assistant.id,
                           messages=[{"role": "user", "content": "hello"}])  # fmt: skip
    assert result.run is not None and result.run.status == "completed"
    freed = weakref.ref(bot)
    del bot, result
    assert freed() is None


async def test_a_handler_that_drove_a_run_on_a_thread_is_freed_without_the_gc(
    ae_client: ae.AssistantsClient, no_gc: None
) -> None:
    assistant = await ae_client.create_assistant("gpt-4o")
    thread = await ae_client.create_thread(messages=[{"role": "user", "content": "hello"}])
    bot = Plain()
    result = await bot.run(ae_client, thread_id=thread.id, assistant_id=assistant.id)
    assert result.run is not None and result.run.status == "completed"
    freed = weakref.ref(bot)
    del bot, result
    assert freed() is None


async def test_an_overridden_violation_hook_is_called_and_its_handler_freed_without_the_gc(
    no_gc: None,
) -> None:
    seen: list[ae.Violation] = []

    class Lenient(ae.EventHandler):
        strict = False

        def on_violation(self, violation: ae.Violation) -> None:
            seen.append(violation)

    bot = Lenient()
    await bot.consume(fixture_bytes("text_run.sse"))
    await bot.consume(fixture_bytes("text_run.sse"))  # the same run created again, and so on
    assert seen
    freed = weakref.ref(bot)
    del bot
    assert freed() is None


async def test_handlers_keeping_the_default_hooks_share_them_with_no_reference_to_either() -> None:
    first, second = Plain(), Plain()
    for bot in (first, second):
        await bot.consume(fixture_bytes("text_run.sse"))
    policies = [bot.lifecycle.policy for bot in (first, second)]
    assert policies[0].on_violation is policies[1].on_violation
    assert policies[0].on_quirk is policies[1].on_quirk
    hooks = [policies[0].on_violation, policies[0].on_quirk]
    assert not any(bot in gc.get_referents(*hooks) for bot in (first, second))
