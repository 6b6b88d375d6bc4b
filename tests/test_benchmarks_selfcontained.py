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


async def test_tool_call_run_streams_the_arguments_piece_by_piece() -> None:
    arguments = [json.dumps({"city": "Paris"}), json.dumps({"city": "Tokyo", "unit": "f"})]
    body = transcripts.tool_call_run(arguments, piece=3)
    result = await ae.EventHandler().consume(body)
    assert result.run is not None and result.run.status == "requires_action"
    assert result.run.required_action is not None
    required = result.run.required_action.submit_tool_outputs.tool_calls
    assert [call.function.arguments for call in required] == arguments
    streamed = result.run_steps[0].step_details.tool_calls
    assert [call.function.arguments for call in streamed] == arguments
    pieces = sum(-(-len(a) // 3) for a in arguments)  # each argument string, 3 characters a delta
    assert body.count(b"event: thread.run.step.delta\n") == pieces + len(arguments)


async def test_after_tool_outputs_continues_the_same_run_to_completion() -> None:
    bot = ae.EventHandler()
    await bot.consume(transcripts.tool_call_run())
    result = await bot.consume(transcripts.after_tool_outputs_run("Sunny and mild."))
    assert result.text == "Sunny and mild."
    assert result.run is not None and result.run.status == "completed"


async def test_mixed_run_accumulates_code_search_and_citations() -> None:
    snapshots: list[ae.Message] = []

    class Watcher(ae.EventHandler):
        @ae.on("thread.message.delta")
        def keep(self, event: ae.Event) -> None:
            snapshots.append(event.snapshot)

    result = await Watcher().consume(transcripts.mixed_run())
    assert result.text == transcripts.MIXED_ANSWER
    assert result.run is not None and result.run.status == "completed"
    search, code, message_step = result.run_steps
    assert search.step_details.tool_calls[0].type == "file_search"
    interpreter = code.step_details.tool_calls[0].code_interpreter
    assert interpreter.input == transcripts.MIXED_CODE
    assert [output.type for output in interpreter.outputs] == ["logs", "image"]
    assert message_step.step_details.message_creation.message_id == result.messages[0].id
    # the deltas alone build what the completed message says
    assert snapshots[-1].content == result.messages[0].content
    citation, path = result.messages[0].content[0].text.annotations
    assert transcripts.MIXED_ANSWER[citation.start_index : citation.end_index] == (
        transcripts.CITATION
    )
    assert path.type == "file_path" and result.messages[0].content[1].type == "image_file"
