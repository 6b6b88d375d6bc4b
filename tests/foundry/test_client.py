"""`AssistantsClient.foundry`: URL shape, api-version, Entra ID tokens, 401 handling."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import assistants_events as ae
from assistants_events.testing import MockAssistantsServer

from .creds import CountingCredential, FailingCredential

sys.path.insert(0, str(Path(__file__).parents[2] / "examples"))
from weather_bot import WeatherBot, forecaster


@pytest.fixture
async def server() -> AsyncIterator[MockAssistantsServer]:
    async with MockAssistantsServer(flavor="foundry", script=forecaster) as server:
        yield server


async def test_every_request_carries_the_api_version(server: MockAssistantsServer) -> None:
    async with ae.AssistantsClient.foundry(server.url, CountingCredential()) as client:
        assistant = await client.create_assistant("gpt-4o")
        thread = await client.create_thread([{"role": "user", "content": "hi"}])
        await client.list_messages(thread.id, limit=5)
        await client.retrieve_assistant(assistant.id)
    assert len(server.request_urls) == 4
    assert all(url.endswith("api-version=v1") for url in server.request_urls)


async def test_a_chosen_api_version_is_sent(server: MockAssistantsServer) -> None:
    client = ae.AssistantsClient.foundry(server.url, "tok", api_version="2025-05-15-preview")
    async with client:
        await client.list_assistants()
    assert server.request_urls == [
        "/api/projects/mock-project/assistants?api-version=2025-05-15-preview"
    ]


async def test_requests_carry_a_bearer_token_and_no_openai_beta_header(
    server: MockAssistantsServer,
) -> None:
    async with ae.AssistantsClient.foundry(server.url, CountingCredential()) as client:
        await client.list_assistants()
    [headers] = server.request_headers
    assert headers["Authorization"] == "Bearer tok-1"
    assert "OpenAI-Beta" not in headers and "api-key" not in headers


async def test_the_weather_bot_runs_unchanged_against_foundry() -> None:
    out = io.StringIO()
    bot = WeatherBot(out=out, color=False)
    async with (
        MockAssistantsServer(flavor="foundry", script=forecaster) as server,
        ae.AssistantsClient.foundry(server.url, CountingCredential()) as client,
    ):
        assistant = await client.create_assistant("gpt-4o", tools=bot.tool_definitions())
        result = await bot.run(
            client, assistant_id=assistant.id,
            messages=[{"role": "user", "content": "Weather in Paris and Tokyo?"}],
        )  # fmt: skip
    assert result.run is not None and result.run.status == "completed"
    assert "18°C and clear in Paris; 22°C and clear in Tokyo" in result.text
    assert "run completed" in out.getvalue()
    assert any(u.split("?")[0].endswith("/submit_tool_outputs") for u in server.request_urls)
    assert all(url.endswith("api-version=v1") for url in server.request_urls)


async def test_the_tls_mock_is_reached_with_its_ca_and_refused_without() -> None:
    async with MockAssistantsServer(flavor="foundry", tls=True) as server:
        assert server.url.startswith("https://")
        trusted = ae.AssistantsClient.foundry(
            server.url, "t", ssl_context=server.client_ssl_context()
        )
        async with trusted:
            assert (await trusted.list_assistants()).data == []
        async with ae.AssistantsClient.foundry(server.url, "t", max_retries=0) as untrusted:
            with pytest.raises(ae.APIConnectionError):
                await untrusted.list_assistants()


async def test_a_refused_token_is_renewed_once_and_the_request_retried(
    server: MockAssistantsServer,
) -> None:
    credential = CountingCredential()
    async with ae.AssistantsClient.foundry(server.url, credential) as client:
        await client.list_assistants()
        server.expire_token("tok-1")
        await client.list_assistants()
    assert len(credential.calls) == 2
    assert [h["Authorization"] for h in server.request_headers] == [
        "Bearer tok-1", "Bearer tok-1", "Bearer tok-2",
    ]  # fmt: skip


async def test_a_token_refused_twice_is_an_authentication_error_without_a_storm(
    server: MockAssistantsServer,
) -> None:
    credential = CountingCredential()
    server.expire_token("tok-1")
    server.expire_token("tok-2")
    async with ae.AssistantsClient.foundry(server.url, credential, max_retries=5) as client:
        with pytest.raises(ae.AuthenticationError) as caught:
            await client.list_assistants()
    assert caught.value.status == 401
    assert len(server.requests) == 2 and len(credential.calls) == 2
    assert "Azure AI User" in str(caught.value)


async def test_an_expired_static_token_fails_at_once(server: MockAssistantsServer) -> None:
    server.expire_token("old-token")
    async with ae.AssistantsClient.foundry(server.url, "old-token") as client:
        with pytest.raises(ae.AuthenticationError, match="DefaultAzureCredential"):
            await client.list_assistants()
    assert len(server.requests) == 1


async def test_a_credential_that_cannot_sign_in_sends_nothing(
    server: MockAssistantsServer,
) -> None:
    async with ae.AssistantsClient.foundry(server.url, FailingCredential()) as client:
        with pytest.raises(ae.AuthenticationError, match="could not get a token"):
            await client.list_assistants()
    assert server.requests == []


async def test_a_credential_that_gives_no_token_in_time_is_an_error_and_sends_nothing(
    server: MockAssistantsServer,
) -> None:
    slow = CountingCredential(delay=60)
    async with ae.AssistantsClient.foundry(server.url, slow, timeout=0.1) as client:
        with pytest.raises(ae.AuthenticationError, match="no token within"):
            await client.create_thread([])
    assert server.requests == []


async def test_no_token_in_any_log_line_or_error(
    server: MockAssistantsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    credential = CountingCredential(prefix="s3cr3t")
    server.expire_token("s3cr3t-1")
    server.expire_token("s3cr3t-2")
    client = ae.AssistantsClient.foundry(server.url, credential, max_retries=0)
    async with client:
        with pytest.raises(ae.AuthenticationError) as caught:
            await client.list_assistants()
    assert caplog.records
    texts = [r.getMessage() for r in caplog.records] + [str(caught.value), repr(client)]
    assert not [t for t in texts if "s3cr3t" in t]


def test_foundry_refuses_an_api_key() -> None:
    with pytest.raises(ae.ConfigurationError, match="api_key"):
        ae.AssistantsClient.foundry("https://x.services.ai.azure.com/api/projects/p", "t",
                                    api_key="sk")  # fmt: skip
