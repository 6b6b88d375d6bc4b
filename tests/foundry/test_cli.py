"""`assistants-events mock-server --flavor foundry` serves a Foundry project."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request


def get(url: str, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"{url}/assistants?api-version=v1", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_the_cli_serves_the_foundry_mock() -> None:
    command = [sys.executable, "-m", "assistants_events", "mock-server",
               "--flavor", "foundry", "--port", "0"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        assert url.endswith("/api/projects/mock-project")
        assert get(url, "any-token") == 200
        assert get(url, None) == 401
    finally:
        process.terminate()
        process.wait(timeout=30)
