"""pytest plugin (entry point `pytest11`): a running mock server and a client bound to it.

```python
async def test_bot(ae_client, ae_mock_server):
    assistant = await ae_client.create_assistant("gpt-4o")
```

The fixtures are async and need pytest-asyncio; without it this plugin registers
nothing, so installing assistants-events never breaks another project's pytest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from ..client import AssistantsClient
from .server import MockAssistantsServer

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - depends on the environment
    pytest_asyncio = None  # type: ignore[assignment]

if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def ae_mock_server() -> AsyncIterator[MockAssistantsServer]:
        """A `MockAssistantsServer` on a free port of 127.0.0.1, closed after the test."""
        async with MockAssistantsServer() as server:
            yield server

    @pytest_asyncio.fixture
    async def ae_client(ae_mock_server: MockAssistantsServer) -> AsyncIterator[AssistantsClient]:
        """An `AssistantsClient` talking to `ae_mock_server`, with fast retries."""
        async with AssistantsClient(
            api_key="test-key", base_url=ae_mock_server.url, backoff_base=0.01, backoff_max=0.05
        ) as client:
            yield client
