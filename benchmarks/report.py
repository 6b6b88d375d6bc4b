"""BENCHMARKS.md holds one section per script, each between its own markers."""

from __future__ import annotations

from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
TITLE = "# Benchmarks\n\n"


def replace_section(name: str, text: str) -> None:
    """Write `text` as section `name` of BENCHMARKS.md, keeping the other sections."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    current = REPORT.read_text() if REPORT.exists() else TITLE
    block = f"{start}\n{text.strip()}\n{end}"
    if start in current and end in current:
        before, rest = current.split(start, 1)
        after = rest.split(end, 1)[1]
        current = before + block + after
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    REPORT.write_text(current)
