"""A user's app written from the README type-checks under `mypy --strict`, outside the repo.

The app lives in a temporary folder (no pyproject, so only `--strict` applies) and
finds the installed package as a user's project does.  Decorated tools keep their
function's type, `event.run.status` and `result.run.thread_id` are typed, and the
run driver's keyword parameters are checked.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs mypy: tens of seconds on a cold cache

APP = textwrap.dedent('''
    """A support bot: two tools, a status log, one run on the mock server."""

    from __future__ import annotations

    import asyncio
    from typing import TYPE_CHECKING, Literal

    import assistants_events as ae
    from assistants_events.testing import MockAssistantsServer, Reply


    class SupportBot(ae.EventHandler):
        def __init__(self) -> None:
            self.statuses: list[str] = []

        @ae.on("thread.run.*")
        def track(self, event: ae.Event) -> None:
            if event.run is not None:
                self.statuses.append(event.run.status)

        @ae.on("thread.message.delta")
        async def show(self, event: ae.Event) -> None:
            print(event.text_delta or "", end="")

        @ae.tool(timeout=1)
        async def get_weather(self, city: str, unit: Literal["c", "f"] = "c") -> str:
            """The current temperature in a city."""
            return f"18{unit} in {city}"

        @ae.tool
        def order_status(self, order_id: int) -> str:
            """Where an order is."""
            return f"order {order_id} shipped"


    class Undecorated:
        """The same tools without `@ae.tool`: what their types must stay."""

        async def get_weather(self, city: str, unit: Literal["c", "f"] = "c") -> str:
            return city

        def order_status(self, order_id: int) -> str:
            return str(order_id)


    if TYPE_CHECKING:
        reveal_type(SupportBot().get_weather)  # decorated, timeout=1
        reveal_type(Undecorated().get_weather)
        reveal_type(SupportBot().order_status)  # bare @ae.tool
        reveal_type(Undecorated().order_status)


    async def main() -> tuple[str, str, list[str]]:
        script = [Reply.calls(("get_weather", {"city": "Paris"})), "It is 18c in Paris."]
        async with MockAssistantsServer(script=script) as server, ae.AssistantsClient(
            "key", server.url
        ) as client:
            bot = SupportBot()
            assistant = await client.create_assistant(
                "gpt-4o", name="Support", instructions="Help.", tools=bot.tool_definitions()
            )
            thread = await client.create_thread([{"role": "user", "content": "Paris?"}])
            result = await bot.run(
                client, thread_id=thread.id, assistant_id=assistant.id, temperature=0.2
            )
            assert result.run is not None
            thread_id: str = result.run.thread_id
            return thread_id, thread.id, bot.statuses


    if __name__ == "__main__":
        ran_on, created, statuses = asyncio.run(main())
        print()
        print(ran_on == created, " ".join(statuses))
''')


MISTAKES = textwrap.dedent("""
    import assistants_events as ae


    async def mistakes(client: ae.AssistantsClient, bot: ae.EventHandler) -> None:
        await bot.run(client, thread_id="t", assistant_id="a", temperature="hot")
        await bot.run(client, thread_id="t")
""")


def mypy(folder: Path, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(folder / ".cache"), name],
        cwd=folder, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("user_app") / "app.py"
    path.write_text(APP)
    return path


@pytest.fixture(scope="module")
def mypy_output(app: Path) -> str:
    done = mypy(app.parent, app.name)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def revealed(mypy_output: str) -> list[str]:
    return re.findall(r'note: Revealed type is "(.*)"', mypy_output)


def test_the_readme_app_has_no_mypy_strict_errors(mypy_output: str) -> None:
    assert "error:" not in mypy_output
    assert "Success: no issues found in 1 source file" in mypy_output


def test_a_tool_with_options_keeps_its_functions_type(mypy_output: str) -> None:
    decorated, undecorated, _, _ = revealed(mypy_output)
    assert decorated == undecorated
    assert decorated.endswith("-> typing.Coroutine[Any, Any, str]"), decorated


def test_a_bare_tool_keeps_its_functions_type(mypy_output: str) -> None:
    _, _, decorated, undecorated = revealed(mypy_output)
    assert decorated == undecorated == "def (order_id: int) -> str"


def test_the_readme_app_runs_its_tool_round_trip(app: Path) -> None:
    done = subprocess.run([sys.executable, app.name], cwd=app.parent, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    text, summary = done.stdout.strip().splitlines()
    assert text == "It is 18c in Paris."
    assert summary.startswith("True queued") and summary.endswith("completed")
    assert "requires_action" in summary


def test_a_wrong_or_missing_run_parameter_is_a_mypy_error(app: Path, mypy_output: str) -> None:
    (app.parent / "mistakes.py").write_text(MISTAKES)
    done = mypy(app.parent, "mistakes.py")  # after the app: its cache is warm
    assert 'Argument "temperature" to "run" of "EventHandler"' in done.stdout, done.stdout
    assert 'Missing named argument "assistant_id"' in done.stdout, done.stdout
    assert "Found 2 errors" in done.stdout, done.stdout
