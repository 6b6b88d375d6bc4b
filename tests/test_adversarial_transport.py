"""Adversarial checks of the transport: the key in no error, whatever the server sends."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

import assistants_events as ae
from tests.conftest import client_for
from tests.test_transport_malformed import KEY, assert_no_key, raw_server


def _answer(status: bytes, content_type: bytes, body: bytes) -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\nContent-Type: " + content_type
        + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )  # fmt: skip


def echo_header_in_json_error(request: bytes) -> bytes:
    """A proxy's 401 quoting the header it rejected, as some gateways do."""
    line = next(line for line in request.split(b"\r\n") if b"Bearer" in line)
    error = {"error": {"message": f"Invalid header: {line.decode()}", "type": "auth_error"}}
    return _answer(b"401 Unauthorized", b"application/json", json.dumps(error).encode())


def echo_request_in_text_error(request: bytes) -> bytes:
    """A 400 whose plain-text body dumps the request it could not parse."""
    return _answer(b"400 Bad Request", b"text/plain", b"cannot parse: " + request[:400])


@pytest.mark.parametrize("answer", [echo_header_in_json_error, echo_request_in_text_error])
async def test_an_error_body_echoing_the_key_does_not_leak_it(
    answer: Callable[[bytes], bytes], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with raw_server(answer) as url, client_for(url, KEY, max_retries=0) as client:
        with pytest.raises(ae.APIError) as info:
            await client.retrieve_run("thread_1", "run_1")
    assert_no_key(info.value, caplog)
