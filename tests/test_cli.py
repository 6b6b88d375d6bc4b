"""The assistants-events command: check, replay, record, demo, help pages, errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import assistants_events as ae
from assistants_events.cli import build_parser, main
from assistants_events.testing import Faults, MockAssistantsServer
from tests.conftest import FIXTURES

ROOT = Path(__file__).parent.parent
COMMANDS = ["demo", "replay", "check", "record", "mock-server"]
# Handler modules as users write them: one imports a module that sits beside it.
NAMES_HANDLER = """\
import assistants_events as ae
from my_prefix import PREFIX

class Names(ae.EventHandler):
    @ae.on("thread.run.*")
    def show(self, event):
        print(PREFIX + event.name)
"""
TOOL_HANDLER = """\
import assistants_events as ae

class Tools(ae.EventHandler):
    @ae.tool
    def lookup(self, key: str) -> str:
        "Look a key up."
        return key[::-1]
"""


@pytest.fixture
def handler_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with my_handlers.py (Names), my_prefix.py and tools.py (Tools).

    sys.path and sys.modules are restored after the test.
    """
    (tmp_path / "my_prefix.py").write_text("PREFIX = '> '\n")
    (tmp_path / "my_handlers.py").write_text(NAMES_HANDLER)
    (tmp_path / "tools.py").write_text(TOOL_HANDLER)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "modules", dict(sys.modules))
    return tmp_path


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


def test_replay_with_a_handler_file_whose_module_imports_its_neighbour(
    handler_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = f"{handler_folder / 'my_handlers.py'}:Names"
    assert main(["replay", str(FIXTURES / "tool_call_run.sse"), "--handler", handler]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "> thread.run.requires_action"


def test_replay_finds_a_handler_module_in_the_working_directory(
    handler_folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(handler_folder)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(handler_folder))])
    assert main(["replay", str(FIXTURES / "tool_call_run.sse"),
                 "--handler", "my_handlers:Names"]) == 0  # fmt: skip
    assert capsys.readouterr().out.splitlines()[-1] == "> thread.run.requires_action"


def test_console_script_finds_a_handler_module_in_the_working_directory(
    handler_folder: Path,
) -> None:
    # The installed script's sys.path[0] is its bin folder, never the working directory.
    script = shutil.which("assistants-events", path=str(Path(sys.executable).parent))
    assert script is not None, "install the package (pip install -e .) to get the script"
    argv = [script, "replay", str(FIXTURES / "tool_call_run.sse"), "--handler", "my_handlers:Names"]
    done = subprocess.run(argv, cwd=handler_folder, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "> thread.run.requires_action"


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


def test_record_with_a_handler_records_the_tool_round_trip(
    handler_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = handler_folder / "tools.sse"
    assert main(["record", str(target), "--handler", f"{handler_folder / 'tools.py'}:Tools",
                 "--prompt", 'lookup {"key": "abc"}']) == 0  # fmt: skip
    body = target.read_bytes()
    # both streams: the run stopping for the tool, then the one after the submitted output
    assert body.count(b"event: done\n") == 2
    assert b"event: thread.run.requires_action\n" in body
    capsys.readouterr()
    assert main(["check", str(target)]) == 0
    assert main(["replay", str(target)]) == 0
    assert "Tool results: lookup said cba" in capsys.readouterr().out


async def test_record_saves_what_arrived_when_the_stream_breaks(tmp_path: Path) -> None:
    target = tmp_path / "broken.sse"
    async with MockAssistantsServer() as server:
        server.inject(Faults(error_after=6))
        args = build_parser().parse_args(
            ["record", str(target), "--base-url", server.url, "--api-key", "test-key"]
        )
        with pytest.raises(ae.StreamError):
            await args.run(args)
    events = [frame.partition(b"\n")[0] for frame in target.read_bytes().split(b"\n\n") if frame]
    # thread.created (the driver creates the thread first), the run's 6 events, the error
    assert len(events) == 8
    assert events[0] == b"event: thread.created" and events[-1] == b"event: error"


async def test_record_saves_what_arrived_when_the_connection_drops(tmp_path: Path) -> None:
    target = tmp_path / "dropped.sse"
    async with MockAssistantsServer() as server:
        server.inject(Faults(drop_after=4))
        args = build_parser().parse_args(
            ["record", str(target), "--base-url", server.url, "--api-key", "test-key"]
        )
        with pytest.raises(ae.APIConnectionError):
            await args.run(args)
    # thread.created and the run stream's 4 events that arrived
    assert target.read_bytes().count(b"\n\nevent: ") == 4


async def test_record_keeps_an_existing_file_when_nothing_arrived(tmp_path: Path) -> None:
    target = tmp_path / "kept.sse"
    target.write_bytes(b"an earlier recording")
    async with MockAssistantsServer(api_key="the-right-key") as server:
        args = build_parser().parse_args(
            ["record", str(target), "--base-url", server.url, "--api-key", "a-wrong-key"]
        )
        with pytest.raises(ae.AuthenticationError):
            await args.run(args)
    assert target.read_bytes() == b"an earlier recording"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0 and "usage: assistants-events" in capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_has_a_description(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    _usage, description, *_ = capsys.readouterr().out.split("\n\n")
    # argparse prints the description between the usage and the argument lists
    assert not description.startswith(("positional arguments:", "options:")), description
    assert len(description.split()) >= 10, description


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("demo", "(default: gpt-4o)"),
        ("record", "(default: Hello, assistant!)"),
        ("mock-server", "(default: 8765)"),
    ],
)
def test_help_shows_the_defaults(
    command: str, shown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = " ".join(capsys.readouterr().out.split())  # undo the wrapping to the terminal width
    assert shown in out
    assert "(default: None)" not in out and "(default: False)" not in out


def test_demo_runs_as_a_module_and_exits_zero() -> None:
    done = subprocess.run([sys.executable, "-m", "assistants_events", "demo"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "get_weather" in done.stdout and "run completed" in done.stdout
    assert "\033[" not in done.stdout  # no colour when the output is not a terminal


def test_demo_runs_from_the_package_alone_with_its_options(tmp_path: Path) -> None:
    # Only the package, as a wheel installs it: no examples/ folder anywhere near.
    shutil.copytree(ROOT / "assistants_events", tmp_path / "assistants_events",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    code = (
        "import os, runpy, assistants_events\n"
        "assert assistants_events.__file__.startswith(os.getcwd()), assistants_events.__file__\n"
        "runpy.run_module('assistants_events', run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, "-c", code, "demo", "--prompt", "Oslo, please?",
                           "--no-color"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "you: Oslo, please?" in done.stdout
    assert "Right now: 4°C and clear in Oslo." in done.stdout
