"""The pytest plugin's fixtures: per-test options, a factory, anyio as well as pytest-asyncio."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

import assistants_events as ae
from assistants_events.testing import Faults, MockAssistantsServer


async def test_plugin_fixtures_give_a_bound_client(
    ae_client: ae.AssistantsClient, ae_mock_server: MockAssistantsServer
) -> None:
    assert ae_client.base_url == ae_mock_server.url
    assert (await ae_client.create_assistant("gpt-4o")).id.startswith("asst_")


@pytest.mark.ae_mock(script=["Scripted by the marker."])
async def test_marker_configures_the_server(
    ae_client: ae.AssistantsClient, ae_mock_server: MockAssistantsServer
) -> None:
    assistant = await ae_client.create_assistant("gpt-4o")
    result = await ae.EventHandler().run(
        ae_client, assistant_id=assistant.id, messages=[{"role": "user", "content": "hi"}]
    )
    assert result.text == "Scripted by the marker."


@pytest.mark.ae_mock(faults=Faults(run_outcome="failed"), api_key="only-this")
async def test_marker_faults_and_key_reach_the_server(
    ae_mock_server: MockAssistantsServer,
) -> None:
    assert ae_mock_server.faults.run_outcome == "failed"
    assert ae_mock_server.api_key == "only-this"


async def test_factory_makes_independent_servers(
    ae_mock_server_factory: Callable[..., Awaitable[MockAssistantsServer]],
) -> None:
    first = await ae_mock_server_factory()
    second = await ae_mock_server_factory(faults=Faults(drop_after=1))
    assert first.url != second.url and second.faults.drop_after == 1


def test_fixtures_run_under_anyio_without_pytest_asyncio(tmp_path: Path) -> None:
    test = tmp_path / "test_under_anyio.py"
    test.write_text(
        textwrap.dedent("""
        import pytest

        pytestmark = pytest.mark.anyio

        @pytest.fixture
        def anyio_backend():
            return "asyncio"

        @pytest.mark.ae_mock(script=["from anyio"])
        async def test_bound(ae_client, ae_mock_server):
            assistant = await ae_client.create_assistant("gpt-4o")
            assert assistant.id in ae_mock_server.store.assistants
    """)
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:asyncio", "-p", "no:cacheprovider",
         "-p", "no:randomly", str(test)],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
