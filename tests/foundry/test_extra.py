"""azure-identity is the optional `[azure]` extra, never a run-time dependency."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import requires

REQUIREMENTS = requires("assistants-events") or []


def test_the_azure_extra_installs_azure_identity() -> None:
    assert [r for r in REQUIREMENTS if r.startswith("azure-identity") and 'extra == "azure"' in r]


def test_no_azure_package_is_a_run_time_dependency() -> None:
    assert not [r for r in REQUIREMENTS if r.startswith("azure") and "extra ==" not in r]


def test_importing_the_library_and_its_foundry_client_imports_no_azure_package() -> None:
    code = (
        "import sys, assistants_events as ae\n"
        "ae.AssistantsClient.foundry('https://r.services.ai.azure.com/api/projects/p', 't')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'azure'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
