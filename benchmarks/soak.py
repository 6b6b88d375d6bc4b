"""Soak: runs against the mock server with random faults, for a bounded time.

    python benchmarks/soak.py --minutes 2 [--workers 40] [--seed 1] [--write]

Every run asks for a tool call, so every run has outputs to lose or to duplicate.
It prints runs started, runs per final state, events, faults injected, tool outputs
confirmed by the client vs received by the server (lost and duplicated must be 0),
runs that hung, and runs left alive on the server (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import random
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout: `benchmarks` and `assistants_events`

import anyio  # noqa: E402

import assistants_events as ae  # noqa: E402
from assistants_events.testing import Faults, MockAssistantsServer  # noqa: E402
from benchmarks.report import replace_section  # noqa: E402

STALL = 2.0  # seconds a stalled stream stays silent (the client gives up after 0.5)
FAULTS = ["none", "http_503", "http_429", "drop", "stall", "error_event", "run_failed",
          "run_expired", "slow_deltas", "local_cancel", "submit_503", "lost_answer"]  # fmt: skip


class Worker(ae.EventHandler):
    def __init__(self, tally: collections.Counter[str]) -> None:
        self.tally = tally

    @ae.on("*")
    def count(self, event: ae.Event) -> None:
        self.tally["events"] += 1

    @ae.tool
    async def lookup(self, key: str) -> str:
        """Look a key up."""
        await anyio.sleep(random.random() / 100)
        return key[::-1]


class CountingClient(ae.AssistantsClient):
    """Records the outputs whose submission the server accepted (the stream opened)."""

    confirmed: dict[str, list[str]]

    async def stream_submit_tool_outputs(self, thread_id: str, run_id: str, tool_outputs: Any,
                                         **options: Any) -> ae.RunStream:  # fmt: skip
        stream = await super().stream_submit_tool_outputs(thread_id, run_id, tool_outputs,
                                                          **options)  # fmt: skip
        self.confirmed.setdefault(run_id, []).extend(o.tool_call_id for o in tool_outputs)
        return stream


async def one_run(server: MockAssistantsServer, client: CountingClient, assistant_id: str,
                  n: int, tally: collections.Counter[str]) -> str:  # fmt: skip
    fault = random.choice(FAULTS)
    tally[f"fault: {fault}"] += 1
    if fault == "http_503":
        server.fail_next(random.randint(1, 2), 503, paths=("/runs",))
    elif fault == "http_429":
        server.fail_next(1, 429, retry_after=0.01, paths=("/runs",))
    elif fault == "submit_503":
        server.fail_next(1, 503, paths=("submit_tool_outputs",))
    elif fault == "drop":
        server.inject(Faults(drop_after=random.randint(1, 15)))
    elif fault == "stall":
        server.inject(Faults(stall_after=random.randint(1, 10), stall_seconds=STALL))
    elif fault == "error_event":
        server.inject(Faults(error_after=random.randint(1, 10)))
    elif fault in ("run_failed", "run_expired"):
        server.inject(Faults(run_outcome=fault.removeprefix("run_")))  # type: ignore[arg-type]
    elif fault == "lost_answer":  # the run is created or the outputs taken; no answer
        server.inject(Faults(drop_before_answer=True))
    elif fault == "slow_deltas":
        server.inject(Faults(delta_delay=0.002))
    message = f'lookup {{"key": "key-{n}"}}'
    run = Worker(tally).run(client, assistant_id=assistant_id,
                            messages=[{"role": "user", "content": message}])  # fmt: skip
    try:
        with anyio.fail_after(30):
            if fault == "local_cancel":
                with anyio.move_on_after(random.random() / 20):
                    await run
                    return "completed"
                return "cancelled locally"
            result = await run
            return result.run.status if result.run is not None else "no run"
    except TimeoutError:
        return "HUNG"
    except ae.AssistantsEventsError as exc:
        return type(exc).__name__


async def soak(minutes: float, workers: int) -> dict[str, Any]:
    tally: collections.Counter[str] = collections.Counter()
    outcomes: collections.Counter[str] = collections.Counter()
    deadline = time.monotonic() + minutes * 60
    async with MockAssistantsServer() as server:
        client = CountingClient("soak-key", server.url, max_retries=3, backoff_base=0.01,
                                backoff_max=0.1, idle_timeout=0.5)  # fmt: skip
        client.confirmed = {}
        async with client:
            tools = Worker(tally).tool_definitions()
            assistant = await client.create_assistant("gpt-4o", tools=tools)
            counter = iter(range(10**9))

            async def worker() -> None:
                while time.monotonic() < deadline:
                    n = next(counter)
                    outcomes[await one_run(server, client, assistant.id, n, tally)] += 1

            async with anyio.create_task_group() as group:
                for _ in range(workers):
                    group.start_soon(worker)
            await asyncio.sleep(STALL + 1)  # stalled streams settle their cancels after the stall
        received: collections.Counter[str] = collections.Counter()
        for state in server.store.runs.values():
            for batch in state.submissions:
                received.update(o["tool_call_id"] for o in batch)
        confirmed = [i for ids in client.confirmed.values() for i in ids]
        ended = ("completed", "cancelled", "failed", "expired", "incomplete")
        alive = [s.id for s in server.store.runs.values() if s.status not in ended]
    return {
        "runs started": sum(outcomes.values()),
        "final states": dict(sorted(outcomes.items())),
        "events": tally["events"],
        "faults injected": {k[7:]: v for k, v in sorted(tally.items()) if k.startswith("fault")},
        "tool outputs confirmed": len(confirmed),
        "tool outputs received": sum(received.values()),
        "lost": len(set(confirmed) - set(received)),
        "duplicated": sum(1 for count in received.values() if count > 1),
        "hung": outcomes["HUNG"],
        "left alive on the server": len(alive),
    }


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="put the result in BENCHMARKS.md")
    args = parser.parse_args(argv)
    if not 0 < args.minutes <= 60:
        parser.error("--minutes must be in (0, 60]")
    random.seed(args.seed)
    report = await soak(args.minutes, args.workers)
    lines = [f"- {key}: {value}" for key, value in report.items()]
    print("\n".join(lines))
    healthy = report["lost"] == report["duplicated"] == report["hung"] == 0 and \
        report["left alive on the server"] == 0  # fmt: skip
    if args.write:
        replace_section("soak", f"## Soak\n\n`python benchmarks/soak.py --minutes {args.minutes:g} "
                        f"--workers {args.workers} --seed {args.seed}`, "
                        f"{time.strftime('%Y-%m-%d')}:\n\n" + "\n".join(lines))  # fmt: skip
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
