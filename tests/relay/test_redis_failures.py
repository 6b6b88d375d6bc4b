"""Redis unreachable or restarting: typed errors, bounded retries, nothing acknowledged early."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

import assistants_events as ae
from assistants_events.relay import RedisRelay, RedisUnavailable
from assistants_events.relay.worker import Worker
from assistants_events.testing import MockAssistantsServer
from tests.conftest import fixture_bytes
from tests.relay.bots import GatedBot, WeatherBot, job_params
from tests.relay.conftest import RedisServer, free_port

SECRET = "s3cret-pa55"


def unreachable_url() -> str:
    return f"redis://app:{SECRET}@127.0.0.1:{free_port()}/0"


async def test_an_unreachable_redis_raises_redis_unavailable_naming_the_server(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = unreachable_url()
    async with RedisRelay(url, retries=2) as relay:
        with pytest.raises(RedisUnavailable) as caught, caplog.at_level(logging.DEBUG):
            await relay.enqueue(api="assistants", assistant_id="asst_1")

    port = url.rsplit(":", 1)[1].split("/")[0]
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "after 3 attempt(s)" in str(caught.value)


async def test_no_error_log_or_repr_shows_the_redis_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with RedisRelay(unreachable_url(), retries=1) as relay:
        with pytest.raises(RedisUnavailable) as caught, caplog.at_level(logging.DEBUG):
            await relay.wait("job_1", timeout=1)

    assert SECRET not in str(caught.value)
    assert SECRET not in caplog.text
    assert SECRET not in repr(relay) and "app:***@" in repr(relay)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, which it may stop and restart (with its data)."""
    server = RedisServer(data_dir=tmp_path).start()
    yield server
    server.stop()


async def test_a_publisher_whose_redis_is_gone_fails_the_stream_with_a_typed_cause(
    own_redis: RedisServer,
) -> None:
    async with RedisRelay(own_redis.url, retries=1) as relay:
        handler = ae.EventHandler()
        publisher = relay.publisher("run_1")
        handler.include_router(publisher)
        own_redis.stop()

        with pytest.raises(ae.HandlerError) as caught:
            await handler.consume(fixture_bytes("text_run.sse"))
        with pytest.raises(RedisUnavailable):
            await publisher.close(error="redis is gone")

    assert isinstance(caught.value.__cause__, RedisUnavailable)


@pytest_asyncio.fixture
async def mock() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer() as server:
        yield server


async def test_a_job_in_hand_when_redis_restarts_is_answered_once_and_acked_after(
    own_redis: RedisServer, mock: MockAssistantsServer
) -> None:
    GatedBot.entered, GatedBot.gate = asyncio.Event(), asyncio.Event()
    async with (
        ae.AssistantsClient("k", mock.url) as client,
        RedisRelay(own_redis.url, prefix="r", retries=1) as relay,
    ):
        assistant = await client.create_assistant("gpt-4o", tools=WeatherBot.tool_definitions())
        worker = Worker(relay, GatedBot, client, concurrency=2, claim_idle=1.0)
        serving = asyncio.create_task(worker.run())
        job_id = await relay.enqueue(api="assistants", **job_params(assistant.id, 7))
        await asyncio.wait_for(GatedBot.entered.wait(), 20)
        (run_id,) = mock.store.runs
        pending_before = (await relay.redis.client.xpending("r:_jobs", "workers"))["pending"]

        own_redis.stop(save=True)  # Redis goes away while the tool runs
        GatedBot.gate.set()
        await asyncio.sleep(1.5)  # the worker fails to record the call ids: nothing submitted
        submitted_during_outage = list(mock.submissions(run_id))
        own_redis.start()  # back, with its data: the job is still pending

        summary = await relay.wait(job_id, timeout=30)
        pending_after = (await relay.redis.client.xpending("r:_jobs", "workers"))["pending"]
        worker.stop()
        await asyncio.wait_for(serving, 10)

    assert pending_before == 1
    assert submitted_during_outage == []
    assert summary.status == "completed"
    assert [[o["output"] for o in batch] for batch in mock.submissions(run_id)] == [
        ["sunny in City7"]
    ]
    assert pending_after == 0
