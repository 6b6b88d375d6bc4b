"""Dozens of responses at once on one event loop, each with a tool round trip.

python examples/responses/concurrent_responses.py               # 50 against the embedded mock
python examples/responses/concurrent_responses.py --responses 200

The Assistants twin is `examples/concurrent_runs.py`.
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


async def one_response(client: ae.AssistantsClient, n: int) -> tuple[str, int]:
    bot = Counter()
    message = f'lookup {{"key": "response-{n}"}}'  # the mock model calls the tool named first
    result = await bot.respond(client, model="gpt-4o", input=message)
    assert result.response is not None and len(result.responses) == 2
    return str(result.response.status), bot.events


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--responses", type=int, default=50)
    parser.add_argument("--base-url")
    parser.add_argument("--api-key")
    args = parser.parse_args(argv)
    async with connect(args.base_url, args.api_key) as client:
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(one_response(client, n) for n in range(args.responses)))
        elapsed = time.perf_counter() - started
    statuses = collections.Counter(status for status, _ in outcomes)
    events = sum(count for _, count in outcomes)
    print(f"{args.responses} tool loops in {elapsed:.2f}s: {dict(statuses)}, {events} events "
          f"({events / elapsed:,.0f} events/s)")  # fmt: skip
    return 0 if statuses == {"completed": args.responses} else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
