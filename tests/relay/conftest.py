"""A real redis-server for the relay tests: `$AE_REDIS_URL`, or one started from PATH."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from assistants_events.relay import RedisRelay


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {limit}s")


class RedisServer:
    """A redis-server process on 127.0.0.1 (no persistence), stoppable and restartable."""

    def __init__(self, port: int | None = None, data_dir: Path | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "the relay tests need a Redis server: set AE_REDIS_URL=redis://127.0.0.1:PORT/0 "
                "or put redis-server on PATH (apt-get install redis-server)"
            )
        self.binary = binary
        self.port = port or free_port()
        self.data_dir = data_dir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no"]
        if self.data_dir is not None:
            args += ["--dir", str(self.data_dir)]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self

    def stop(self, *, save: bool = False) -> None:
        """Stop it; with `save`, its data is written to `data_dir` first (a restart keeps it)."""
        if self.process is not None:
            if save:
                subprocess.run(
                    [shutil.which("redis-cli") or "redis-cli", "-p", str(self.port), "shutdown",
                     "save"],
                    capture_output=True, timeout=10, check=False,
                )  # fmt: skip
            else:
                self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The Redis the relay tests use (shared; each test works under its own prefix)."""
    url = os.environ.get("AE_REDIS_URL")
    if url:
        yield url
        return
    server = RedisServer().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


@pytest_asyncio.fixture
async def relay(redis_url: str, prefix: str) -> AsyncIterator[RedisRelay]:
    async with RedisRelay(redis_url, prefix=prefix) as relay:
        yield relay
