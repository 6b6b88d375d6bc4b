"""Each example runs with no arguments against the embedded mock server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"


def run_example(name: str, stdin: str = "") -> str:
    done = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py")], input=stdin,
                          capture_output=True, text=True, timeout=90)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_weather_bot_calls_both_tools_and_answers() -> None:
    out = run_example("weather_bot")
    assert "get_weather" in out and "18°C and clear in Paris; 22°C and clear in Tokyo" in out


def test_chat_cli_keeps_a_multi_turn_conversation() -> None:
    out = run_example("chat_cli", "hello there\nsecond turn\n")
    assert "Echo: hello there" in out and "Echo: second turn" in out
    assert "2 turn(s), 4 message(s)" in out


def test_concurrent_runs_all_complete() -> None:
    assert "{'completed': 50}" in run_example("concurrent_runs")


def test_cancel_run_leaves_the_server_run_cancelled() -> None:
    assert "on the server: cancelled" in run_example("cancel_run")


def test_router_service_streams_answers_over_http() -> None:
    out = run_example("router_service")
    assert "company_hours said closed" in out and "Echo: Is anybody there?" in out


def test_foundry_agent_answers_the_weather_and_an_approved_mcp_call() -> None:
    out = run_example("foundry_agent")
    assert "4°C and clear in Oslo" in out
    assert "github.search_azure_rest_api_docs" in out and "approved" in out
    assert out.count("run completed") == 2


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.py")))
def test_every_example_is_tested(name: str) -> None:
    assert f'run_example("{name}"' in Path(__file__).read_text()


def test_web_sse_serves_the_answer_to_a_browser_as_server_sent_events() -> None:
    out = run_example("web_sse")
    assert "browser read: Tool results: local_time said 12:00 in Paris" in out
