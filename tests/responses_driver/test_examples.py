"""Each Responses example (examples/responses/) runs with no arguments against the mock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent.parent / "examples"


def run_example(name: str, *args: str, stdin: str = "") -> str:
    done = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), *args], input=stdin,
                          capture_output=True, text=True, timeout=90)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_weather_bot_runs_on_either_protocol() -> None:
    for api in ("responses", "assistants"):
        out = run_example("weather_bot", "--api", api)
        assert "18°C and clear in Paris; 22°C and clear in Tokyo" in out, api


def test_chat_cli_continues_each_previous_response() -> None:
    out = run_example("responses/chat_cli_responses", stdin="hello there\nsecond turn\n")
    assert "Echo: hello there" in out and "Echo: second turn" in out
    assert "2 turn(s), 2 response(s) in the chain" in out


def test_concurrent_responses_all_complete() -> None:
    assert "{'completed': 50}" in run_example("responses/concurrent_responses")


def test_cancel_response_leaves_the_server_response_cancelled() -> None:
    assert "on the server: cancelled" in run_example("responses/cancel_response")


def test_router_service_streams_answers_over_http() -> None:
    out = run_example("responses/router_service_responses")
    assert "company_hours said closed" in out and "Echo: Is anybody there?" in out


def test_web_sse_serves_the_answer_to_a_browser() -> None:
    assert "local_time said 12:00 in Paris" in run_example("responses/web_sse_responses")


@pytest.mark.parametrize("name", sorted(p.stem for p in (EXAMPLES / "responses").glob("*.py")))
def test_every_responses_example_is_tested(name: str) -> None:
    assert f'run_example("responses/{name}"' in Path(__file__).read_text()
