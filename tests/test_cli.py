"""The assistants-events command: check, replay, record, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistants_events.cli import main
from tests.conftest import FIXTURES

ROOT = Path(__file__).parent.parent


def test_check_accepts_a_valid_stream(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(FIXTURES / "tool_call_run.sse")]) == 0
    out = capsys.readouterr().out
    assert "12  thread.run.step.delta" in out and "OK" in out


def test_check_reports_each_violation_with_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = (FIXTURES / "text_run.sse").read_bytes().split(b"\n\n")
    bad = tmp_path / "bad.sse"
    bad.write_bytes(b"\n\n".join([events[0], events[2], events[1], *events[3:]]))
    assert main(["check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "INVALID event 3 (line 7): run run_abc123: in_progress -> queued" in out


def test_check_reports_a_truncated_stream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (FIXTURES / "text_run.sse").read_bytes()
    cut = tmp_path / "cut.sse"
    cut.write_bytes(body[: body.index(b"event: thread.message.completed")])
    assert main(["check", str(cut)]) == 1
    assert "stream ended without 'done'" in capsys.readouterr().out


def test_check_reports_undecodable_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.sse"
    bad.write_bytes(b"event: thread.run.created\ndata: {oops\n\n")
    assert main(["check", str(bad)]) == 1
    assert "invalid JSON" in capsys.readouterr().out


def test_replay_prints_the_text_of_several_streams(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "both.sse"
    path.write_bytes(b"".join(
        (FIXTURES / name).read_bytes() for name in ("tool_call_run.sse", "after_tool_outputs.sse")
    ))  # fmt: skip
    assert main(["replay", str(path)]) == 0
    assert capsys.readouterr().out == "It is sunny in Paris and rainy in Tokyo.\n"


def test_replay_with_a_handler_class(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module = tmp_path / "my_handlers.py"
    module.write_text(
        "import assistants_events as ae\n"
        "class Names(ae.EventHandler):\n"
        "    @ae.on('thread.run.*')\n"
        "    def show(self, event):\n"
        "        print(event.name)\n"
    )
    assert main(["replay", str(FIXTURES / "tool_call_run.sse"),
                 "--handler", f"{module}:Names"]) == 0  # fmt: skip
    assert capsys.readouterr().out.splitlines()[-1] == "thread.run.requires_action"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["replay", "/no/such/file.sse"], "cannot read /no/such/file.sse"),
        (["check", "/no/such/file.sse"], "cannot read"),
        (
            ["replay", str(FIXTURES / "text_run.sse"), "--handler", "nosuchmodule:X"],
            "cannot import",
        ),
        (["replay", str(FIXTURES / "text_run.sse"), "--handler", "json"], "module:Class"),
        (
            ["replay", str(FIXTURES / "text_run.sse"), "--handler", "json:dumps"],
            "not an EventHandler",
        ),
    ],
)
def test_bad_paths_are_clear_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_record_then_replay_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "run.sse"
    assert main(["record", str(target), "--prompt", "round trip"]) == 0
    capsys.readouterr()
    assert main(["check", str(target)]) == 0
    assert main(["replay", str(target)]) == 0
    assert "Echo: round trip" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["demo", "replay", "check", "record", "mock-server"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0 and "usage: assistants-events" in capsys.readouterr().out


def test_demo_runs_as_a_module_and_exits_zero() -> None:
    done = subprocess.run([sys.executable, "-m", "assistants_events", "demo"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "get_weather" in done.stdout and "run completed" in done.stdout
    assert "\033[" not in done.stdout  # no colour when the output is not a terminal
