"""`assistants-events check` always prints its report, and counts quirks apart from problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistants_events.assistants.state import AssistantsState
from assistants_events.cli import main
from tests.conftest import FIXTURES

GENUINE = FIXTURES / "genuine" / "assistants"


@pytest.mark.parametrize("name", sorted(p.name for p in GENUINE.glob("*.sse")))
def test_check_passes_every_genuine_recording(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(GENUINE / name)]) == 0
    assert "OK: the stream follows the lifecycle" in capsys.readouterr().out


def test_check_counts_the_quirks_it_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(GENUINE / "azure_mcp_submit_tool_approval.sse")]) == 0
    out = capsys.readouterr().out
    assert "1  quirk created-again" in out
    assert "QUIRK event 9 (line 25): thread.run.step.created step_7jfuPl8FrQS3e4WxkFofjyJW" in out


def test_check_reports_an_unexpected_error_and_goes_on_to_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest = AssistantsState.ingest

    def broken(self: AssistantsState, event: Any) -> None:
        if event.name == "thread.run.in_progress":
            raise RuntimeError("a bug in the checker")
        ingest(self, event)

    monkeypatch.setattr(AssistantsState, "ingest", broken)
    assert main(["check", str(FIXTURES / "text_run.sse")]) == 1
    out = capsys.readouterr().out
    assert "RuntimeError: a bug in the checker" in out
    assert "events in all" in out and "problem(s)" in out
