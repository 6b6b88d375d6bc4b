from __future__ import annotations

from pathlib import Path

import pytest

import assistants_events as ae

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def sse(event: str, data: str) -> bytes:
    return f"event: {event}\ndata: {data}\n\n".encode()


@pytest.fixture
def text_run() -> bytes:
    return fixture_bytes("text_run.sse")


@pytest.fixture
def tool_call_run() -> bytes:
    return fixture_bytes("tool_call_run.sse")


@pytest.fixture
def after_tool_outputs() -> bytes:
    return fixture_bytes("after_tool_outputs.sse")


@pytest.fixture
def code_interpreter_run() -> bytes:
    return fixture_bytes("code_interpreter_run.sse")


def client_for(url: str, key: str = "test-key", **options: object) -> ae.AssistantsClient:
    """A client with near-instant retries, so fault tests stay fast."""
    settings: dict[str, object] = {"backoff_base": 0.001, "backoff_max": 0.01, **options}
    return ae.AssistantsClient(key, url, **settings)  # type: ignore[arg-type]
