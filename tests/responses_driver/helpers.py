"""Shared bots and helpers for the Responses driver tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import assistants_events as ae
from assistants_events.testing import MockAssistantsServer
from tests.conftest import client_for as make_client

KEY = "sk-respdrive-SECRET-0123456789"


class Weather(ae.EventHandler):
    """Collects the text, every event's name and sequence number, and the tool calls."""

    def __init__(self) -> None:
        self.text = ""
        self.seen: list[tuple[str, int | None]] = []
        self.calls: list[str] = []

    @ae.tool
    async def get_weather(self, city: str) -> str:
        """The weather in a city."""
        self.calls.append(city)
        return f"sunny in {city}"

    @ae.on("response.output_text.delta")
    def collect(self, event: ae.Event) -> None:
        self.text += event.text_delta or ""

    @ae.on("*")
    def everything(self, event: ae.Event) -> None:
        self.seen.append((event.name, event.sequence_number))

    def sequence_numbers(self) -> list[int]:
        return [seq for _, seq in self.seen if seq is not None]


def client_for(server: MockAssistantsServer, **options: object) -> ae.AssistantsClient:
    return make_client(server.url, KEY, **options)


async def wait_status(server: MockAssistantsServer, response_id: str, status: str) -> str:
    """The response's status once it is `status` (or what it is after ~2 s of asking)."""
    for _ in range(200):
        if server.responses[response_id]["status"] == status:
            break
        await asyncio.sleep(0.01)
    return str(server.responses[response_id]["status"])


def call_ids(server: MockAssistantsServer) -> list[str]:
    """Every `call_id` answered with a `function_call_output`, over all responses, in order."""
    return [o["call_id"] for rid in server.responses for o in server.function_outputs(rid)]


def function_calls(response: Any) -> list[tuple[str, str]]:
    return [(c.call_id, c.arguments) for c in response.function_calls]


@contextlib.asynccontextmanager
async def served(
    **options: Any,
) -> AsyncIterator[tuple[MockAssistantsServer, ae.AssistantsClient]]:
    """A mock server (`MockAssistantsServer(**options)`) and a fast-retrying client of it."""
    async with MockAssistantsServer(**options) as server, client_for(server) as client:
        yield server, client
