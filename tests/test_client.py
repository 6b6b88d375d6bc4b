"""AssistantsClient against real HTTP on 127.0.0.1: endpoints, retries, typed errors, secrets."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator

import anyio
import pytest
from aiohttp import web

import assistants_events as ae
from assistants_events import models as m
from assistants_events.testing import Faults, MockAssistantsServer
from tests.conftest import client_for as make_client

KEY = "sk-test-SECRET-123456789"


@pytest.fixture
async def server() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer() as mock:
        yield mock


def client_for(url: str, **options: object) -> ae.AssistantsClient:
    return make_client(url, KEY, **options)


@pytest.fixture
async def client(server: MockAssistantsServer) -> AsyncIterator[ae.AssistantsClient]:
    async with client_for(server.url) as c:
        yield c


class HeaderEcho:
    """A tiny server that records what the client sends."""

    def __init__(self) -> None:
        self.seen: list[web.Request] = []

    async def __aenter__(self) -> str:
        async def echo(request: web.Request) -> web.Response:
            self.seen.append(request)
            return web.json_response({"id": "thread_1", "object": "thread", "created_at": 1})

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", echo)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}/v1"

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()


async def test_sends_bearer_key_and_assistants_beta_header() -> None:
    echo = HeaderEcho()
    async with echo as url, client_for(url) as client:
        await client.retrieve_thread("thread_1")
    headers = echo.seen[0].headers
    assert headers["Authorization"] == f"Bearer {KEY}"
    assert headers["OpenAI-Beta"] == "assistants=v2"


async def test_azure_style_sends_api_key_header_and_version() -> None:
    echo = HeaderEcho()
    async with echo as url, client_for(url, azure=True, api_version="2024-05-01") as client:
        await client.retrieve_thread("thread_1")
    request = echo.seen[0]
    assert request.headers["api-key"] == KEY and "Authorization" not in request.headers
    assert request.query["api-version"] == "2024-05-01"


async def test_one_session_is_reused_for_every_call() -> None:
    echo = HeaderEcho()
    async with echo as url, client_for(url) as client:
        await client.retrieve_thread("thread_1")
        session = client._session
        await client.retrieve_thread("thread_1")
        assert client._session is session


def test_key_and_base_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/")
    client = ae.AssistantsClient()
    assert client.base_url == "http://127.0.0.1:9/v1"


def test_default_base_url_is_the_public_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert ae.AssistantsClient(api_key=KEY).base_url == "https://api.openai.com/v1"


def test_missing_key_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ae.ConfigurationError, match="OPENAI_API_KEY"):
        ae.AssistantsClient()


async def test_assistant_crud(client: ae.AssistantsClient) -> None:
    created = await client.create_assistant("gpt-4o", name="Weather", instructions="Be brief.")
    assert isinstance(created, ae.Assistant) and created.name == "Weather"
    updated = await client.update_assistant(created.id, name="Climate")
    assert (await client.retrieve_assistant(created.id)).name == updated.name == "Climate"
    assert [a.id for a in (await client.list_assistants()).data] == [created.id]
    assert (await client.delete_assistant(created.id)).deleted
    with pytest.raises(ae.NotFoundError):
        await client.retrieve_assistant(created.id)


async def test_thread_with_messages_and_message_pages(client: ae.AssistantsClient) -> None:
    thread = await client.create_thread(messages=[{"role": "user", "content": "one"}])
    for text in ("two", "three", "four", "five"):
        await client.create_message(thread.id, text)
    page = await client.list_messages(thread.id, limit=2, order="asc")
    assert [m.text for m in page.data] == ["one", "two"] and page.has_more
    later = await client.list_messages(thread.id, limit=2, order="asc", after=page.last_id)
    assert [m.text for m in later.data] == ["three", "four"]
    everything = [m.text async for m in client.iter_messages(thread.id, limit=2, order="asc")]
    assert everything == ["one", "two", "three", "four", "five"]
    first = page.data[0]
    assert (await client.retrieve_message(thread.id, first.id)).text == "one"
    assert (await client.delete_thread(thread.id)).deleted


async def test_non_streamed_run_steps_and_list(client: ae.AssistantsClient) -> None:
    assistant = await client.create_assistant("gpt-4o")
    thread = await client.create_thread(messages=[{"role": "user", "content": "hi"}])
    run = await client.create_run(thread.id, assistant.id)
    assert run.status == "queued"
    done = await client.retrieve_run(thread.id, run.id)
    assert done.status == "completed" and done.usage is not None
    assert [r.id for r in (await client.list_runs(thread.id)).data] == [run.id]
    steps = (await client.list_run_steps(thread.id, run.id)).data
    assert isinstance(steps[0].step_details, m.MessageCreationDetails)


async def test_streamed_run_yields_sse_bytes(client: ae.AssistantsClient) -> None:
    assistant = await client.create_assistant("gpt-4o")
    thread = await client.create_thread(messages=[{"role": "user", "content": "hi"}])
    async with await client.stream_run(thread.id, assistant.id) as stream:
        result = await ae.EventHandler().consume(stream)
    assert result.text == "Echo: hi" and result.done


async def test_5xx_is_retried_then_succeeds(server: MockAssistantsServer) -> None:
    server.fail_next(2, 503)
    async with client_for(server.url, max_retries=2) as client:
        assistant = await client.create_assistant("gpt-4o")
    assert assistant.id and client.retries_made == 2


async def test_429_waits_for_retry_after(server: MockAssistantsServer) -> None:
    server.fail_next(1, 429, retry_after=0.02)
    delays: list[float] = []
    async with client_for(server.url) as client:
        original = client._backoff
        client._backoff = lambda attempt, hint: delays.append(hint or -1) or original(attempt, hint)  # type: ignore[func-returns-value,method-assign]
        await client.create_assistant("gpt-4o")
    assert delays == [0.02]


async def test_gives_up_after_max_retries_with_a_typed_error(server: MockAssistantsServer) -> None:
    server.fail_next(5, 502)
    async with client_for(server.url, max_retries=3) as client:
        with pytest.raises(ae.InternalServerError) as info:
            await client.create_assistant("gpt-4o")
    assert info.value.status == 502 and client.retries_made == 3
    assert server.requests.count(("POST", "/v1/assistants")) == 4


async def test_quota_exceeded_is_not_retried(server: MockAssistantsServer) -> None:
    server.fail_next(3, 429, code="insufficient_quota")
    async with client_for(server.url, max_retries=3) as client:
        with pytest.raises(ae.QuotaExceededError):
            await client.create_assistant("gpt-4o")
    assert client.retries_made == 0


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, ae.BadRequestError), (403, ae.PermissionDeniedError), (404, ae.NotFoundError),
     (409, ae.ConflictError), (422, ae.UnprocessableEntityError)],
)  # fmt: skip
async def test_client_errors_are_typed_and_not_retried(
    server: MockAssistantsServer, status: int, error: type[ae.APIError]
) -> None:
    server.fail_next(1, status, code="some_code")
    async with client_for(server.url) as client:
        with pytest.raises(error) as info:
            await client.create_assistant("gpt-4o")
    assert (info.value.status, info.value.code, client.retries_made) == (status, "some_code", 0)


async def test_wrong_key_is_an_authentication_error() -> None:
    async with MockAssistantsServer(api_key="right") as server, client_for(server.url) as client:
        with pytest.raises(ae.AuthenticationError, match="check the API key"):
            await client.create_assistant("gpt-4o")


async def test_unreachable_server_is_a_connection_error_after_retries() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with client_for(f"http://127.0.0.1:{port}/v1", max_retries=2) as client:
        with pytest.raises(ae.APIConnectionError, match="cannot reach"):
            await client.create_assistant("gpt-4o")
    assert client.retries_made == 2


async def test_stream_dropped_mid_way_is_a_connection_error_and_not_retried(
    server: MockAssistantsServer, client: ae.AssistantsClient
) -> None:
    assistant = await client.create_assistant("gpt-4o")
    thread = await client.create_thread(messages=[{"role": "user", "content": "a b c d e"}])
    server.inject(Faults(drop_after=6))
    with pytest.raises(ae.APIConnectionError, match="broke after"):
        async with await client.stream_run(thread.id, assistant.id) as stream:
            await ae.EventHandler().consume(stream)
    assert server.requests.count(("POST", f"/v1/threads/{thread.id}/runs")) == 1


async def test_silent_stream_raises_stream_timeout(server: MockAssistantsServer) -> None:
    async with client_for(server.url, idle_timeout=0.2) as client:
        assistant = await client.create_assistant("gpt-4o")
        thread = await client.create_thread(messages=[{"role": "user", "content": "hi"}])
        server.inject(Faults(stall_after=3, stall_seconds=10))
        with pytest.raises(ae.StreamTimeout, match=r"nothing for 0\.2s"):
            async with await client.stream_run(thread.id, assistant.id) as stream:
                await ae.EventHandler().consume(stream)


async def test_stream_slower_than_idle_timeout_overall_is_not_cut_while_bytes_keep_coming(
    server: MockAssistantsServer,
) -> None:
    # idle_timeout bounds each silence, not the stream: 20 deltas 0.05 s apart take
    # longer than the bound, and none of the gaps does.
    words = " ".join(f"w{i}" for i in range(20))
    async with client_for(server.url, idle_timeout=0.4) as client:
        assistant = await client.create_assistant("gpt-4o")
        thread = await client.create_thread(messages=[{"role": "user", "content": words}])
        server.inject(Faults(delta_delay=0.05))
        async with await client.stream_run(thread.id, assistant.id) as stream:
            result = await ae.EventHandler().consume(stream)
    assert result.text == f"Echo: {words}"


async def test_read_cancelled_while_waiting_leaves_no_alarm_to_fail_later_requests(
    server: MockAssistantsServer,
) -> None:
    started = anyio.Event()

    class Watch(ae.EventHandler):
        @ae.on("thread.run.created")
        def created(self, event: ae.Event) -> None:
            started.set()

    async with client_for(server.url, idle_timeout=0.2) as client:
        assistant = await client.create_assistant("gpt-4o")
        thread = await client.create_thread(messages=[{"role": "user", "content": "a b"}])
        server.inject(Faults(stall_after=2, stall_seconds=10))

        async def read() -> None:
            async with await client.stream_run(thread.id, assistant.id) as stream:
                await Watch().consume(stream)

        async with anyio.create_task_group() as group:
            group.start_soon(read)
            await started.wait()
            await anyio.sleep(0.05)  # the read now waits on the silent stream
            group.cancel_scope.cancel()
        await anyio.sleep(0.3)  # past the idle bound of the abandoned read
        fetched = await client.retrieve_assistant(assistant.id)
    assert fetched.id == assistant.id


async def test_api_key_never_shows(
    server: MockAssistantsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    server.fail_next(1, 500)
    async with client_for(server.url) as client:
        texts.append(repr(client))
        texts.append(str(client.__dict__))
        await client.create_assistant("gpt-4o")
        try:
            await client.retrieve_thread("thread_missing")
        except ae.APIError as exc:
            texts.extend([str(exc), repr(exc), repr(exc.__dict__)])
    texts.extend(r.getMessage() for r in caplog.records)
    assert texts and not any(KEY in t or "SECRET" in t for t in texts)
