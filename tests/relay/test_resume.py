"""A job whose worker vanished is taken over and resumed from the server's state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import attrs
import pytest
import pytest_asyncio

import assistants_events as ae
from assistants_events.relay import JobSummary, RedisRelay, StreamAborted
from assistants_events.relay.worker import Worker
from assistants_events.testing import MockAssistantsServer
from tests.relay.bots import GatedBot, WeatherBot, job_params

CLAIM_IDLE = 0.5


@attrs.define
class Setup:
    relay: RedisRelay
    client: ae.AssistantsClient
    server: MockAssistantsServer
    assistant_id: str


@pytest_asyncio.fixture(name="s")
async def setup(relay: RedisRelay) -> AsyncIterator[Setup]:
    async with MockAssistantsServer() as server, ae.AssistantsClient("k", server.url) as client:
        assistant = await client.create_assistant("gpt-4o", tools=WeatherBot.tool_definitions())
        yield Setup(relay, client, server, assistant.id)


async def die_in_the_tool(s: Setup) -> tuple[str, str]:
    """A worker takes a job and vanishes while its tool runs; returns (job id, run id)."""
    GatedBot.entered, GatedBot.gate = asyncio.Event(), asyncio.Event()
    worker = Worker(s.relay, GatedBot, s.client, claim_idle=CLAIM_IDLE, name="doomed")
    serving = asyncio.create_task(worker.run())
    job_id = await s.relay.enqueue(api="assistants", **job_params(s.assistant_id, 5))
    await asyncio.wait_for(GatedBot.entered.wait(), 20)
    serving.cancel()  # like a dead process: no ack, no cancel, the lease left to expire
    await asyncio.gather(serving, return_exceptions=True)
    (run_id,) = s.server.store.runs
    return job_id, run_id


async def take_over(s: Setup, job_id: str) -> JobSummary:
    worker = Worker(s.relay, WeatherBot, s.client, claim_idle=CLAIM_IDLE, name="rescuer")
    serving = asyncio.create_task(worker.run())
    try:
        return await s.relay.wait(job_id, timeout=20)
    finally:
        worker.stop()
        await asyncio.wait_for(serving, 10)


async def strict_replay(relay: RedisRelay, job_id: str) -> tuple[ae.StreamResult, list[str]]:
    entries = await relay.entries(job_id)
    names = [fields["e"] for _, fields in entries if "e" in fields]
    return await ae.EventHandler().consume(relay.sse(job_id, idle_timeout=5)), names


async def test_a_run_left_waiting_for_tools_is_answered_by_the_next_worker(s: Setup) -> None:
    job_id, run_id = await die_in_the_tool(s)

    summary = await take_over(s, job_id)

    assert (summary.status, summary.worker, summary.attempts) == ("completed", "rescuer", 2)
    assert [[o["output"] for o in batch] for batch in s.server.submissions(run_id)] == [
        ["sunny in City5"]
    ]


async def test_the_taken_over_stream_is_one_valid_run_without_repeats(s: Setup) -> None:
    job_id, _ = await die_in_the_tool(s)
    summary = await take_over(s, job_id)

    result, names = await strict_replay(s.relay, job_id)

    assert result.run is not None and result.run.status == "completed"
    assert result.text == summary.text
    assert names.count("thread.run.created") == names.count("thread.run.requires_action") == 1


async def test_outputs_recorded_but_never_received_are_submitted_once(s: Setup) -> None:
    job_id, run_id = await die_in_the_tool(s)
    (call,) = s.server.store.runs[run_id].pending_calls
    await s.relay.redis.client.sadd(s.relay.keys.calls(run_id), call["id"])  # then it died

    summary = await take_over(s, job_id)

    assert summary.status == "completed"
    assert len(s.server.submissions(run_id)) == 1


async def test_outputs_the_server_already_has_are_not_submitted_again(s: Setup) -> None:
    job_id, run_id = await die_in_the_tool(s)
    (call,) = s.server.store.runs[run_id].pending_calls
    await s.relay.redis.client.sadd(s.relay.keys.calls(run_id), call["id"])
    thread_id = s.server.store.runs[run_id].json["thread_id"]
    output = ae.ToolOutput(call["id"], "sunny in City5")
    await s.client.submit_tool_outputs(thread_id, run_id, [output])  # it got through, then died

    summary = await take_over(s, job_id)
    result, names = await strict_replay(s.relay, job_id)

    assert summary.status == "completed"
    assert summary.text == "Tool results: get_weather said sunny in City5"
    assert len(s.server.submissions(run_id)) == 1
    assert result.text == summary.text and names.count("thread.run.completed") == 1


async def test_a_job_past_its_attempts_is_given_up_and_its_run_cancelled(s: Setup) -> None:
    job_id, run_id = await die_in_the_tool(s)
    await s.relay.redis.client.hset(s.relay.keys.job(job_id), "attempts", 5)  # 5 tries so far

    summary = await take_over(s, job_id)

    assert summary.status == "error" and summary.error is not None
    assert "given up after 5 attempts" in summary.error
    assert s.server.store.runs[run_id].status == "cancelled"
    with pytest.raises(StreamAborted, match="given up"):
        async for _ in s.relay.follow(job_id, idle_timeout=5):
            pass


async def test_a_background_response_job_is_resumed_and_its_call_answered_once(
    s: Setup,
) -> None:
    GatedBot.entered, GatedBot.gate = asyncio.Event(), asyncio.Event()
    doomed = Worker(s.relay, GatedBot, s.client, claim_idle=CLAIM_IDLE, name="doomed")
    serving = asyncio.create_task(doomed.run())
    job_id = await s.relay.enqueue(
        api="responses", model="gpt-4o", input='get_weather {"city": "City6"}'
    )
    await asyncio.wait_for(GatedBot.entered.wait(), 20)
    serving.cancel()  # dies in its tool: the response asked for a call nobody answered
    await asyncio.gather(serving, return_exceptions=True)

    summary = await take_over(s, job_id)
    result = await s.relay.consume(job_id, ae.EventHandler(), idle_timeout=5)

    assert (summary.status, summary.worker) == ("completed", "rescuer")
    assert summary.text == "Tool results: get_weather said sunny in City6"
    answered = [o["call_id"] for rid in s.server.responses for o in s.server.function_outputs(rid)]
    assert len(answered) == len(set(answered)) == 1
    assert result.text == summary.text and s.server.unfinished_responses() == []
