"""Benchmarks, side by side in one process: `python benchmarks/run.py [--quick]`.

1. text stream of 20,000 message deltas (4 KiB chunks): raw floor / ours / openai SDK
2. tool-call stream, arguments in many step deltas: same three
3. end to end over loopback: N concurrent runs against the mock server, ours vs SDK
4. memory: peak traced memory consuming 10k vs 100k deltas

Contenders alternate within each round; medians of the rounds and their ratios are
reported, and written to BENCHMARKS.md with a chart (benchmarks/events_per_second.png).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout: `benchmarks` and `assistants_events`

import assistants_events as ae  # noqa: E402
from assistants_events import jsonlib  # noqa: E402
from assistants_events.testing import MockAssistantsServer  # noqa: E402
from benchmarks import contenders as c  # noqa: E402
from benchmarks import transcripts  # noqa: E402
from benchmarks.report import replace_section  # noqa: E402

Runner = Callable[[list[bytes]], Awaitable[Any]]


async def timed(run: Runner, chunks: list[bytes]) -> float:
    gc.collect()
    start = time.perf_counter()
    await run(chunks)
    return time.perf_counter() - start


async def side_by_side(contenders: dict[str, Runner], body: bytes, rounds: int) -> dict[str, float]:
    """Median events/s of each contender, alternating them round by round."""
    chunks = c.chunked(body)
    events = c.count_events(body)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for run in contenders.values():  # warm-up: imports, caches, generated code
        await run(chunks)
    for round_ in range(rounds):
        order = list(contenders.items())
        if round_ % 2:
            order.reverse()
        for name, run in order:
            times[name].append(await timed(run, chunks))
    return {name: events / statistics.median(ts) for name, ts in times.items()}


def tool_stream(calls: int, length: int) -> bytes:
    """`calls` function calls whose arguments of about `length` characters arrive 4 at a time."""
    return transcripts.tool_call_run(
        [json.dumps({"city": f"{i:03d} " * (length // 4)}) for i in range(calls)]
    )


# ------------------------------------------------------------------ end to end


async def e2e(concurrency: int, words: int) -> dict[str, dict[str, float]]:
    import openai

    text = " ".join(f"w{i}" for i in range(words))
    out: dict[str, dict[str, float]] = {}
    async with MockAssistantsServer() as server:

        async def ours() -> tuple[int, list[Any]]:
            counts: list[int] = []

            class Count(ae.EventHandler):
                def __init__(self) -> None:
                    self.n = 0

                @ae.on("*")
                def count(self, event: ae.Event) -> None:
                    self.n += 1

            async with ae.AssistantsClient("k", server.url) as client:
                assistant = await client.create_assistant("gpt-4o")

                async def one() -> float:
                    bot = Count()
                    start = time.perf_counter()
                    await bot.run(client, assistant_id=assistant.id,
                                  messages=[{"role": "user", "content": text}])  # fmt: skip
                    counts.append(bot.n)
                    return time.perf_counter() - start

                latencies = await asyncio.gather(
                    *(one() for _ in range(concurrency)), return_exceptions=True
                )
            return sum(counts), list(latencies)

        async def sdk() -> tuple[int, list[Any]]:
            counts: list[int] = []

            class Count(openai.AsyncAssistantEventHandler):
                def __init__(self) -> None:
                    super().__init__()
                    self.n = 0

                async def on_event(self, event: Any) -> None:
                    self.n += 1

            client = openai.AsyncOpenAI(api_key="k", base_url=server.url)  # default retries
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                assistant = await client.beta.assistants.create(model="gpt-4o")

                async def one() -> float:
                    handler = Count()
                    start = time.perf_counter()
                    async with client.beta.threads.create_and_run_stream(
                        assistant_id=assistant.id, event_handler=handler,
                        thread={"messages": [{"role": "user", "content": text}]},
                    ) as stream:  # fmt: skip
                        await stream.until_done()
                    counts.append(handler.n + 1)  # + done, which the SDK swallows
                    return time.perf_counter() - start

                latencies = await asyncio.gather(
                    *(one() for _ in range(concurrency)), return_exceptions=True
                )
            await client.close()
            return sum(counts), list(latencies)

        for name, contender in (("assistants-events", ours), ("openai SDK", sdk)):
            start = time.perf_counter()
            events, outcomes = await contender()
            elapsed = time.perf_counter() - start
            latencies = sorted(o for o in outcomes if isinstance(o, float)) or [float("nan")]
            out[name] = {
                "failed": sum(1 for o in outcomes if not isinstance(o, float)),
                "events/s": events / elapsed,
                "p50 ms": 1000 * latencies[len(latencies) // 2],
                "p95 ms": 1000 * latencies[int(len(latencies) * 0.95) - 1],
                "max ms": 1000 * latencies[-1],
            }
    return out


# ---------------------------------------------------------------------- memory


async def peak_memory(deltas: int) -> tuple[int, int]:
    chunks = c.chunked(transcripts.text_run(deltas))
    gc.collect()
    tracemalloc.start()
    result = await c.TextReader().consume(chunks)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, len(result.text)


# ------------------------------------------------------------------------ main


def table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def in_memory_table(results: dict[str, float]) -> str:
    floor, sdk = results["raw floor"], results["openai SDK"]
    rows = [[name, f"{eps:,.0f}", f"{eps / sdk:.1f}x", f"{eps / floor:.0%}"]
            for name, eps in results.items()]  # fmt: skip
    return table(rows, ["contender", "events/s (median)", "vs SDK", "vs raw floor"])


def chart(results: dict[str, dict[str, float]], path: Path) -> bool:
    try:  # the chart is optional: matplotlib comes with the `bench` extra only
        import matplotlib  # type: ignore[import-not-found, unused-ignore]

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return False
    names = list(next(iter(results.values())))
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        xs = [j + i * width for j in range(len(results))]
        ax.bar(xs, [results[s][name] for s in results], width, label=name)
    ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(results))])
    ax.set_xticklabels(list(results))
    ax.set_ylabel("events per second (median)")
    ax.set_title("consume() side by side, same bytes, one process")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


Section = tuple[str, str]


async def text_scenario(rounds: int, quick: bool, speeds: dict[str, dict[str, float]]) -> Section:
    speeds["text (1)"] = results = await side_by_side({
        "raw floor": c.raw_floor(c.floor_text, "thread.message.delta"),
        "assistants-events": c.ours(c.TextReader),
        "openai SDK": c.sdk("text"),
    }, transcripts.text_run(20000), rounds)  # fmt: skip
    return "Text stream: 20,000 message deltas, 4 KiB chunks", in_memory_table(results)


async def tool_scenario(rounds: int, quick: bool, speeds: dict[str, dict[str, float]]) -> Section:
    body = tool_stream(20, 2000)
    speeds["tool calls (2)"] = results = await side_by_side({
        "raw floor": c.raw_floor(c.floor_arguments, "thread.run.step.delta"),
        "assistants-events": c.ours(c.ArgumentReader),
        "openai SDK": c.sdk("tool"),
    }, body, rounds)  # fmt: skip
    deltas = body.count(b"event: thread.run.step.delta")
    return f"Tool-call stream: 20 calls, {deltas:,} argument deltas", in_memory_table(results)


async def e2e_scenario(rounds: int, quick: bool, speeds: dict[str, dict[str, float]]) -> Section:
    rows = []
    for concurrency in (10, 100) if quick else (10, 100, 500):
        for name, f in (await e2e(concurrency, words=40)).items():
            keys = ("events/s", "p50 ms", "p95 ms", "max ms", "failed")
            rows.append([str(concurrency), name, *(f"{f[k]:,.0f}" for k in keys)])
    header = ["runs", "contender", "events/s", "p50 ms", "p95 ms", "max ms", "failed runs"]
    return "End to end over loopback: concurrent runs against the mock server", (
        "Each run: create thread and run, 40 words streamed back (about 50 events). "
        "The mock server shares the process and the loop with the client.\n\n" + table(rows, header)
    )


async def memory_scenario(rounds: int, quick: bool, speeds: dict[str, dict[str, float]]) -> Section:
    for _ in range(2):  # warm-up: generated code, caches and the loop are not per-stream memory
        await peak_memory(1_000)
    small, large = await peak_memory(10_000), await peak_memory(100_000)
    growth = (large[0] - small[0]) / (large[1] - small[1])
    rows = [[f"{n:,}", f"{peak / 1e6:.2f} MB", f"{chars / 1e3:.0f} kB"]
            for n, (peak, chars) in ((10_000, small), (100_000, large))]  # fmt: skip
    return "Memory: peak traced memory of consume()", (
        table(rows, ["deltas", "peak", "accumulated text"])
        + f"\n\nPeak growth per character of accumulated text: {growth:.1f} bytes. Nothing "
        "is kept per delta: the growth is copies of the text itself (the accumulated "
        "snapshot, and the final `message.completed` event that repeats the whole text "
        "while it is framed and decoded)."
    )


SCENARIOS = {1: text_scenario, 2: tool_scenario, 3: e2e_scenario, 4: memory_scenario}


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and runs")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="write BENCHMARKS.md and the chart")
    parser.add_argument("--only", type=int, choices=[1, 2, 3, 4], help="run one scenario")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else args.rounds

    wanted = [args.only] if args.only else [1, 2, 3, 4]
    sections: dict[int, str] = {}
    speeds: dict[str, dict[str, float]] = {}
    for number in wanted:
        title, text = await SCENARIOS[number](rounds, args.quick, speeds)
        sections[number] = f"### {number}. {title}\n\n{text}"
        print(sections[number], "\n", flush=True)

    if args.write:
        machine = (
            f"{platform.machine()}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, {os.cpu_count()} cores, "
            f"JSON decoder: {jsonlib.BACKEND}"
        )
        has_chart = chart(speeds, HERE / "events_per_second.png") if speeds else False
        body = (
            f"## Speed\n\n`python benchmarks/run.py --write` on {machine}, "
            f"{time.strftime('%Y-%m-%d')}. Medians of {rounds} alternating rounds; only the "
            "ratios measured side by side in one run mean anything on a shared machine.\n\n"
            + "\n\n".join(sections.values())
        )
        if has_chart:
            body += "\n\n![events per second](benchmarks/events_per_second.png)"
        replace_section("speed", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
