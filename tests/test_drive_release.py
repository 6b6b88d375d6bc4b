"""A handler is released after a failed drive, even when its own reset fails."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import assistants_events as ae
from assistants_events.testing import MockAssistantsServer
from tests.conftest import client_for


class ResetFailsOnce(ae.EventHandler):
    """A handler whose `reset` override (clearing its own counters) fails the first time."""

    def __init__(self) -> None:
        super().__init__()
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1
        if self.resets == 1:
            raise RuntimeError("reset failed")
        super().reset()


@pytest.fixture
async def server() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer() as mock:
        yield mock


async def test_a_run_whose_reset_raised_releases_the_handler_for_the_next_run(
    server: MockAssistantsServer,
) -> None:
    bot = ResetFailsOnce()
    async with client_for(server.url) as client:
        assistant = await client.create_assistant("gpt-4o")
        thread = await client.create_thread(messages=[{"role": "user", "content": "hi"}])
        with pytest.raises(RuntimeError, match="reset failed"):
            await bot.run(client, thread_id=thread.id, assistant_id=assistant.id)
        # The failed run is over: the same handler may drive the next one.
        result = await bot.run(client, thread_id=thread.id, assistant_id=assistant.id)
    assert result.text == "Echo: hi"


def test_exclusive_drive_whose_reset_raised_releases_the_handler() -> None:
    from assistants_events.handler import exclusive_drive

    bot = ResetFailsOnce()
    with pytest.raises(RuntimeError, match="reset failed"), exclusive_drive(bot, "respond()"):
        pass
    with exclusive_drive(bot, "respond()"):
        pass  # not ConfigurationError: the failed drive released the handler
