"""The run driver under lost answers and cancellation: one run, nothing alive, a full story."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

import assistants_events as ae
from assistants_events.errors import RunNotStarted
from assistants_events.testing import Faults, MockAssistantsServer
from tests.conftest import client_for

CALL = 'lookup {"key": "abc"}'  # the mock model calls `lookup` when told so


class Lookup(ae.EventHandler):
    @ae.tool
    def lookup(self, key: str) -> str:
        """Look a key up."""
        return key.upper()


@pytest.fixture
async def server() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer() as mock:
        yield mock


async def new_thread(client: ae.AssistantsClient, text: str = CALL) -> tuple[str, str]:
    assistant = await client.create_assistant("gpt-4o", tools=Lookup.tool_definitions())
    thread = await client.create_thread(messages=[{"role": "user", "content": text}])
    return thread.id, assistant.id


async def settled(server: MockAssistantsServer, run_id: str) -> str:
    """The run's status once a cancel has had time to land (the mock settles at once)."""
    for _ in range(200):
        status = server.store.runs[run_id].status
        if status not in ("queued", "in_progress", "requires_action", "cancelling"):
            return status
        await asyncio.sleep(0.01)
    return server.store.runs[run_id].status


# ----------------------------------------------------- cancelled while creating


class SlowAnswers(ae.AssistantsClient):
    """A client whose stream answers arrive late: the server has acted, the caller waits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acted = asyncio.Event()
        self.release = asyncio.Event()

    async def stream(self, *args: Any, **kwargs: Any) -> ae.RunStream:
        answer = await super().stream(*args, **kwargs)
        self.acted.set()
        await self.release.wait()
        return answer


async def test_plain_task_cancel_while_creating_the_run_cancels_the_created_run(
    server: MockAssistantsServer,
) -> None:
    async with SlowAnswers("key", server.url) as client:
        thread_id, assistant_id = await new_thread(client)
        task = asyncio.create_task(
            Lookup().run(client, thread_id=thread_id, assistant_id=assistant_id)
        )
        with anyio.fail_after(10):
            await client.acted.wait()
        task.cancel()
        await asyncio.sleep(0)
        client.release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        (run_id,) = server.store.runs
        assert server.cancelled == [run_id]
        assert await settled(server, run_id) == "cancelled"


async def test_wait_for_timeout_while_creating_the_run_cancels_the_created_run(
    server: MockAssistantsServer,
) -> None:
    async with SlowAnswers("key", server.url) as client:
        thread_id, assistant_id = await new_thread(client)

        async def release_later() -> None:
            await client.acted.wait()
            await asyncio.sleep(0.3)  # well after wait_for gave up
            client.release.set()

        helper = asyncio.create_task(release_later())
        with pytest.raises(asyncio.TimeoutError):  # before 3.11 not the builtin TimeoutError
            await asyncio.wait_for(
                Lookup().run(client, thread_id=thread_id, assistant_id=assistant_id), 0.05
            )
        await helper
        (run_id,) = server.store.runs
        assert server.cancelled == [run_id]
        assert await settled(server, run_id) == "cancelled"


async def test_anyio_scope_cancelled_while_creating_the_run_cancels_the_created_run(
    server: MockAssistantsServer,
) -> None:
    async with SlowAnswers("key", server.url) as client:
        thread_id, assistant_id = await new_thread(client)
        with anyio.CancelScope() as scope:

            async def cancel_once_sent() -> None:
                await client.acted.wait()
                scope.cancel()
                await asyncio.sleep(0.1)  # the answer comes after the scope gave up
                client.release.set()

            helper = asyncio.create_task(cancel_once_sent())
            await Lookup().run(client, thread_id=thread_id, assistant_id=assistant_id)
        await helper
        assert scope.cancelled_caught
        (run_id,) = server.store.runs
        assert server.cancelled == [run_id]
        assert await settled(server, run_id) == "cancelled"


# ----------------------------------------------------------------- lost answers


async def test_create_run_answer_lost_after_the_server_created_it_follows_that_run(
    server: MockAssistantsServer,
) -> None:
    async with client_for(server.url, max_retries=2) as client:
        thread_id, assistant_id = await new_thread(client)
        server.inject(Faults(drop_before_answer=True))
        result = await Lookup().run(client, thread_id=thread_id, assistant_id=assistant_id)
    (run_id,) = server.store.runs
    assert result.run is not None and result.run.id == run_id
    assert result.run.status == "completed" and server.cancelled == []
    assert len(server.submissions(run_id)) == 1
    assert "ABC" in result.text


async def test_new_thread_run_answer_lost_makes_one_thread_and_one_run(
    server: MockAssistantsServer,
) -> None:
    async with client_for(server.url, max_retries=2) as client:
        assistant = await client.create_assistant("gpt-4o", tools=Lookup.tool_definitions())
        server.inject(Faults(drop_before_answer=True))
        result = await Lookup().run(
            client, assistant_id=assistant.id, messages=[{"role": "user", "content": CALL}]
        )
    (run_id,) = server.store.runs
    assert len(server.store.threads) == 1 and result.thread is not None
    assert result.run is not None and result.run.id == run_id
    assert result.run.status == "completed" and server.cancelled == []


async def test_create_run_dropped_before_the_server_acted_is_sent_again(
    server: MockAssistantsServer,
) -> None:
    class DropFirst(ae.AssistantsClient):
        dropped = False

        async def stream(self, *args: Any, **kwargs: Any) -> ae.RunStream:
            if not self.dropped:
                self.dropped = True
                raise ae.errors.RequestOutcomeUnknown("dropped", method="POST", url="/runs")
            return await super().stream(*args, **kwargs)

    async with DropFirst("key", server.url) as client:
        thread_id, assistant_id = await new_thread(client, "hello")
        result = await Lookup().run(client, thread_id=thread_id, assistant_id=assistant_id)
    assert len(server.store.runs) == 1
    assert result.run is not None and result.run.status == "completed"


async def test_submit_answer_lost_after_the_outputs_were_taken_follows_the_run(
    server: MockAssistantsServer,
) -> None:
    async with client_for(server.url, max_retries=2) as client:
        thread_id, assistant_id = await new_thread(client)
        server.inject(Faults())  # the create-run stream
        server.inject(Faults(drop_before_answer=True))  # the submit
        result = await Lookup().run(client, thread_id=thread_id, assistant_id=assistant_id)
    (run_id,) = server.store.runs
    assert server.submissions(run_id) == [[{"tool_call_id": server.submissions(run_id)[0][0][
        "tool_call_id"], "output": "ABC"}]]  # fmt: skip
    assert result.run is not None and result.run.status == "completed"
    assert server.cancelled == [] and "ABC" in result.text


async def test_submit_refused_as_not_waiting_after_it_was_applied_follows_the_run(
    server: MockAssistantsServer,
) -> None:
    class AppliedThenRefused(ae.AssistantsClient):
        """The first submit is applied but its answer lost; the retry hears "not waiting"."""

        async def stream_submit_tool_outputs(self, *args: Any, **kwargs: Any) -> ae.RunStream:
            (await super().stream_submit_tool_outputs(*args, **kwargs)).close()
            raise ae.BadRequestError("Runs in status 'queued' do not accept tool outputs.",
                                     status=400)  # fmt: skip

    async with AppliedThenRefused("key", server.url) as client:
        thread_id, assistant_id = await new_thread(client)
        result = await Lookup().run(client, thread_id=thread_id, assistant_id=assistant_id)
    (run_id,) = server.store.runs
    assert len(server.submissions(run_id)) == 1 and server.cancelled == []
    assert result.run is not None and result.run.status == "completed" and "ABC" in result.text


# ----------------------------------------------------------------- handler reuse


async def test_each_run_on_one_handler_starts_fresh(server: MockAssistantsServer) -> None:
    bot = Lookup()
    async with client_for(server.url) as client:
        first_thread, assistant_id = await new_thread(client, "one")
        second_thread, _ = await new_thread(client, "two")
        first = await bot.run(client, thread_id=first_thread, assistant_id=assistant_id)
        second = await bot.run(client, thread_id=second_thread, assistant_id=assistant_id)
    assert first.text == "Echo: one" and second.text == "Echo: two"
    assert [m.thread_id for m in second.messages] == [second_thread]


async def test_two_concurrent_runs_on_one_handler_raise_configuration_error(
    server: MockAssistantsServer,
) -> None:
    bot = Lookup()
    async with client_for(server.url) as client:
        first_thread, assistant_id = await new_thread(client, "one")
        second_thread, _ = await new_thread(client, "two")
        first, second = await asyncio.gather(
            bot.run(client, thread_id=first_thread, assistant_id=assistant_id),
            bot.run(client, thread_id=second_thread, assistant_id=assistant_id),
            return_exceptions=True,
        )
    assert isinstance(first, ae.StreamResult) and first.text == "Echo: one"
    assert isinstance(second, ae.ConfigurationError)
    assert "one Lookup() per concurrent run" in str(second)


# -------------------------------------------------------------- the whole story


async def test_stream_dropped_mid_way_says_how_many_events_and_which_run(
    server: MockAssistantsServer,
) -> None:
    async with client_for(server.url) as client:
        thread_id, assistant_id = await new_thread(client)
        server.inject(Faults(drop_after=3))
        with pytest.raises(ae.APIConnectionError) as info:
            await Lookup().run(client, thread_id=thread_id, assistant_id=assistant_id)
    (run_id,) = server.store.runs
    error = info.value
    assert "the stream broke after 3 events (" in str(error)
    assert error.run_id == run_id and error.thread_id == thread_id
    assert error.remote_cancel_sent is True and server.cancelled == [run_id]
    assert f"run {run_id!r} on thread {thread_id!r}: a remote cancel was sent" in str(error)


async def test_failing_handler_error_names_the_run_and_the_cancel(
    server: MockAssistantsServer,
) -> None:
    class Broken(Lookup):
        @ae.on("thread.run.step.created")
        def boom(self, event: ae.Event) -> None:
            raise ValueError("handler bug")

    async with client_for(server.url) as client:
        thread_id, assistant_id = await new_thread(client)
        with pytest.raises(ae.HandlerError) as info:
            await Broken().run(client, thread_id=thread_id, assistant_id=assistant_id)
    (run_id,) = server.store.runs
    assert info.value.run_id == run_id and info.value.remote_cancel_sent is True
    assert "a remote cancel was sent" in str(info.value)


async def test_stream_that_names_no_run_gets_its_own_message() -> None:
    body = b"event: done\ndata: [DONE]\n\n"
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(head + body)
        await writer.drain()
        writer.close()

    raw = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = raw.sockets[0].getsockname()[1]
    try:
        async with client_for(f"http://127.0.0.1:{port}/v1", max_retries=0) as client:
            with pytest.raises(RunNotStarted) as info:
                await Lookup().run(client, thread_id="thread_1", assistant_id="asst_1")
    finally:
        raw.close()
    text = str(info.value)
    assert "'?'" not in text and "no run event arrived" not in text
    assert "after 1 events without naming a run" in text
    assert info.value.remote_cancel_sent is False and info.value.thread_id == "thread_1"


async def test_stream_run_whose_answer_was_lost_is_not_sent_again_blindly(
    server: MockAssistantsServer,
) -> None:
    async with client_for(server.url, max_retries=3) as client:
        thread_id, assistant_id = await new_thread(client)
        server.inject(Faults(drop_before_answer=True))
        with pytest.raises(ae.errors.RequestOutcomeUnknown, match="may have applied it"):
            await client.stream_run(thread_id, assistant_id)
    assert len(server.store.runs) == 1


async def test_driver_reads_a_body_as_consume_does_a_whole_last_event_without_blank_line() -> None:
    from tests.conftest import fixture_bytes

    body = fixture_bytes("text_run.sse")
    body = body[: body.index(b"\n\nevent: done")]  # ends in thread.run.completed, no blank line
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(head + body)
        await writer.drain()
        writer.close()

    raw = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = raw.sockets[0].getsockname()[1]
    try:
        async with client_for(f"http://127.0.0.1:{port}/v1", max_retries=0) as client:
            driven = await Lookup().run(client, thread_id="thread_abc123", assistant_id="asst_1")
    finally:
        raw.close()
    consumed = await Lookup().consume(body)
    assert driven.run is not None and driven.run.status == "completed"
    assert driven.text == consumed.text and driven.run == consumed.run


@pytest.mark.parametrize(
    ("seen", "final"),
    [(None, s) for s in ("completed", "incomplete", "failed", "cancelled", "expired")]
    + [("requires_action", s) for s in ("completed", "cancelled", "expired", "requires_action")],
)
async def test_catching_up_a_followed_run_is_a_valid_strict_lifecycle(
    seen: str | None, final: str
) -> None:
    import json

    from assistants_events.assistants.convert import structure
    from assistants_events.assistants.models import Run
    from assistants_events.assistants.runner import _catch_up
    from tests.conftest import fixture_bytes

    first = fixture_bytes("text_run.sse").split(b"\n\n")[0].split(b"data: ", 1)[1]
    payload = json.loads(first)
    bot = Lookup()
    if seen is not None:
        statuses = [("created", "queued"), ("in_progress", "in_progress"), (seen, seen)]
        await bot.consume_events(
            [ae.Event(f"thread.run.{n}", json.dumps({**payload, "status": s})) for n, s in statuses]
        )
    run = structure({**payload, "status": final}, Run)
    result = await bot.consume_events(_catch_up(bot, run, [], []))
    assert result.run is not None and result.run.status == final and result.done
