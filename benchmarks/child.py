"""One measurement, in a process of its own; `run.py` starts these and reads their JSON.

    python benchmarks/child.py speed --install default|fast --scenario NAME --rounds N
    python benchmarks/child.py memory --install default|fast --mode traced|rss --body FILE
    python benchmarks/child.py e2e --url URL --contender NAME --runs N --words N

`--install default` hides the optional extras (orjson, msgspec) from the import
system before anything imports them: the process then decodes as a default
install does.  Each measurement prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import sys
from typing import Any

# The floors' decoders, taken before a default install hides the extras from the library.
FLOOR_DECODERS: dict[str, Any] = {"json": json.loads}
_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _json_scanner(data: bytes) -> Any:
    """The json module's C scanner called directly, as a default install's `consume()` does."""
    return _scan(data.decode(), 0)[0]


FLOOR_DECODERS["json scanner"] = _json_scanner
try:
    import orjson

    FLOOR_DECODERS["orjson"] = orjson.loads
except ImportError:  # pragma: no cover - the bench extra installs it
    pass
try:
    import msgspec

    FLOOR_DECODERS["msgspec"] = msgspec.json.Decoder().decode
except ImportError:  # pragma: no cover - the bench extra installs it
    pass

_argv = sys.argv[1:]
if __name__ == "__main__" and "--install" in _argv and "default" in _argv:
    for extra in ("orjson", "msgspec"):
        # A None entry makes `import extra` raise ImportError: the default install.
        sys.modules[extra] = None  # type: ignore[assignment]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import gc  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout: `benchmarks` and `assistants_events`

import assistants_events as ae  # noqa: E402
from assistants_events import jsonlib  # noqa: E402
from benchmarks import contenders as c  # noqa: E402
from benchmarks import responses_transcripts as rt  # noqa: E402
from benchmarks import transcripts as at  # noqa: E402

# --------------------------------------------------------------------- workloads


def tool_arguments(calls: int, length: int) -> list[str]:
    return [json.dumps({"city": f"{i:03d} " * (length // 4)}) for i in range(calls)]


def workload(scenario: str, quick: bool) -> list[bytes]:
    """The bodies one timed pass of a scenario consumes (each body: one stream)."""
    deltas = 5_000 if quick else 20_000
    if scenario == "assistants text":
        return [at.text_run(deltas)]
    if scenario == "assistants arguments":
        return [at.tool_call_run(tool_arguments(20, deltas // 10))]
    if scenario == "assistants mixed":
        return [at.mixed_run()] * (deltas // 40)
    if scenario == "responses text":
        return [rt.text_response(deltas)]
    if scenario == "responses arguments":
        return [rt.function_call_response(tool_arguments(20, deltas // 10))]
    raise SystemExit(f"unknown scenario {scenario!r}")


def snapshot_body(scenario: str, deltas: int) -> bytes:
    if scenario == "assistants snapshot":
        return at.text_run(deltas)
    return rt.text_response(deltas)


# -------------------------------------------------------------------- speed


Contender = tuple[c.Runner, list[c.Chunks], int]


async def interleaved(contenders: dict[str, Contender], rounds: int) -> dict[str, list[float]]:
    """CPU seconds per event of each contender, round by round, order alternating."""
    for run, streams, _ in contenders.values():  # warm-up: imports, caches, generated code
        for chunks in streams[:3]:
            await run(chunks)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for round_ in range(rounds):
        order = list(contenders.items())
        if round_ % 2:
            order.reverse()
        for name, (run, streams, events) in order:
            gc.collect()
            start = time.process_time()
            for chunks in streams:
                await run(chunks)
            times[name].append((time.process_time() - start) / events)
        line = "  ".join(f"{name} {times[name][-1] * 1e6:.2f}" for name in contenders)
        print(f"    round {round_ + 1}: µs/event  {line}", file=sys.stderr, flush=True)
    return times


async def speed(args: argparse.Namespace) -> dict[str, Any]:
    scenario = args.scenario
    if scenario.endswith("snapshot"):
        sizes = (2_000, 20_000) if args.quick else (20_000, 200_000)
        contenders: dict[str, Contender] = {}
        for size in sizes:
            body = c.chunked(snapshot_body(scenario, size))
            contenders[f"{size}"] = (c.ours(c.OUR_HANDLERS[scenario]), [body], size)
        return {"times": await interleaved(contenders, args.rounds), "sizes": sizes}

    bodies = workload(scenario, args.quick)
    streams = [c.chunked(body) for body in bodies]
    events = sum(c.count_events(body) for body in bodies)
    readers = c.FLOOR_READERS[scenario]
    contenders = {}
    for decoder, loads in FLOOR_DECODERS.items():
        contenders[f"floor {decoder}"] = (c.floor(loads, readers), streams, events)
    contenders["ours"] = (c.ours(c.OUR_HANDLERS[scenario]), streams, events)
    if args.sdk:
        contenders["sdk"] = (c.sdk(scenario), streams, events)
    return {
        "times": await interleaved(contenders, args.rounds),
        "events": events,
        "backend": jsonlib.BACKEND,
    }


# ------------------------------------------------------------------- memory


def _rss_peak() -> int:
    """The process's peak resident set size, in bytes (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rss_now() -> int:
    import resource

    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize()


def _reset_peak() -> bool:
    try:  # Linux >= 4.0: writing 5 resets the peak RSS to the current RSS
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _file_chunks(path: str, size: int = 4096) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(size):
            yield chunk


async def memory(args: argparse.Namespace) -> dict[str, Any]:
    """Peak memory above the start while one handler consumes a body read from a file."""
    import tracemalloc

    handler_cls = ae.EventHandler
    warm = rt.text_response(500) if args.protocol == "responses" else at.text_run(500)
    for _ in range(2):  # generated code, caches, the loop: not per-stream memory
        await handler_cls().consume(c.chunked(warm))
    del warm
    gc.collect()
    if args.mode == "traced":
        tracemalloc.start()
        result = await handler_cls().consume(_file_chunks(args.body))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {"peak": peak, "chars": len(result.text)}
    reset = _reset_peak()
    start = _rss_now()
    high_before = _rss_peak()
    result = await handler_cls().consume(_file_chunks(args.body))
    high = _rss_peak()
    return {"peak": high - start, "chars": len(result.text), "reset": reset,
            "hidden": (not reset) and high <= high_before}  # fmt: skip


# ----------------------------------------------------------------- end to end


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(q * len(values)))]


class _Count(ae.EventHandler):
    def __init__(self) -> None:
        self.n = 0

    @ae.on("*")
    def count(self, event: ae.Event) -> None:
        self.n += 1


async def _ours(url: str, runs: int, text: str, warm: int) -> tuple[list[Any], int]:
    counts: list[int] = []
    async with ae.AssistantsClient("k", url) as client:
        assistant = await client.create_assistant("gpt-4o")

        async def one() -> float:
            bot = _Count()
            start = time.perf_counter()
            await bot.run(client, assistant_id=assistant.id,
                          messages=[{"role": "user", "content": text}])  # fmt: skip
            counts.append(bot.n)
            return time.perf_counter() - start

        for _ in range(warm):
            await one()
        counts.clear()
        return await _measure(one, runs), sum(counts)


async def _sdk(url: str, runs: int, text: str, warm: int, aiohttp: bool) -> tuple[list[Any], int]:
    import openai

    counts: list[int] = []

    class Count(openai.AsyncAssistantEventHandler):
        def __init__(self) -> None:
            super().__init__()
            self.n = 0

        async def on_event(self, event: Any) -> None:
            self.n += 1

    http_client = openai.DefaultAioHttpClient() if aiohttp else None
    client = openai.AsyncOpenAI(api_key="k", base_url=url, http_client=http_client)
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
            counts.append(handler.n + 1)  # + done, which the SDK does not pass on
            return time.perf_counter() - start

        for _ in range(warm):
            await one()
        counts.clear()
        outcomes = await _measure(one, runs)
    await client.close()
    return outcomes, sum(counts)


_MEASURED: dict[str, float] = {}
_SERVER: list[int] = []  # the mock server's pid, when given
_BATCHES: list[int] = [1]  # batches of concurrent runs measured one after the other


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of another process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _measure(one: Any, runs: int) -> list[Any]:
    """`runs` concurrent runs, `_BATCHES[0]` times in a row; CPU and wall summed over them.

    Small levels run several batches: in one batch of 10 runs (about 20 ms of CPU) a
    single full garbage collection would decide the figure.
    """
    gc.collect()
    outcomes: list[Any] = []
    for name in ("cpu", "wall", "server"):
        _MEASURED[name] = 0.0
    for _ in range(_BATCHES[0]):
        server = process_cpu(_SERVER[0]) if _SERVER else 0.0
        cpu, wall = time.process_time(), time.perf_counter()
        outcomes += await asyncio.gather(*(one() for _ in range(runs)), return_exceptions=True)
        _MEASURED["cpu"] += time.process_time() - cpu
        _MEASURED["wall"] += time.perf_counter() - wall
        _MEASURED["server"] += (process_cpu(_SERVER[0]) if _SERVER else 0.0) - server
    return outcomes


async def e2e(args: argparse.Namespace) -> dict[str, Any]:
    text = " ".join(f"w{i}" for i in range(args.words))
    if args.server_pid:
        _SERVER.append(args.server_pid)
    _BATCHES[0] = args.batches
    if args.contender == "ours":
        outcomes, events = await _ours(args.url, args.runs, text, args.warm)
    else:
        outcomes, events = await _sdk(args.url, args.runs, text, args.warm,
                                      aiohttp=args.contender == "sdk-aiohttp")  # fmt: skip
    latencies = sorted(o for o in outcomes if isinstance(o, float))
    errors = [f"{type(o).__name__}: {o}"[:200] for o in outcomes if not isinstance(o, float)]
    return {
        "events": events,
        "cpu": _MEASURED["cpu"],
        "wall": _MEASURED["wall"],
        "server": _MEASURED["server"],
        "p50": _percentile(latencies, 0.50),
        "p99": _percentile(latencies, 0.99),
        "failed": len(errors),
        "errors": errors[:3],
        "backend": jsonlib.BACKEND,
    }


# ------------------------------------------------------------------------ main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    s = sub.add_parser("speed")
    s.add_argument("--scenario", required=True)
    s.add_argument("--rounds", type=int, default=7)
    s.add_argument("--sdk", action="store_true")
    s.add_argument("--quick", action="store_true")
    m = sub.add_parser("memory")
    m.add_argument("--protocol", choices=["assistants", "responses"], default="assistants")
    m.add_argument("--mode", choices=["traced", "rss"], required=True)
    m.add_argument("--body", required=True)
    e = sub.add_parser("e2e")
    e.add_argument("--url", required=True)
    e.add_argument("--contender", choices=["ours", "sdk", "sdk-aiohttp"], required=True)
    e.add_argument("--runs", type=int, required=True)
    e.add_argument("--words", type=int, default=40)
    e.add_argument("--warm", type=int, default=5)
    e.add_argument("--batches", type=int, default=1, help="batches of --runs, one after another")
    e.add_argument("--server-pid", type=int, help="the mock server's pid: its CPU is reported")
    for p in (s, m, e):
        p.add_argument("--install", choices=["default", "fast"], default="fast")
    args = parser.parse_args()
    out = asyncio.run({"speed": speed, "memory": memory, "e2e": e2e}[args.what](args))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
