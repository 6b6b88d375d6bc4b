"""Weather bot: streamed text and tool calls, against the embedded mock server.

    python examples/weather_bot.py                       # no key needed
    python examples/weather_bot.py --base-url https://api.openai.com/v1 --api-key sk-...
    python examples/weather_bot.py --api assistants      # the same bot on the Assistants API

The bot lives in the package (`assistants_events/demo.py`), so `assistants-events
demo` runs it from an installed wheel too; read it there. With no --base-url it
starts a `MockAssistantsServer` whose scripted model asks for the weather of two
cities, then answers from the tool outputs.  One handler class serves both
protocols: it subscribes to both protocols' text events, and its tools answer
either driver (`respond` for Responses, the default; `run` for Assistants).
"""

from __future__ import annotations

import asyncio
import contextlib

from assistants_events.demo import FORECASTS, WeatherBot, forecaster, main

__all__ = ["FORECASTS", "WeatherBot", "forecaster", "main"]

if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(asyncio.run(main()))
