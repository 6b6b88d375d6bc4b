"""The README's promises: the quick start works when pasted; CI runs the test command."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import assistants_events as ae
from assistants_events.assistants.lifecycle import QUIRKS as ASSISTANTS_QUIRKS
from assistants_events.responses.lifecycle import QUIRKS as RESPONSES_QUIRKS

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


def test_quick_start_runs_as_pasted(tmp_path: Path) -> None:
    quick = README.split("## Quick start", 1)[1]
    code = re.search(r"```python\n(.*?)```", quick, re.S)
    assert code is not None
    assert len([line for line in code.group(1).splitlines() if line.strip()]) <= 14
    script = tmp_path / "quick.py"
    script.write_text(code.group(1))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Echo: Hi!"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    setup = README.split("## Set-up: two commands", 1)[1].split("```bash\n", 1)[1]
    commands = [line.split("#", 1)[0].strip() for line in setup.split("```", 1)[0].splitlines()]
    demo, tests = commands[:2]
    assert demo.endswith("assistants-events demo")
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests in ci


def _table_rows(title: str) -> dict[str, str]:
    after = README.split(title, 1)[1].lstrip("\n").splitlines()
    section = "\n".join(itertools.takewhile(lambda line: line.startswith("|"), after))
    return dict(re.findall(r"^\| `([\w-]+)` \| (.*?) \|$", section, re.M))


def test_readme_prints_the_responses_transition_tables_as_the_code_has_them() -> None:
    for title, table in (("#### Response transitions", ae.RESPONSE_TRANSITIONS),
                         ("#### Output item transitions", ae.ITEM_TRANSITIONS)):  # fmt: skip
        rows = _table_rows(title)
        assert rows.keys() == table.keys(), title
        for status, targets in table.items():
            assert set(re.findall(r"`(\w+)`", rows[status])) == set(targets), (title, status)


def test_readme_lists_every_quirk_code_of_both_protocols() -> None:
    for title, quirks in (("#### Assistants quirks", ASSISTANTS_QUIRKS),
                          ("#### Responses quirks", RESPONSES_QUIRKS)):  # fmt: skip
        section = README.split(title, 1)[1].split("\n#", 1)[0]
        codes = set(re.findall(r"^\| `([\w-]+)` \|", section, re.M))
        assert codes == set(quirks), title
