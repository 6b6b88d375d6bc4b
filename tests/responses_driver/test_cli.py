"""`--api responses|assistants` on demo, record, replay and check."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import assistants_events as ae
from assistants_events import demo
from assistants_events.cli import build_parser, main
from assistants_events.testing import Faults, MockAssistantsServer
from tests.conftest import FIXTURES

GENUINE = FIXTURES / "genuine" / "responses"
TOOLS = """\
import assistants_events as ae

class Tools(ae.EventHandler):
    @ae.tool
    def lookup(self, key: str) -> str:
        "Look a key up."
        return key[::-1]
"""


@pytest.fixture
def tools_handler(tmp_path: Path) -> str:
    (tmp_path / "resp_tools.py").write_text(TOOLS)
    return f"{tmp_path / 'resp_tools.py'}:Tools"


@pytest.mark.parametrize(("api", "summary"), [("responses", "response completed"),
                                              ("assistants", "run completed")])  # fmt: skip
async def test_demo_runs_the_weather_bot_on_either_protocol(api: str, summary: str) -> None:
    out = io.StringIO()
    args = build_parser().parse_args(["demo", "--api", api, "--no-color"])
    assert await demo.run(args, out) == 0
    text = out.getvalue()
    assert "Right now: 18°C and clear in Paris; 22°C and clear in Tokyo." in text
    assert text.count("⚙ get_weather") == 2 and summary in text


def test_demo_speaks_responses_by_default() -> None:
    assert build_parser().parse_args(["demo"]).api == "responses"


def test_record_then_check_and_replay_a_responses_tool_loop(
    tmp_path: Path, tools_handler: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "loop.sse"
    assert main(["record", str(target), "--handler", tools_handler,
                 "--prompt", 'lookup {"key": "abc"}']) == 0  # fmt: skip
    body = target.read_bytes()
    # both streams: the response asking for the call, then the one answering from it
    assert body.count(b"event: response.created\n") == 2
    assert b"event: response.function_call_arguments.done\n" in body
    capsys.readouterr()
    assert main(["check", str(target), "--api", "responses"]) == 0
    assert "OK: the stream follows the lifecycle" in capsys.readouterr().out
    assert main(["replay", str(target)]) == 0
    captured = capsys.readouterr()
    assert "Tool results: lookup said cba" in captured.out
    assert "[response resp_" in captured.err and ": completed]" in captured.err


def test_check_reports_events_of_the_other_protocol(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "text.sse"
    assert main(["record", str(target), "--prompt", "hi"]) == 0
    capsys.readouterr()
    assert main(["check", str(target), "--api", "assistants"]) == 1
    out = capsys.readouterr().out
    assert "events of another protocol than assistants: response.completed" in out


def test_replay_refuses_a_stream_of_the_other_protocol(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "text.sse"
    assert main(["record", str(target), "--prompt", "hi"]) == 0
    assert main(["replay", str(target), "--api", "assistants"]) == 2
    assert "is not a assistants stream" in capsys.readouterr().err


def test_check_finds_a_broken_sequence_in_a_responses_stream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "text.sse"
    assert main(["record", str(target), "--prompt", "one two three"]) == 0
    frames = target.read_bytes().split(b"\n\n")
    target.write_bytes(b"\n\n".join(frames[:4] + frames[5:]))  # one delta lost
    capsys.readouterr()
    assert main(["check", str(target)]) == 1
    assert "event(s) lost before this one" in capsys.readouterr().out


@pytest.mark.parametrize("path", sorted(GENUINE.glob("*.sse")), ids=lambda p: p.stem)
def test_check_accepts_every_genuine_responses_recording(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Data-only frames (OpenRouter) and a last event without its blank line are read as
    # consume() reads them; a stream carrying an `error` event reports just that event.
    code = main(["check", str(path), "--api", "responses"])
    problems = [line for line in capsys.readouterr().out.splitlines() if "INVALID" in line]
    if b'"type":"error"' in path.read_bytes().replace(b" ", b""):
        assert len(problems) == 1 and "the server sent an error event" in problems[0]
    else:
        assert (code, problems) == (0, [])


def test_replay_prints_the_text_of_a_stream_without_event_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = GENUINE / "openrouter_reasoning_text_out_of_order_done.sse"
    assert main(["replay", str(path), "--api", "responses"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() and ": completed]" in captured.err


async def test_record_saves_what_arrived_when_a_responses_stream_drops(tmp_path: Path) -> None:
    target = tmp_path / "dropped.sse"
    async with MockAssistantsServer() as server:
        server.inject(Faults(drop_after=4))
        args = build_parser().parse_args(["record", str(target), "--base-url", server.url,
                                          "--api-key", "test-key"])  # fmt: skip
        with pytest.raises(ae.APIConnectionError):
            await args.run(args)
    assert target.read_bytes().startswith(b"event: response.created\n")


def test_record_help_names_both_protocols(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["record", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "{responses,assistants}" in out and "(default: responses)" in out


def test_replay_reads_on_after_an_error_event_then_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = GENUINE / "error_insufficient_quota_then_failed.sse"
    assert main(["replay", str(path), "--handler", f"{__file__}:Names"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-2:] == ["error", "response.failed"]
    assert "StreamError" in captured.err


class Names(ae.EventHandler):
    """Prints every event's name (a replay handler)."""

    @ae.on("*")
    def show(self, event: ae.Event) -> None:
        print(event.name)
