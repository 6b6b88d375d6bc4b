"""Benchmarks and tests need nothing outside the repository; the generated streams are sound."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import assistants_events as ae
from assistants_events import models as m
from benchmarks import transcripts

ROOT = Path(__file__).resolve().parent.parent
# A path into a folder beside the checkout: a parent-relative path, the workspace's shared
# folder as a path part or string, or the workspace's absolute path.
OUTSIDE = re.compile(r"""\.\./|['"/\\]shared['"/\\]|/work(?=/)""")


def _sources() -> list[Path]:
    return sorted(
        path
        for folder in ("tests", "benchmarks")
        for path in (ROOT / folder).rglob("*.py")
        if "__pycache__" not in path.parts
    )


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_source_reaches_outside_the_repository(path: Path) -> None:
    hits = [
        f"{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if OUTSIDE.search(line)
    ]
    assert hits == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run.py", "--help"], "usage:"),
        (["soak.py", "--help"], "usage:"),
        (["transcripts.py", "mixed"], "event: done\ndata: [DONE]\n\n"),
    ],
)
def test_benchmark_scripts_run_from_a_copy_of_the_repository(
    tmp_path: Path, argv: list[str], expected: str
) -> None:
    # A copy in a temporary folder has no neighbours: any import from beside the
    # checkout fails there.
    for folder in ("assistants_events", "benchmarks"):
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.png"))  # fmt: skip
    script, *rest = argv
    done = subprocess.run([sys.executable, f"benchmarks/{script}", *rest], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout


async def test_text_run_gives_every_delta_in_strict_mode() -> None:
    result = await ae.EventHandler().consume(transcripts.text_run(300, word="ab "))
    assert result.text == "ab " * 300
    assert result.run is not None and result.run.status == "completed"


async def test_text_run_sends_the_asked_number_of_deltas() -> None:
    body = transcripts.text_run(300)
    assert body.count(b"event: thread.message.delta\n") == 300


def _tool_calls(step: m.RunStep) -> list[m.ToolCall]:
    assert isinstance(step.step_details, m.ToolCallsDetails), step.step_details
    return step.step_details.tool_calls


def _function_arguments(calls: list[m.ToolCall]) -> list[str]:
    assert all(isinstance(call, m.FunctionToolCall) for call in calls), calls
    return [call.function.arguments for call in calls if isinstance(call, m.FunctionToolCall)]


async def test_tool_call_run_streams_the_arguments_piece_by_piece() -> None:
    arguments = [json.dumps({"city": "Paris"}), json.dumps({"city": "Tokyo", "unit": "f"})]
    body = transcripts.tool_call_run(arguments, piece=3)
    result = await ae.EventHandler().consume(body)
    assert result.run is not None and result.run.status == "requires_action"
    assert [call.function.arguments for call in result.run.tool_calls] == arguments
    assert _function_arguments(_tool_calls(result.run_steps[0])) == arguments
    pieces = sum(-(-len(a) // 3) for a in arguments)  # each argument string, 3 characters a delta
    assert body.count(b"event: thread.run.step.delta\n") == pieces + len(arguments)


async def test_after_tool_outputs_continues_the_same_run_to_completion() -> None:
    bot = ae.EventHandler()
    await bot.consume(transcripts.tool_call_run())
    result = await bot.consume(transcripts.after_tool_outputs_run("Sunny and mild."))
    assert result.text == "Sunny and mild."
    assert result.run is not None and result.run.status == "completed"


async def test_mixed_run_accumulates_search_code_and_citations() -> None:
    snapshots: list[ae.Message] = []

    class Watcher(ae.EventHandler):
        @ae.on("thread.message.delta")
        def keep(self, event: ae.Event) -> None:
            snapshots.append(event.snapshot)

    result = await Watcher().consume(transcripts.mixed_run())
    assert result.text == transcripts.MIXED_ANSWER
    assert result.run is not None and result.run.status == "completed"
    search, code, message_step = result.run_steps
    assert isinstance(_tool_calls(search)[0], m.FileSearchToolCall)
    interpreter = _tool_calls(code)[0]
    assert isinstance(interpreter, m.CodeInterpreterToolCall)
    assert interpreter.code_interpreter.input == transcripts.MIXED_CODE
    assert [type(out) for out in interpreter.code_interpreter.outputs] == [
        m.CodeLogsOutput, m.CodeImageOutput,
    ]  # fmt: skip
    assert isinstance(message_step.step_details, m.MessageCreationDetails)
    assert message_step.step_details.message_creation.message_id == result.messages[0].id
    # the deltas alone build what the completed message says
    assert snapshots[-1].content == result.messages[0].content


async def test_mixed_run_citation_indexes_point_at_its_marker() -> None:
    result = await ae.EventHandler().consume(transcripts.mixed_run())
    text, image = result.messages[0].content
    assert isinstance(text, m.TextContent) and isinstance(image, m.ImageFileContent)
    citation, path = text.text.annotations
    assert isinstance(citation, m.FileCitationAnnotation)
    assert isinstance(path, m.FilePathAnnotation)
    marked = transcripts.MIXED_ANSWER[citation.start_index : citation.end_index]
    assert marked == citation.text == transcripts.CITATION
    assert transcripts.MIXED_ANSWER[path.start_index : path.end_index] == path.text
