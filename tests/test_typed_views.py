"""Typed views on events: `event.run`, `event.message`, ... give a model or None."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import assistants_events as ae
from tests.conftest import fixture_bytes


async def test_each_view_answers_only_its_own_events(tool_call_run: bytes) -> None:
    views: dict[str, set[str]] = {}

    class Bot(ae.EventHandler):
        @ae.on("*")
        def look(self, event: ae.Event) -> None:
            for key in ("run", "step", "step_delta", "message", "message_delta", "thread"):
                if getattr(event, key) is not None:
                    views.setdefault(key, set()).add(event.name)

    await Bot().consume(tool_call_run)
    assert all(name.startswith("thread.run.") and ".step." not in name for name in views["run"])
    assert views["step_delta"] == {"thread.run.step.delta"}
    assert all(".step." in name and name != "thread.run.step.delta" for name in views["step"])


async def test_the_run_view_is_a_typed_run(tool_call_run: bytes) -> None:
    runs: list[ae.Run] = []

    class Bot(ae.EventHandler):
        @ae.on("thread.run.requires_action")
        def look(self, event: ae.Event) -> None:
            assert event.run is not None
            runs.append(event.run)

    await Bot().consume(tool_call_run)
    assert runs and runs[0].status == "requires_action" and runs[0].tool_calls


async def test_the_error_view_reads_a_nested_error() -> None:
    seen: list[ae.ErrorObject | None] = []

    class Bot(ae.EventHandler):
        @ae.on("error")
        def look(self, event: ae.Event) -> None:
            seen.append(event.error)

    body = b'event: error\ndata: {"error": {"message": "boom", "code": "server_error"}}\n\n'
    with pytest.raises(ae.StreamError, match="boom"):
        await Bot().consume(body)
    assert seen == [ae.ErrorObject(message="boom", code="server_error")]


@pytest.mark.slow
def test_mypy_strict_follows_the_views_in_user_code(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(
        textwrap.dedent("""
        import assistants_events as ae

        class Bot(ae.EventHandler):
            @ae.on("thread.run.completed")
            def done(self, event: ae.Event) -> None:
                run = event.run
                if run is not None:
                    status: str = run.status
                    tokens: int = run.usage.total_tokens if run.usage else 0
                    print(status, tokens)

            @ae.tool
            async def get_weather(self, city: str) -> str:
                return city

        reveal_type(Bot.get_weather)
    """)
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(app)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert "error" not in done.stdout.replace("Success", ""), done.stdout
    assert re.search(r"def \(self: app\.Bot, city: (builtins\.)?str\)", done.stdout), done.stdout


async def test_response_and_item_views_on_a_responses_stream() -> None:
    body = fixture_bytes("genuine/responses/function_call_single_gpt51.sse")
    responses: list[str] = []
    items: list[str] = []

    class Bot(ae.EventHandler):
        @ae.on("response.*")
        def look(self, event: ae.Event) -> None:
            if event.response is not None:
                responses.append(event.response.status or "")

        @ae.on("response.output_item.done")
        def done(self, event: ae.Event) -> None:
            assert event.item is not None and event.run is None
            items.append(type(event.item).__name__)

    await Bot().consume(body)
    assert responses[-1] == "completed" and "FunctionCall" in items
