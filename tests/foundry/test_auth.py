"""FoundryAuth: Entra ID tokens cached, renewed before expiry, never shown."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import pytest

import assistants_events as ae
from assistants_events.assistants.foundry import FOUNDRY_SCOPE, FoundryAuth

from .creds import AccessToken, Clock, CountingCredential, FailingCredential


async def test_token_is_fetched_for_the_foundry_scope() -> None:
    credential = CountingCredential()
    auth = FoundryAuth(credential)
    assert await auth.authorization() == "Bearer tok-1"
    assert credential.calls == [(FOUNDRY_SCOPE,)]
    assert FOUNDRY_SCOPE == "https://ai.azure.com/.default"


async def test_token_is_cached_while_more_than_five_minutes_remain() -> None:
    clock = Clock()
    credential = CountingCredential(clock, lifetime=3600)
    auth = FoundryAuth(credential, clock=clock)
    await auth.authorization()
    clock.now += 3600 - 301
    assert await auth.authorization() == "Bearer tok-1"
    assert len(credential.calls) == 1


async def test_token_is_renewed_when_less_than_five_minutes_remain() -> None:
    clock = Clock()
    credential = CountingCredential(clock, lifetime=3600)
    auth = FoundryAuth(credential, clock=clock)
    await auth.authorization()
    clock.now += 3600 - 299
    assert await auth.authorization() == "Bearer tok-2"
    assert len(credential.calls) == 2


async def test_concurrent_requests_share_one_token_fetch() -> None:
    credential = CountingCredential(delay=0.01)
    auth = FoundryAuth(credential)
    seen: list[str] = []

    async def one() -> None:
        seen.append(await auth.authorization())

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(one)
    assert seen == ["Bearer tok-1"] * 20
    assert len(credential.calls) == 1


async def test_many_401s_for_one_token_share_one_renewal() -> None:
    credential = CountingCredential(delay=0.01)
    auth = FoundryAuth(credential)
    rejected = await auth.headers()
    answers: list[bool] = []

    async def one() -> None:
        answers.append(await auth.renew(rejected))

    async with anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(one)
    assert answers == [True] * 10
    assert len(credential.calls) == 2
    assert await auth.authorization() == "Bearer tok-2"


async def test_a_static_token_is_used_as_is_and_never_renewed() -> None:
    auth = FoundryAuth("static-secret")
    assert await auth.authorization() == "Bearer static-secret"
    assert await auth.renew({"Authorization": "Bearer static-secret"}) is False
    assert not auth.renewable


async def test_renew_is_refused_when_the_credential_returns_the_same_token() -> None:
    class Stubborn(CountingCredential):
        async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            await super().get_token(*scopes)
            return AccessToken("same", 2_000_000_000)

    auth = FoundryAuth(Stubborn())
    rejected = await auth.headers()
    assert await auth.renew(rejected) is False


def test_an_empty_token_string_is_a_configuration_error() -> None:
    with pytest.raises(ae.ConfigurationError, match="token is empty"):
        FoundryAuth("  ")


def test_an_object_without_get_token_is_a_configuration_error() -> None:
    with pytest.raises(ae.ConfigurationError, match="get_token"):
        FoundryAuth(42)  # type: ignore[arg-type]


async def test_a_failing_credential_gives_a_typed_authentication_error() -> None:
    auth = FoundryAuth(FailingCredential())
    with pytest.raises(ae.AuthenticationError, match="FailingCredential could not get a token"):
        await auth.authorization()


async def test_a_credential_returning_no_token_gives_an_authentication_error() -> None:
    class Empty:
        async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            return AccessToken("", 2_000_000_000)

    with pytest.raises(ae.AuthenticationError, match="returned no token"):
        await FoundryAuth(Empty()).authorization()


async def test_the_token_never_shows_in_repr_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    clock = Clock()
    auth = FoundryAuth(CountingCredential(clock, lifetime=-10, prefix="s3cr3t"), clock=clock)
    header = await auth.authorization()
    assert "s3cr3t" in header
    assert "s3cr3t" not in repr(auth)
    assert "s3cr3t" not in repr(auth._token)
    assert caplog.records, "the fetch and the expired token are logged"
    assert all("s3cr3t" not in r.getMessage() for r in caplog.records)
    static = FoundryAuth("s3cr3t-static")
    assert "s3cr3t" not in repr(static) and "s3cr3t" not in str(static)
