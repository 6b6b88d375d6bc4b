"""pytest plugin (entry point `pytest11`): a running mock server and a client bound to it.

```python
async def test_bot(ae_client, ae_mock_server):
    assistant = await ae_client.create_assistant("gpt-4o")

@pytest.mark.ae_mock(script=["Hello."], faults=Faults(drop_after=3))
async def test_drop(ae_mock_server): ...

async def test_two(ae_mock_server_factory):
    plain = await ae_mock_server_factory()
    broken = await ae_mock_server_factory(faults=Faults(run_outcome="failed"))
```

The fixtures are plain async pytest fixtures, so they run under anyio's pytest
plugin (`@pytest.mark.anyio`, asyncio backend: aiohttp needs it) and under
pytest-asyncio in auto mode alike.  Defining them needs neither, so installing
assistants-events never breaks another project's pytest.

Per test, `@pytest.mark.ae_mock(**options)` gives `ae_mock_server` the
`MockAssistantsServer` options (`script`, `faults`, `api_key`); the factory
fixture makes as many servers as a test needs, all closed after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from ..client import AssistantsClient
from .server import MockAssistantsServer

__all__ = ["ae_client", "ae_mock_server", "ae_mock_server_factory"]

ServerFactory = Callable[..., Awaitable[MockAssistantsServer]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ae_mock(**options): MockAssistantsServer options (script, faults, api_key) "
        "for the ae_mock_server fixture",
    )


@pytest.fixture
async def ae_mock_server_factory() -> AsyncIterator[ServerFactory]:
    """`await factory(**options)`: a started `MockAssistantsServer`, closed after the test."""
    servers: list[MockAssistantsServer] = []

    async def make(**options: Any) -> MockAssistantsServer:
        server = await MockAssistantsServer(**options).start()
        servers.append(server)
        return server

    try:
        yield make
    finally:
        for server in reversed(servers):
            await server.close()


@pytest.fixture
async def ae_mock_server(
    request: pytest.FixtureRequest, ae_mock_server_factory: ServerFactory
) -> MockAssistantsServer:
    """A `MockAssistantsServer` on a free port of 127.0.0.1, closed after the test.

    Options come from the test's `@pytest.mark.ae_mock(...)`, if any.  For the test:
    `requests`, `cancelled`, `submissions(run_id)`, `responses`, `function_outputs(id)`.
    """
    marker = request.node.get_closest_marker("ae_mock")
    if marker is not None and marker.args:
        raise TypeError("@pytest.mark.ae_mock takes keyword options only, e.g. script=[...]")
    return await ae_mock_server_factory(**(marker.kwargs if marker is not None else {}))


@pytest.fixture
async def ae_client(ae_mock_server: MockAssistantsServer) -> AsyncIterator[AssistantsClient]:
    """An `AssistantsClient` talking to `ae_mock_server`, with fast retries."""
    async with AssistantsClient(
        api_key=ae_mock_server.api_key or "test-key",
        base_url=ae_mock_server.url,
        backoff_base=0.01,
        backoff_max=0.05,
    ) as client:
        yield client
