"""Adversarial checks of the mock server's Responses routes: bad requests are 4xx, never 500."""

from __future__ import annotations

import aiohttp

from assistants_events.testing import MockAssistantsServer


async def test_a_function_call_input_without_call_id_is_a_400() -> None:
    item = {"type": "function_call", "name": "get_weather", "arguments": "{}"}
    async with MockAssistantsServer() as server, aiohttp.ClientSession() as session:
        answer = await session.post(
            f"{server.url}/responses",
            json={"model": "gpt-4.1", "input": [item]},
            headers={"Authorization": "Bearer test"},
        )
        status, text = answer.status, await answer.text()
    assert status == 400, text
    assert "call_id" in text
