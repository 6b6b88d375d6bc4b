"""Under faults nothing is lost, nothing is sent twice, nothing hangs, no key leaks."""

from __future__ import annotations

import asyncio
import gc
import logging
import tracemalloc
from collections.abc import AsyncIterator

import anyio
import pytest

import assistants_events as ae
from assistants_events.testing import Faults, MockAssistantsServer
from tests.conftest import client_for as make_client

KEY = "sk-reliability-SECRET-0123456789"
CALL = 'lookup {"key": "abc"}'  # the mock model calls `lookup` when told so


class Lookup(ae.EventHandler):
    def __init__(self) -> None:
        self.text = ""

    @ae.tool
    def lookup(self, key: str) -> str:
        """Look a key up."""
        return key.upper()

    @ae.on("thread.message.delta")
    def collect(self, event: ae.Event) -> None:
        self.text += event.text_delta or ""


@pytest.fixture
async def server() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer() as mock:
        yield mock


def client_for(server: MockAssistantsServer, **options: object) -> ae.AssistantsClient:
    return make_client(server.url, KEY, **options)


def first_call_id(result: ae.StreamResult) -> str:
    """The id of the tool call the run's first step made (steps keep their calls)."""
    call = result.run_steps[0].step_details.tool_calls[0]  # type: ignore[union-attr]
    assert isinstance(call, ae.models.FunctionToolCall)
    return call.id


async def new_run(client: ae.AssistantsClient, text: str = CALL) -> tuple[str, str]:
    assistant = await client.create_assistant("gpt-4o", tools=Lookup().tool_definitions())
    thread = await client.create_thread(messages=[{"role": "user", "content": text}])
    return thread.id, assistant.id


# ------------------------------------------------------------------ HTTP storms


async def test_5xx_storm_on_run_creation_is_retried_into_exactly_one_run(
    server: MockAssistantsServer,
) -> None:
    async with client_for(server, max_retries=3) as client:
        thread_id, assistant_id = await new_run(client)
        server.fail_next(3, 503, paths=("/runs",))
        result = await Lookup().run(client, thread_id=thread_id, assistant_id=assistant_id)
    assert result.run is not None and result.run.status == "completed"
    assert len(server.store.runs) == 1 and client.retries_made == 3


async def test_429_storm_on_submit_is_retried_and_outputs_arrive_once(
    server: MockAssistantsServer,
) -> None:
    async with client_for(server, max_retries=3) as client:
        thread_id, assistant_id = await new_run(client)
        server.fail_next(2, 429, retry_after=0.01, paths=("submit_tool_outputs",))
        result = await Lookup().run(client, thread_id=thread_id, assistant_id=assistant_id)
    assert result.run is not None and result.run.status == "completed"
    assert server.submissions(result.run.id) == [
        [{"tool_call_id": first_call_id(result), "output": "ABC"}]
    ]


async def test_storm_longer_than_the_retries_gives_up_cleanly(server: MockAssistantsServer) -> None:
    async with client_for(server, max_retries=2) as client:
        thread_id, assistant_id = await new_run(client)
        server.fail_next(10, 502, paths=("/runs",))
        with pytest.raises(ae.InternalServerError):
            await Lookup().run(client, thread_id=thread_id, assistant_id=assistant_id)
    assert server.store.runs == {} and server.cancelled == []


async def test_failed_submit_cancels_the_run_instead_of_leaving_it(
    server: MockAssistantsServer,
) -> None:
    async with client_for(server, max_retries=1) as client:
        thread_id, assistant_id = await new_run(client)
        server.fail_next(5, 500, paths=("submit_tool_outputs",))
        with pytest.raises(ae.InternalServerError):
            await Lookup().run(client, thread_id=thread_id, assistant_id=assistant_id)
    (run_id,) = server.store.runs
    assert server.submissions(run_id) == [] and server.store.runs[run_id].status == "cancelled"


# ------------------------------------------------------------- local cancel


async def wait_cancelled(server: MockAssistantsServer, run_id: str) -> str:
    for _ in range(100):
        status = server.store.runs[run_id].status
        if status == "cancelled":
            return status
        await asyncio.sleep(0.01)
    return server.store.runs[run_id].status


@pytest.mark.parametrize("phase", ["thread.run.step.delta", "tools", "thread.message.delta"])
async def test_local_cancel_at_every_phase_cancels_the_remote_run(phase: str) -> None:
    reached = anyio.Event()

    class Bot(ae.EventHandler):
        @ae.tool
        async def lookup(self, key: str) -> str:
            """Look a key up."""
            if phase == "tools":
                reached.set()
                await anyio.sleep(30)
            return key

        @ae.on(phase if phase != "tools" else "tools.*")  # a pattern: no typo warning
        def there(self, event: ae.Event) -> None:
            reached.set()

    async with MockAssistantsServer(faults=Faults(delta_delay=0.01)) as server, \
            client_for(server) as client:  # fmt: skip
        thread_id, assistant_id = await new_run(client)
        task = asyncio.create_task(
            Bot().run(client, thread_id=thread_id, assistant_id=assistant_id)
        )
        with anyio.fail_after(10):
            await reached.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        (run_id,) = server.store.runs
        assert server.cancelled == [run_id]
        assert await wait_cancelled(server, run_id) == "cancelled"
        submitted = server.submissions(run_id)
        assert len(submitted) == (1 if phase == "thread.message.delta" else 0)


async def test_run_cancelled_server_side_is_returned_not_raised(
    server: MockAssistantsServer,
) -> None:
    async with client_for(server) as client:
        thread_id, assistant_id = await new_run(client, "a b c d e f g")
        server.inject(Faults(delta_delay=0.01))

        class Bot(ae.EventHandler):
            @ae.on("thread.message.delta")
            async def someone_else_cancels(self, event: ae.Event) -> None:
                if not server.cancelled:
                    await client.cancel_run(thread_id, event.snapshot.run_id)

        result = await Bot().run(client, thread_id=thread_id, assistant_id=assistant_id)
    assert result.run is not None and result.run.status == "cancelled"
    assert result.messages[0].status == "incomplete"


# ------------------------------------------------------------------ handlers


async def test_failing_handler_propagates_and_cancels_the_run(server: MockAssistantsServer) -> None:
    class Broken(Lookup):
        @ae.on("thread.run.step.delta")
        def explode(self, event: ae.Event) -> None:
            raise RuntimeError("handler bug")

    async with client_for(server) as client:
        thread_id, assistant_id = await new_run(client)
        with pytest.raises(ae.HandlerError, match="handler bug"):
            await Broken().run(client, thread_id=thread_id, assistant_id=assistant_id)
    (run_id,) = server.store.runs
    assert server.submissions(run_id) == [] and server.store.runs[run_id].status == "cancelled"


async def test_slow_handler_loses_nothing(server: MockAssistantsServer) -> None:
    class Slow(Lookup):
        @ae.on("thread.message.delta")
        async def dawdle(self, event: ae.Event) -> None:
            await asyncio.sleep(0.005)

    async with client_for(server, idle_timeout=5) as client:
        thread_id, assistant_id = await new_run(client, " ".join(f"w{i}" for i in range(60)))
        bot = Slow()
        result = await bot.run(client, thread_id=thread_id, assistant_id=assistant_id)
    assert bot.text == result.text == "Echo: " + " ".join(f"w{i}" for i in range(60))


async def test_handler_that_cancels_is_not_swallowed(server: MockAssistantsServer) -> None:
    class Quitter(Lookup):
        @ae.on("thread.run.step.delta")
        async def quit(self, event: ae.Event) -> None:
            raise asyncio.CancelledError

    async with client_for(server) as client:
        thread_id, assistant_id = await new_run(client)
        with pytest.raises(asyncio.CancelledError):
            await Quitter().run(client, thread_id=thread_id, assistant_id=assistant_id)
    (run_id,) = server.store.runs
    assert server.cancelled == [run_id]


# ---------------------------------------------------------------------- load


@pytest.mark.slow
async def test_500_concurrent_tool_runs_each_submit_exactly_once() -> None:
    async with MockAssistantsServer() as server, client_for(server) as client:
        assistant = await client.create_assistant("gpt-4o", tools=Lookup().tool_definitions())

        async def one(n: int) -> ae.StreamResult:
            message = f'lookup {{"key": "k{n}"}}'
            return await Lookup().run(client, assistant_id=assistant.id,
                                      messages=[{"role": "user", "content": message}])  # fmt: skip

        gc.collect()
        tracemalloc.start()
        with anyio.fail_after(120):
            results = await asyncio.gather(*(one(n) for n in range(500)))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert all(r.run is not None and r.run.status == "completed" for r in results)
    for n, result in enumerate(results):
        assert result.run is not None
        assert server.submissions(result.run.id) == [
            [{"tool_call_id": first_call_id(result), "output": f"K{n}"}]
        ]
    assert peak < 200 * 1024 * 1024  # the whole load, server state included


# ------------------------------------------------------------------- secrets


async def test_api_key_appears_nowhere_with_debug_logging(
    server: MockAssistantsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    async with client_for(server) as client:
        thread_id, assistant_id = await new_run(client)
        server.fail_next(1, 503)
        bot = Lookup()
        result = await bot.run(client, thread_id=thread_id, assistant_id=assistant_id)
        seen += [repr(client), str(vars(client)), repr(result), repr(bot.__dict__)]
        async with ae.AssistantsClient(KEY, server.url + "/nope") as lost:
            for call in (client.retrieve_run(thread_id, "run_missing"), lost.create_assistant("x")):
                try:
                    await call
                except ae.APIError as exc:
                    seen += [str(exc), repr(exc), repr(vars(exc))]
    seen += [record.getMessage() for record in caplog.records]
    seen += [repr(vars(record)) for record in caplog.records]
    assert len(seen) > 10
    assert not [text for text in seen if KEY in text or "SECRET" in text]


async def test_stream_broken_before_naming_its_run_still_cancels_it(
    server: MockAssistantsServer,
) -> None:
    async with client_for(server) as client:
        thread_id, assistant_id = await new_run(client)
        server.inject(Faults(drop_after=0))  # headers, then nothing: the run is never named
        with pytest.raises(ae.APIConnectionError):
            await Lookup().run(client, thread_id=thread_id, assistant_id=assistant_id)
    (run_id,) = server.store.runs
    assert server.cancelled == [run_id] and server.store.runs[run_id].status == "cancelled"


async def test_new_thread_broken_after_thread_created_still_cancels_its_run(
    server: MockAssistantsServer,
) -> None:
    async with client_for(server) as client:
        assistant = await client.create_assistant("gpt-4o", tools=Lookup().tool_definitions())
        server.inject(Faults(drop_after=1))  # only thread.created arrives
        with pytest.raises(ae.APIConnectionError):
            await Lookup().run(client, assistant_id=assistant.id,
                               messages=[{"role": "user", "content": CALL}])  # fmt: skip
    (run_id,) = server.store.runs
    assert server.cancelled == [run_id] and server.store.runs[run_id].status == "cancelled"
