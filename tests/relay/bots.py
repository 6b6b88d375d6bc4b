"""Handlers the worker tests run (`--handler tests.relay.bots:WeatherBot`)."""

from __future__ import annotations

import asyncio

import assistants_events as ae


class WeatherBot(ae.EventHandler):
    """Answers `get_weather` calls; the mock model calls it when asked `get_weather {...}`."""

    @ae.tool
    async def get_weather(self, city: str) -> str:
        """The weather in a city."""
        return f"sunny in {city}"


def job_params(assistant_id: str, n: int) -> dict[str, object]:
    """An Assistants job whose run calls get_weather once, then answers."""
    text = f'get_weather {{"city": "City{n}"}}'
    return {"assistant_id": assistant_id, "messages": [{"role": "user", "content": text}]}


class SlowWeatherBot(WeatherBot):
    """A tool that takes a moment, so a killed worker dies with jobs in hand."""

    @ae.tool
    async def get_weather(self, city: str) -> str:
        """The weather in a city, slowly."""
        await asyncio.sleep(0.1)
        return f"sunny in {city}"


class GatedBot(WeatherBot):
    """A tool that waits until the test opens the gate (set `entered`/`gate` in the loop)."""

    entered: asyncio.Event
    gate: asyncio.Event

    @ae.tool
    async def get_weather(self, city: str) -> str:
        """The weather in a city, once the gate opens."""
        type(self).entered.set()
        await type(self).gate.wait()
        return f"sunny in {city}"
