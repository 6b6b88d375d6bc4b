"""The run driver: one batched submit per requires_action, remote cancel, usage, logs."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Literal

import anyio
import pytest

import assistants_events as ae
from assistants_events import models as m
from assistants_events.testing import Faults, MockAssistantsServer, Reply

PARIS_TOKYO = Reply.calls(("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Tokyo"}))


class WeatherBot(ae.EventHandler):
    def __init__(self) -> None:
        self.started: dict[str, anyio.Event] = {"Paris": anyio.Event(), "Tokyo": anyio.Event()}

    @ae.tool
    async def get_weather(self, city: str) -> str:
        """Weather for a city."""
        self.started[city].set()
        other = "Tokyo" if city == "Paris" else "Paris"
        with anyio.fail_after(5):  # both calls must be running at once
            await self.started[other].wait()
        return f"sunny in {city}"


async def setup(server: MockAssistantsServer, client: ae.AssistantsClient,
                bot: ae.EventHandler, text: str = "weather?") -> tuple[str, str]:  # fmt: skip
    assistant = await client.create_assistant("gpt-4o", tools=bot.tool_definitions())
    thread = await client.create_thread(messages=[{"role": "user", "content": text}])
    return thread.id, assistant.id


@pytest.fixture
async def server() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer(script=[PARIS_TOKYO, "Paris is sunny, Tokyo too."]) as mock:
        yield mock


@pytest.fixture
async def client(server: MockAssistantsServer) -> AsyncIterator[ae.AssistantsClient]:
    async with ae.AssistantsClient(api_key="k", base_url=server.url, backoff_base=0.001) as c:
        yield c


async def test_tool_calls_are_answered_in_one_submit_in_call_order(
    server: MockAssistantsServer, client: ae.AssistantsClient
) -> None:
    bot = WeatherBot()
    thread_id, assistant_id = await setup(server, client, bot)
    result = await ae.run(client, bot, thread_id=thread_id, assistant_id=assistant_id)
    assert result.run is not None and result.run.status == "completed"
    assert result.text == "Paris is sunny, Tokyo too."
    (batch,) = server.submissions(result.run.id)
    assert [o["output"] for o in batch] == ["sunny in Paris", "sunny in Tokyo"]
    calls = [c for c in result.run_steps[0].tool_calls if isinstance(c, m.FunctionToolCall)]
    assert [o["tool_call_id"] for o in batch] == [c.id for c in calls]


async def test_handler_run_creates_a_thread_when_given_messages(
    server: MockAssistantsServer, client: ae.AssistantsClient
) -> None:
    bot = WeatherBot()
    assistant = await client.create_assistant("gpt-4o", tools=bot.tool_definitions())
    result = await bot.run(client, assistant_id=assistant.id,
                           messages=[{"role": "user", "content": "weather?"}])  # fmt: skip
    assert result.thread is not None and result.run is not None
    assert result.run.thread_id == result.thread.id and result.run.status == "completed"


async def test_handler_may_answer_tool_calls_itself(
    server: MockAssistantsServer, client: ae.AssistantsClient
) -> None:
    class Manual(ae.EventHandler):
        async def answer_tool_calls(self, run: ae.Run) -> list[ae.ToolOutput]:
            return [ae.ToolOutput(c.id, f"manual {c.function.arguments}") for c in run.tool_calls]

    thread_id, assistant_id = await setup(server, client, WeatherBot())
    result = await Manual().run(client, thread_id=thread_id, assistant_id=assistant_id)
    assert result.run is not None
    (batch,) = server.submissions(result.run.id)
    assert batch[0]["output"] == 'manual {"city": "Paris"}'


async def test_outputs_that_miss_a_call_are_refused_and_the_run_cancelled(
    server: MockAssistantsServer, client: ae.AssistantsClient
) -> None:
    class Sloppy(ae.EventHandler):
        async def answer_tool_calls(self, run: ae.Run) -> list[ae.ToolOutput]:
            return [ae.ToolOutput(run.tool_calls[0].id, "only one")]

    thread_id, assistant_id = await setup(server, client, WeatherBot())
    with pytest.raises(ae.ToolOutputError, match="missing"):
        await Sloppy().run(client, thread_id=thread_id, assistant_id=assistant_id)
    (run_id,) = server.store.runs
    assert server.submissions(run_id) == [] and server.cancelled == [run_id]
    assert server.store.runs[run_id].status == "cancelled"


async def test_failing_tool_sends_an_error_output_and_the_run_goes_on(
    server: MockAssistantsServer, client: ae.AssistantsClient
) -> None:
    class Broken(ae.EventHandler):
        @ae.tool
        def get_weather(self, city: str) -> str:
            raise ConnectionError("weather service down")

    bot = Broken()
    thread_id, assistant_id = await setup(server, client, bot)
    result = await bot.run(client, thread_id=thread_id, assistant_id=assistant_id)
    assert result.run is not None and result.run.status == "completed"
    batch = server.submissions(result.run.id)[0]
    assert all("weather service down" in o["output"] for o in batch)


async def test_local_cancel_cancels_the_remote_run() -> None:
    async with MockAssistantsServer(faults=Faults(delta_delay=0.05)) as server, \
            ae.AssistantsClient(api_key="k", base_url=server.url) as client:  # fmt: skip
        thread_id, assistant_id = await setup(server, client, ae.EventHandler(), "a " * 200)
        started = anyio.Event()

        class Bot(ae.EventHandler):
            @ae.on("thread.message.delta")
            def first(self, event: ae.Event) -> None:
                started.set()

        task = asyncio.create_task(
            ae.run(client, Bot(), thread_id=thread_id, assistant_id=assistant_id)
        )
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        (run_id,) = server.store.runs
        assert server.cancelled == [run_id]
        for _ in range(100):
            if server.store.runs[run_id].status == "cancelled":
                break
            await asyncio.sleep(0.02)
        assert server.store.runs[run_id].status == "cancelled"


async def test_cancel_while_tools_run_cancels_the_waiting_run(
    server: MockAssistantsServer, client: ae.AssistantsClient
) -> None:
    entered = anyio.Event()

    class Stuck(ae.EventHandler):
        @ae.tool
        async def get_weather(self, city: str) -> str:
            entered.set()
            await anyio.sleep(30)
            return "never"

    bot = Stuck()
    thread_id, assistant_id = await setup(server, client, bot)
    with anyio.move_on_after(5):
        async with anyio.create_task_group() as group:
            group.start_soon(
                lambda: bot.run(client, thread_id=thread_id, assistant_id=assistant_id)
            )
            await entered.wait()
            group.cancel_scope.cancel()
    (run_id,) = server.store.runs
    assert server.cancelled == [run_id] and server.submissions(run_id) == []
    assert server.store.runs[run_id].status == "cancelled"


@pytest.mark.parametrize("outcome", ["failed", "expired", "incomplete"])
async def test_server_side_end_is_returned_not_raised(
    outcome: Literal["failed", "expired", "incomplete"],
) -> None:
    async with MockAssistantsServer(faults=Faults(run_outcome=outcome)) as server, \
            ae.AssistantsClient(api_key="k", base_url=server.url) as client:  # fmt: skip
        thread_id, assistant_id = await setup(server, client, ae.EventHandler())
        result = await ae.run(client, ae.EventHandler(), thread_id=thread_id,
                              assistant_id=assistant_id)  # fmt: skip
    assert result.run is not None and result.run.status == outcome
    if outcome == "failed":
        assert result.run.last_error is not None


async def test_error_event_raises_and_cancels_the_run() -> None:
    async with MockAssistantsServer(faults=Faults(error_after=4)) as server, \
            ae.AssistantsClient(api_key="k", base_url=server.url) as client:  # fmt: skip
        thread_id, assistant_id = await setup(server, client, ae.EventHandler())
        with pytest.raises(ae.StreamError, match="server had an error"):
            await ae.run(client, ae.EventHandler(), thread_id=thread_id, assistant_id=assistant_id)


async def test_dropped_stream_raises_and_submits_nothing(
    server: MockAssistantsServer, client: ae.AssistantsClient
) -> None:
    bot = WeatherBot()
    thread_id, assistant_id = await setup(server, client, bot)
    server.inject(Faults(drop_after=7))
    with pytest.raises(ae.APIConnectionError):
        await bot.run(client, thread_id=thread_id, assistant_id=assistant_id)
    (run_id,) = server.store.runs
    assert server.submissions(run_id) == []


async def test_usage_tracker_sums_runs_and_alerts_once(server: MockAssistantsServer) -> None:
    alerts: list[ae.BudgetExceeded] = []
    tracker = ae.UsageTracker(budget_tokens=30, on_budget=alerts.append)
    async with ae.AssistantsClient(api_key="k", base_url=server.url,
                                   usage_tracker=tracker) as client:  # fmt: skip
        totals = []
        for _ in range(2):
            bot = WeatherBot()
            thread_id, assistant_id = await setup(server, client, bot)
            result = await bot.run(client, thread_id=thread_id, assistant_id=assistant_id)
            assert result.usage is not None
            totals.append(result.usage.total_tokens)
    assert tracker.total.total_tokens == sum(totals)
    assert tracker.by_model["gpt-4o"] == tracker.total
    assert len(alerts) == 1 and alerts[0].budget == 30


async def test_logs_name_the_run_and_thread(
    server: MockAssistantsServer, client: ae.AssistantsClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="assistants_events")
    bot = WeatherBot()
    thread_id, assistant_id = await setup(server, client, bot)
    result = await bot.run(client, thread_id=thread_id, assistant_id=assistant_id)
    assert result.run is not None
    records = [r for r in caplog.records if getattr(r, "run_id", None) == result.run.id]
    assert {r.thread_id for r in records} == {thread_id}  # type: ignore[attr-defined]
    assert {r.event for r in records} >= {"thread.run.requires_action", "thread.run.completed"}  # type: ignore[attr-defined]


# ----------------------------------------------- a new thread's thread.created


async def test_new_thread_answer_is_handed_on_as_a_one_line_thread_created_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The public API pretty-prints its answers; an event's raw data (and a recording's
    # `data:` line) must still be one line.
    raws: list[str] = []

    class Bot(ae.EventHandler):
        @ae.on("thread.created")
        def created(self, event: ae.Event) -> None:
            raws.append(event.raw)

    recorded: list[bytes] = []
    async with (
        MockAssistantsServer() as server,
        ae.AssistantsClient(
            api_key="k", base_url=server.url, stream_recorder=recorded.append
        ) as client,
    ):
        answer = client._create_thread_text

        async def pretty(*args: object, **kwargs: object) -> tuple[str, object]:
            _, payload = await answer(*args, **kwargs)  # type: ignore[arg-type]
            return json.dumps(payload, indent=2), payload

        monkeypatch.setattr(client, "_create_thread_text", pretty)
        assistant = await client.create_assistant("gpt-4o")
        result = await Bot().run(client, assistant_id=assistant.id,
                                 messages=[{"role": "user", "content": "hi"}])  # fmt: skip
    assert result.thread is not None and result.run is not None
    assert result.run.thread_id == result.thread.id
    (raw,) = raws
    assert "\n" not in raw and json.loads(raw)["id"] == result.thread.id
    assert recorded[0] == f"event: thread.created\ndata: {raw}\n\n".encode()


async def test_new_thread_answer_without_an_id_is_a_decode_error_and_starts_no_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def no_id(*args: object, **kwargs: object) -> tuple[str, object]:
        return '{"object": "thread"}', {"object": "thread"}

    async with (
        MockAssistantsServer() as server,
        ae.AssistantsClient(api_key="k", base_url=server.url) as client,
    ):
        assistant = await client.create_assistant("gpt-4o")
        monkeypatch.setattr(client, "_create_thread_text", no_id)
        with pytest.raises(ae.EventDecodeError, match="/threads"):
            await ae.EventHandler().run(client, assistant_id=assistant.id,
                                        messages=[{"role": "user", "content": "hi"}])  # fmt: skip
    assert server.store.runs == {}
