"""Under faults `respond()` loses no event, answers no call twice, leaves nothing running."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import anyio
import pytest

import assistants_events as ae
from assistants_events.testing import Faults, MockAssistantsServer, Reply

from .helpers import KEY, Weather, call_ids, client_for, served, wait_status

WORDS = "one two three four five six seven eight"
ONE_CITY = Reply.calls(("get_weather", {"city": "Paris"}))


def played(server: Any, response_id: str) -> list[int]:
    """The sequence numbers the server played for a response, in order."""
    return [data["sequence_number"] for _, data in server.response_events(response_id)]


# ------------------------------------------------------------ background resume


@pytest.mark.parametrize("drop_after", [1, 3, 6, 10])
async def test_a_dropped_background_stream_is_resumed_without_loss_or_repeat(
    drop_after: int,
) -> None:
    async with served() as (server, client):
        server.inject(Faults(drop_after=drop_after))
        bot = Weather()
        result = await bot.respond(client, model="gpt-4.1", input=WORDS, background=True)
    (rid,) = server.responses
    assert bot.sequence_numbers() == played(server, rid)
    assert result.done and result.text == bot.text == f"Echo: {WORDS}"
    assert ("GET", f"/v1/responses/{rid}") in server.requests


async def test_every_stream_of_a_response_may_drop_and_still_nothing_is_lost() -> None:
    async with served() as (server, client):
        server.inject(Faults(drop_after=3), times=4)  # the create stream and three resumes
        bot = Weather()
        result = await bot.respond(client, model="gpt-4.1", input=WORDS, background=True)
    (rid,) = server.responses
    assert bot.sequence_numbers() == played(server, rid) and result.text == f"Echo: {WORDS}"
    assert [m for m, p in server.requests if p == f"/v1/responses/{rid}"][:3] == ["GET"] * 3


async def test_drops_in_every_round_of_a_tool_loop_answer_each_call_once() -> None:
    async with served(script=[ONE_CITY, "sunny"]) as (server, client):
        server.inject(Faults(drop_after=4), times=2)  # each round's create stream
        bot = Weather()
        result = await bot.respond(client, model="gpt-4.1", input="x", background=True)
    first, second = result.responses
    assert bot.calls == ["Paris"] and call_ids(server) == [first.function_calls[0].call_id]
    assert bot.sequence_numbers() == played(server, first.id) + played(server, second.id)


async def test_a_stream_gone_silent_is_resumed() -> None:
    faults = Faults(stall_after=4, stall_seconds=0.5)
    async with MockAssistantsServer(faults=faults) as server, \
            client_for(server, idle_timeout=0.2) as client:  # fmt: skip
        bot = Weather()
        result = await bot.respond(client, model="gpt-4.1", input=WORDS, background=True,
                                   max_resumes=50)  # fmt: skip
    (rid,) = server.responses
    assert bot.sequence_numbers() == played(server, rid) and result.text == f"Echo: {WORDS}"


async def test_resumes_are_bounded_then_the_response_is_cancelled() -> None:
    async with served() as (server, client):
        # Every stream drops after two events, once a third is ready (three streams: 0-1,
        # 2-3, 4-5); the response itself stalls before its eighth event, until cancelled.
        server.inject(Faults(drop_after=2, stall_after=7, stall_seconds=30), times=10)
        with pytest.raises(ae.ResumeFailed, match="gave up after 2 resume") as caught:
            await Weather().respond(client, model="gpt-4.1", input=WORDS, background=True,
                                    max_resumes=2)  # fmt: skip
        (rid,) = server.responses
        assert caught.value.response_id == rid and caught.value.remote_cancel_sent
        assert isinstance(caught.value.__cause__, ae.APIConnectionError)
        assert server.cancelled == [rid] and await wait_status(server, rid, "cancelled")


async def test_a_dropped_foreground_stream_raises_naming_the_response() -> None:
    async with served() as (server, client):
        server.inject(Faults(drop_after=3))
        with pytest.raises(ae.APIConnectionError) as caught:
            await Weather().respond(client, model="gpt-4.1", input=WORDS)
    (rid,) = server.responses
    assert caught.value.response_id == rid and caught.value.remote_cancel_sent is False
    assert server.cancelled == [] and [p for m, p in server.requests if m == "GET"] == []


# ------------------------------------------------------------------- cancel


@pytest.mark.parametrize("phase", ["create", "response.created", "response.output_text.delta"])
async def test_local_cancel_cancels_the_background_response(phase: str) -> None:
    reached = anyio.Event()
    release = anyio.Event()

    class Bot(Weather):
        @ae.on("**")
        def there(self, event: ae.Event) -> None:
            if event.name == phase:
                reached.set()

    async with served(faults=Faults(delta_delay=0.01)) as (server, _):

        class SlowOpen(ae.AssistantsClient):
            async def stream_response(self, **params: Any) -> ae.RunStream:
                stream = await super().stream_response(**params)
                if phase == "create":  # the request is answered; our caller is still waiting
                    reached.set()
                    await release.wait()
                return stream

        async with SlowOpen(KEY, server.url) as client:
            task = asyncio.create_task(
                Bot().respond(client, model="gpt-4.1", input=WORDS, background=True)
            )
            with anyio.fail_after(10):
                await reached.wait()
            task.cancel()
            release.set()
            with pytest.raises(asyncio.CancelledError):
                await task
            (rid,) = server.responses
            assert server.cancelled == [rid]
            assert await wait_status(server, rid, "cancelled") == "cancelled"
        assert server.unfinished_responses() == []


async def test_native_cancel_while_the_create_request_is_in_flight() -> None:
    async with served(faults=Faults(delta_delay=0.01)) as (server, client):
        task = asyncio.create_task(
            Weather().respond(client, model="gpt-4.1", input=WORDS, background=True)
        )
        with anyio.fail_after(10):
            # The server's request log is the one sign that the request is in flight.
            while ("POST", "/v1/responses") not in server.requests:  # noqa: ASYNC110
                await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        (rid,) = server.responses
        assert server.cancelled == [rid]
        assert await wait_status(server, rid, "cancelled") == "cancelled"
        assert server.unfinished_responses() == []


async def test_cancel_while_tools_run_leaves_nothing_running() -> None:
    asked = anyio.Event()

    class Slow(Weather):
        @ae.tool
        async def get_weather(self, city: str) -> str:
            """Never answers in time."""
            asked.set()
            await anyio.sleep(30)
            return "late"

    async with served(script=[ONE_CITY, "done"]) as (server, client):
        task = asyncio.create_task(
            Slow().respond(client, model="gpt-4.1", input="x", background=True)
        )
        with anyio.fail_after(10):
            await asked.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        (rid,) = server.responses  # no second response was started
        assert server.responses[rid]["status"] == "completed" and call_ids(server) == []
        assert server.cancelled == [] and server.unfinished_responses() == []


async def test_anyio_cancel_scope_cancels_the_background_response() -> None:
    async with served(faults=Faults(delta_delay=0.01)) as (server, client):

        class Bot(Weather):
            @ae.on("response.output_text.delta")
            def stop(self, event: ae.Event) -> None:
                scope.cancel()

        with anyio.CancelScope() as scope:
            await Bot().respond(client, model="gpt-4.1", input=WORDS, background=True)
        (rid,) = server.responses
        assert server.cancelled == [rid]
        assert await wait_status(server, rid, "cancelled") == "cancelled"
        assert server.unfinished_responses() == []


async def test_a_failing_handler_cancels_the_background_response() -> None:
    class Broken(Weather):
        @ae.on("response.output_text.delta")
        def collect(self, event: ae.Event) -> None:
            raise ValueError("boom")

    async with served(faults=Faults(delta_delay=0.01)) as (server, client):
        with pytest.raises(ae.HandlerError) as caught:
            await Broken().respond(client, model="gpt-4.1", input=WORDS, background=True)
        (rid,) = server.responses
        assert caught.value.response_id == rid and caught.value.remote_cancel_sent
        assert await wait_status(server, rid, "cancelled") == "cancelled"
        assert server.unfinished_responses() == []


async def test_a_foreground_response_is_closed_not_cancelled() -> None:
    class Broken(Weather):
        @ae.on("response.output_text.delta")
        def collect(self, event: ae.Event) -> None:
            raise ValueError("boom")

    async with served() as (server, client):
        with pytest.raises(ae.HandlerError) as caught:
            await Broken().respond(client, model="gpt-4.1", input=WORDS)
    assert caught.value.remote_cancel_sent is False and server.cancelled == []
    assert ("POST", f"/v1/responses/{caught.value.response_id}/cancel") not in server.requests


async def test_a_cancel_the_server_refuses_leaves_the_original_error() -> None:
    class Broken(Weather):
        @ae.on("response.output_text.delta")
        def collect(self, event: ae.Event) -> None:
            server.fail_next(3, 503, paths=("/cancel",))  # the first try and two retries
            raise ValueError("boom")

    async with served(faults=Faults(delta_delay=0.01)) as (server, client):
        with pytest.raises(ae.HandlerError) as caught:
            await Broken().respond(client, model="gpt-4.1", input=WORDS, background=True)
        assert caught.value.remote_cancel_sent is False and "boom" in str(caught.value)
        (rid,) = server.responses
        await client.cancel_response(rid)  # tidy up: the storm is spent


# ------------------------------------------------------------------ storms


async def test_a_5xx_storm_on_create_is_retried_into_exactly_one_response() -> None:
    async with served() as (server, client):
        server.fail_next(2, 503, paths=("/responses",))
        result = await Weather().respond(client, model="gpt-4.1", input="hello")
    assert len(server.responses) == 1 and result.text == "Echo: hello"
    assert [m for m, p in server.requests if p == "/v1/responses"] == ["POST"] * 3


async def test_a_storm_longer_than_the_retries_creates_nothing() -> None:
    async with served() as (server, client):
        server.fail_next(10, 500, paths=("/responses",))
        with pytest.raises(ae.InternalServerError) as caught:
            await Weather().respond(client, model="gpt-4.1", input="hello", background=True)
    assert server.responses == {} and caught.value.response_id is None
    assert caught.value.remote_cancel_sent is False


async def test_no_log_line_or_error_carries_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="assistants_events")
    async with served(faults=Faults(delta_delay=0.01)) as (server, client):
        server.inject(Faults(drop_after=2), times=10)
        with pytest.raises(ae.ResumeFailed) as caught:
            await Weather().respond(client, model="gpt-4.1", input=WORDS, background=True,
                                    max_resumes=1)  # fmt: skip
    seen = [str(caught.value), repr(caught.value), str(caught.value.__cause__)]
    seen += [record.getMessage() for record in caplog.records]
    assert len(seen) > 3 and not [text for text in seen if KEY in text]


async def test_a_cancel_that_never_answers_is_abandoned_after_cancel_timeout() -> None:
    class Broken(Weather):
        @ae.on("response.output_text.delta")
        def collect(self, event: ae.Event) -> None:
            raise ValueError("boom")

    class Hanging(ae.AssistantsClient):
        async def cancel_response(self, response_id: str) -> Any:
            await anyio.sleep_forever()

    async with MockAssistantsServer(faults=Faults(delta_delay=0.01)) as server, \
            Hanging(KEY, server.url) as client:  # fmt: skip
        with anyio.fail_after(10), pytest.raises(ae.HandlerError) as caught:
            await Broken().respond(client, model="gpt-4.1", input=WORDS, background=True,
                                   cancel_timeout=0.05)  # fmt: skip
        assert caught.value.remote_cancel_sent is False
        await ae.AssistantsClient.cancel_response(client, caught.value.response_id or "")


async def test_cancel_during_the_next_rounds_create_cancels_that_response() -> None:
    reached, release = anyio.Event(), anyio.Event()

    async with served(script=[ONE_CITY, "s l o w l y done"],
                      faults=Faults(delta_delay=0.01)) as (server, _):  # fmt: skip

        class SecondOpenWaits(ae.AssistantsClient):
            opened = 0

            async def stream_response(self, **params: Any) -> ae.RunStream:
                stream = await super().stream_response(**params)
                self.opened += 1
                if self.opened == 2:  # the answer to the tool call is created; we wait
                    reached.set()
                    await release.wait()
                return stream

        async with SecondOpenWaits(KEY, server.url) as client:
            task = asyncio.create_task(
                Weather().respond(client, model="gpt-4.1", input="x", background=True)
            )
            with anyio.fail_after(10):
                await reached.wait()
            task.cancel()
            release.set()
            with pytest.raises(asyncio.CancelledError):
                await task
            first, second = server.responses
            assert server.cancelled == [second]
            assert await wait_status(server, second, "cancelled") == "cancelled"
            assert server.responses[first]["status"] == "completed"


async def test_a_failed_create_in_the_next_round_is_not_taken_for_a_drop() -> None:
    async with served(script=[ONE_CITY, "done"]) as (server, client):

        class FailSecond(Weather):
            async def call_tools(self, calls: list[ae.ToolCallRequest]) -> list[ae.ToolOutput]:
                server.fail_next(3, 500, paths=("/responses",))  # the create and its retries
                return await super().call_tools(calls)

        with pytest.raises(ae.InternalServerError) as caught:
            await FailSecond().respond(client, model="gpt-4.1", input="x", background=True)
    assert len(server.responses) == 1  # the second create never got through
    assert caught.value.response_id is None and not caught.value.remote_cancel_sent
    assert [m for m, p in server.requests if m == "GET"] == []  # nothing was "resumed"


async def test_local_cancel_of_a_foreground_response_closes_its_stream_only() -> None:
    reached = anyio.Event()

    class Bot(Weather):
        @ae.on("response.output_text.delta")
        def there(self, event: ae.Event) -> None:
            reached.set()

    async with served(faults=Faults(delta_delay=0.01)) as (server, client):
        task = asyncio.create_task(Bot().respond(client, model="gpt-4.1", input=WORDS))
        with anyio.fail_after(10):
            await reached.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert server.cancelled == [] and [m for m, _ in server.requests] == ["POST"]


async def test_a_create_that_never_answers_is_abandoned_after_cancel_timeout() -> None:
    entered, abandoned = anyio.Event(), anyio.Event()

    class NeverAnswers(ae.AssistantsClient):
        async def stream_response(self, **params: Any) -> ae.RunStream:
            entered.set()
            try:
                await anyio.sleep_forever()
            finally:
                abandoned.set()
            raise AssertionError("unreachable")  # pragma: no cover

    async with MockAssistantsServer() as server, NeverAnswers(KEY, server.url) as client:
        task = asyncio.create_task(
            Weather().respond(
                client, model="gpt-4.1", input="x", background=True, cancel_timeout=0.05
            )
        )
        with anyio.fail_after(10):
            await entered.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        with anyio.fail_after(10):
            await abandoned.wait()  # the request was cancelled, not left running


async def test_keepalives_numbered_among_the_events_resume_exactly_once() -> None:
    async with served() as (server, client):
        server.inject(Faults(drop_after=5, keepalive_every=2), times=3)
        bot = Weather()
        result = await bot.respond(client, model="gpt-4.1", input=WORDS, background=True)
    (rid,) = server.responses
    assert any(name == "keepalive" for name, _ in bot.seen)
    assert bot.sequence_numbers() == played(server, rid) and result.text == f"Echo: {WORDS}"
