"""Malformed HTTP answers to a Foundry client: typed errors, the bearer token in none of them.

An Entra ID token is a JWT, not an `sk-` key: only the transport's knowledge of the
token in use (`RequestAuth.secrets()`) and the `Authorization: Bearer` pattern keep
it out of error texts.  The raw servers of `tests/test_transport_malformed.py` echo
the request (its `Authorization` header) back in broken ways.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

import assistants_events as ae
from assistants_events.transport import describe_failure
from tests.test_transport_malformed import MALFORMED, chain, raw_server

from .creds import CountingCredential

TOKEN = "eyJ0eXAiOiJKV1Qi.eyJhdWQiOiJhaSJ9.Zm91bmRyeS1zZWNyZXQ"
CASES: dict[str, Callable[[bytes], bytes]] = {
    **MALFORMED,
    "status line echoing the token": lambda req: (
        b"HTTP/1.1 2x0 " + req.split(b"Bearer ")[1].split(b"\r\n")[0] + b"\r\n\r\n"
    ),
}


def assert_no_token(exc: BaseException, caplog: pytest.LogCaptureFixture, token: str) -> None:
    prefix = token[:12]  # not even a cut-off beginning of it
    for item in chain(exc):
        for text in (str(item), repr(item), repr(item.args), repr(vars(item))):
            assert prefix not in text, f"token in {type(item).__name__}: {text[:200]}"
    assert prefix not in caplog.text
    for record in caplog.records:
        assert prefix not in record.getMessage() + repr(record.args)


@pytest.mark.parametrize("kind", sorted(CASES))
async def test_a_malformed_answer_to_a_foundry_request_never_shows_the_token(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with raw_server(CASES[kind]) as url:
        client = ae.AssistantsClient.foundry(url, TOKEN, max_retries=1)
        async with client:
            with pytest.raises(ae.AssistantsEventsError) as info:
                await client.retrieve_run("thread_1", "run_1")
    assert_no_token(info.value, caplog, TOKEN)


@pytest.mark.parametrize("kind", sorted(CASES))
async def test_a_malformed_answer_during_a_driven_foundry_run_never_shows_the_token(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    credential = CountingCredential(prefix=TOKEN)
    async with (
        raw_server(CASES[kind]) as url,
        ae.AssistantsClient.foundry(url, credential, max_retries=1) as client,
    ):
        with pytest.raises(ae.AssistantsEventsError) as info:
            await ae.EventHandler().run(client, thread_id="thread_1", assistant_id="asst_1")
    assert_no_token(info.value, caplog, TOKEN)


def test_a_bearer_token_after_an_authorization_key_is_scrubbed() -> None:
    text = describe_failure(ValueError(f"{{'Authorization': 'Bearer {TOKEN}'}}"))
    assert TOKEN not in text and "'Authorization': 'Bearer ***'" in text


def test_the_tokens_of_a_request_auth_are_scrubbed_wherever_they_appear() -> None:
    text = describe_failure(ValueError(f"echo {TOKEN}"), None, [TOKEN])
    assert text == "ValueError: echo ***"
