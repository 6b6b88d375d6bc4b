from __future__ import annotations

from pathlib import Path

import pytest

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
