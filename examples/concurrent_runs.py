"""Dozens of runs at once on one event loop, each with a tool round trip.

python examples/concurrent_runs.py            # 50 runs against the embedded mock
python examples/concurrent_runs.py --runs 200
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import time

import assistants_events as ae
from assistants_events.testing import connect


class Counter(ae.EventHandler):
    """Counts its events and answers a lookup tool."""

    def __init__(self) -> None:
        self.events = 0

    @ae.on("*")
    def count(self, event: ae.Event) -> None:
        self.events += 1

    @ae.tool
    def lookup(self, key: str) -> str:
        """Look a key up."""
        return key[::-1]


async def one_run(client: ae.AssistantsClient, assistant_id: str, n: int) -> tuple[str, int]:
    bot = Counter()
    message = f'lookup {{"key": "run-{n}"}}'  # the mock model calls the tool named first
    result = await bot.run(client, assistant_id=assistant_id,
                           messages=[{"role": "user", "content": message}])  # fmt: skip
    assert result.run is not None
    return result.run.status, bot.events


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--base-url")
    parser.add_argument("--api-key")
    args = parser.parse_args(argv)
    async with connect(args.base_url, args.api_key) as client:
        assistant = await client.create_assistant(
            "gpt-4o", name="Counter", tools=Counter().tool_definitions()
        )
        started = time.perf_counter()
        outcomes = await asyncio.gather(
            *(one_run(client, assistant.id, n) for n in range(args.runs))
        )
        elapsed = time.perf_counter() - started
    statuses = collections.Counter(status for status, _ in outcomes)
    events = sum(count for _, count in outcomes)
    print(f"{args.runs} runs in {elapsed:.2f}s: {dict(statuses)}, {events} events "
          f"({events / elapsed:,.0f} events/s)")  # fmt: skip
    return 0 if statuses == {"completed": args.runs} else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
