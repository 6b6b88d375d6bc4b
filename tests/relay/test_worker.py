"""The worker pool in one process: jobs driven, summarised, relayed, acknowledged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

import assistants_events as ae
from assistants_events.relay import JobTimeout, RedisRelay, UnknownJob
from assistants_events.relay.worker import Worker, load_handler
from assistants_events.relay.worker import main as worker_main
from assistants_events.testing import MockAssistantsServer
from tests.relay.bots import WeatherBot, job_params


@pytest_asyncio.fixture
async def server() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer() as server:
        yield server


@pytest_asyncio.fixture
async def client(server: MockAssistantsServer) -> AsyncIterator[ae.AssistantsClient]:
    async with ae.AssistantsClient("test-key", server.url, backoff_base=0.01) as client:
        yield client


@pytest_asyncio.fixture
async def assistant_id(client: ae.AssistantsClient) -> str:
    assistant = await client.create_assistant("gpt-4o", tools=WeatherBot.tool_definitions())
    return assistant.id


@pytest_asyncio.fixture
async def worker(relay: RedisRelay, client: ae.AssistantsClient) -> AsyncIterator[Worker]:
    worker = Worker(relay, WeatherBot, client, concurrency=4, claim_idle=5.0)
    task = asyncio.create_task(worker.run())
    yield worker
    worker.stop()
    await asyncio.wait_for(task, 10)


async def test_an_enqueued_job_completes_with_its_summary(
    relay: RedisRelay, worker: Worker, assistant_id: str
) -> None:
    job_id = await relay.enqueue(api="assistants", **job_params(assistant_id, 1))

    summary = await relay.wait(job_id, timeout=20)

    assert summary.status == "completed"
    assert summary.text == "Tool results: get_weather said sunny in City1"
    assert summary.usage is not None and summary.usage["total_tokens"] > 0
    assert summary.error is None


async def test_a_jobs_events_are_followed_at_its_id_and_rebuild_its_result(
    relay: RedisRelay, worker: Worker, assistant_id: str
) -> None:
    job_id = await relay.enqueue(api="assistants", **job_params(assistant_id, 2))
    summary = await relay.wait(job_id, timeout=20)

    result = await ae.EventHandler().consume(relay.sse(job_id, idle_timeout=10))

    assert result.done and result.run is not None
    assert result.run.status == "completed"
    assert result.text == summary.text


async def test_each_tool_call_is_submitted_once(
    relay: RedisRelay, worker: Worker, assistant_id: str, server: MockAssistantsServer
) -> None:
    job_id = await relay.enqueue(api="assistants", **job_params(assistant_id, 3))
    summary = await relay.wait(job_id, timeout=20)

    assert summary.object_id is not None
    submissions = server.submissions(summary.object_id)
    assert [[o["output"] for o in batch] for batch in submissions] == [["sunny in City3"]]


async def test_a_finished_job_is_acknowledged_and_leaves_the_queue(
    relay: RedisRelay, worker: Worker, assistant_id: str
) -> None:
    job_id = await relay.enqueue(api="assistants", **job_params(assistant_id, 4))
    await relay.wait(job_id, timeout=20)

    pending = await relay.redis.client.xpending(relay.keys.queue, relay.keys.group)
    queued = await relay.redis.client.xlen(relay.keys.queue)

    assert (pending["pending"], queued) == (0, 0)


async def test_a_job_without_assistant_id_ends_in_error(relay: RedisRelay, worker: Worker) -> None:
    job_id = await relay.enqueue(api="assistants", messages=[])

    summary = await relay.wait(job_id, timeout=20)

    assert summary.status == "error"
    assert summary.error is not None and "assistant_id" in summary.error


async def test_wait_for_an_unknown_job_raises_unknown_job(relay: RedisRelay) -> None:
    with pytest.raises(UnknownJob, match="job_nope"):
        await relay.wait("job_nope", timeout=1)


async def test_wait_gives_up_with_job_timeout(relay: RedisRelay) -> None:
    job_id = await relay.enqueue(api="assistants", assistant_id="asst_x", messages=[])

    with pytest.raises(JobTimeout, match=r"no summary after 0\.2s"):
        await relay.wait(job_id, timeout=0.2)


async def test_enqueue_refuses_an_unknown_api(relay: RedisRelay) -> None:
    with pytest.raises(ValueError, match="api must be one of"):
        await relay.enqueue(api="completions", model="x")


def test_worker_main_refuses_a_class_that_is_not_an_event_handler(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = worker_main(["--redis", "redis://127.0.0.1:1/0", "--handler", "json:JSONDecoder"])

    assert code == 2
    assert "'json:JSONDecoder' is not an EventHandler subclass" in capsys.readouterr().err


def test_worker_main_refuses_a_handler_it_cannot_import(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = worker_main(["--redis", "redis://127.0.0.1:1/0", "--handler", "no_such_mod:Bot"])

    assert code == 2
    assert "cannot import 'no_such_mod'" in capsys.readouterr().err


def test_load_handler_takes_a_file_path(tmp_path: Path) -> None:
    (tmp_path / "mybot.py").write_text(
        "import assistants_events as ae\nclass Bot(ae.EventHandler):\n    pass\n"
    )

    handler = load_handler(f"{tmp_path / 'mybot.py'}:Bot")

    assert handler.__name__ == "Bot" and issubclass(handler, ae.EventHandler)


async def test_a_responses_job_answers_its_tool_call_and_completes(
    relay: RedisRelay, worker: Worker, server: MockAssistantsServer
) -> None:
    job_id = await relay.enqueue(
        api="responses", model="gpt-4o", input='get_weather {"city": "City8"}'
    )

    summary = await relay.wait(job_id, timeout=20)

    assert (summary.status, summary.text) == (
        "completed",
        "Tool results: get_weather said sunny in City8",
    )
    assert summary.object_id in server.responses
    assert server.unfinished_responses() == []


async def test_a_responses_jobs_stream_is_reconsumed_body_by_body(
    relay: RedisRelay, worker: Worker
) -> None:
    job_id = await relay.enqueue(
        api="responses", model="gpt-4o", input='get_weather {"city": "City9"}'
    )
    summary = await relay.wait(job_id, timeout=20)

    result = await relay.consume(job_id, ae.EventHandler(), idle_timeout=10)

    assert result.text == summary.text
    assert [r.id for r in result.responses][-1] == summary.object_id
    assert len(result.responses) == 2  # the call, then the answer
