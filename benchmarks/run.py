"""Benchmarks of assistants-events against a like-for-like floor and the openai SDK.

`python benchmarks/run.py [--quick] [--write] [--only speed,snapshot,memory,e2e]`

1. speed: CPU time (`time.process_time`) per event of the same bytes, contenders
   interleaved round by round in one process: the floor (split + JSON decoder +
   dict lookup; once with `json`, once with `orjson`), `consume()`, the SDK.
   Scenarios: Assistants text deltas, argument deltas, a mixed run (file search,
   code interpreter, citations); Responses text deltas, argument deltas.  Each
   once as a default install (orjson and msgspec hidden) and once with the extras.
2. snapshot: a handler reading `event.snapshot` on every text delta, at 20k and
   200k deltas: CPU per event must stay flat.
3. memory: traced peak and RSS peak of `consume()`, one child process each, in
   bytes per accumulated character.
4. e2e: the mock server in its own process (`python -m assistants_events
   mock-server`), N concurrent runs from a client process: ours, the SDK with its
   default transport and with its aiohttp transport; 5 rounds per level, the
   contenders interleaved in each, the ratio taken per round.

Every measurement runs in a child process (benchmarks/child.py).  Ratios are
taken per round and reported as median (min-max).  `--write` puts the tables and
a chart (matplotlib, the `bench` extra) into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the checkout: `benchmarks` and `assistants_events`

from benchmarks import responses_transcripts as rt  # noqa: E402
from benchmarks import transcripts as at  # noqa: E402
from benchmarks.report import replace_section  # noqa: E402

CHILD = str(HERE / "child.py")
SPEED_SCENARIOS = ["assistants text", "assistants arguments", "assistants mixed",
                   "responses text", "responses arguments"]  # fmt: skip
FLOORS = ["json", "json scanner", "orjson", "msgspec"]
SECTIONS = ["speed", "snapshot", "memory", "e2e"]


def child(*argv: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; its per-round lines pass through."""
    done = subprocess.run([sys.executable, CHILD, *argv], stdout=subprocess.PIPE, cwd=ROOT,
                          text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"child {' '.join(argv)} failed with status {done.returncode}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    """median [min, max]."""
    med = statistics.median(values)
    return f"{fmt.format(med)} [{fmt.format(min(values))}, {fmt.format(max(values))}]"


def ratios(numerator: list[float], denominator: list[float]) -> list[float]:
    return [a / b for a, b in zip(numerator, denominator, strict=True)]


def us(values: list[float]) -> str:
    return f"{statistics.median(values) * 1e6:.2f}"


def table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# ------------------------------------------------------------------------ speed


def speed(args: argparse.Namespace, figures: dict[str, Any]) -> str:
    rows = []
    figures["speed"] = {}
    for scenario in SPEED_SCENARIOS:
        for install in ("default", "fast"):
            print(f"  {scenario}, {install} install", file=sys.stderr, flush=True)
            argv = ["speed", "--install", install, "--scenario", scenario, "--rounds",
                    str(args.rounds)]  # fmt: skip
            if install == "default":
                argv.append("--sdk")  # the SDK decodes with json either way
            if args.quick:
                argv.append("--quick")
            out = child(*argv)
            t = out["times"]
            vs = {d: ratios(t[f"floor {d}"], t["ours"]) for d in FLOORS if f"floor {d}" in t}
            vs_sdk = ratios(t["sdk"], t["ours"]) if "sdk" in t else None
            print("    " + ", ".join(f"ours/floor {d} {spread(r)}" for d, r in vs.items())
                  + (f", ours vs SDK {spread(vs_sdk, '{:.1f}')}x" if vs_sdk else ""),
                  file=sys.stderr, flush=True)  # fmt: skip
            like = "json" if out["backend"] == "json" else out["backend"]
            figures["speed"][f"{scenario} / {install}"] = {
                d: statistics.median(r) for d, r in vs.items()
            } | {"like": statistics.median(vs[like])}
            rows.append([
                scenario, f"{install} ({out['backend']})", f"{out['events']:,}",
                *(us(t[f"floor {d}"]) if f"floor {d}" in t else "-" for d in FLOORS),
                us(t["ours"]), f"**{spread(vs[like])}**",
                *(spread(vs[d]) if d in vs else "-" for d in FLOORS),
                us(t["sdk"]) if "sdk" in t else "",
                spread(vs_sdk, "{:.1f}") if vs_sdk else "",
            ])  # fmt: skip
    header = ["scenario", "install (decoder)", "events",
              *(f"floor {d} µs/ev" for d in FLOORS), "ours µs/ev",
              "ours ÷ like-for-like floor", *(f"ours ÷ {d} floor" for d in FLOORS),
              "SDK µs/ev", "ours x SDK"]  # fmt: skip
    return (
        "CPU time per event (`time.process_time`), contenders interleaved round by round "
        f"in one process, {args.rounds} rounds. Ratios are throughput ratios taken per "
        "round: median [min, max]. `ours ÷ floor` is 0.50 when `consume()` handles "
        "half as many events per CPU second as that floor. The like-for-like floor is the "
        "one with the decoder the install uses: json for a default install, msgspec with "
        "the `fast` extra; the orjson floor is the fastest decoder here. A default "
        "install calls the json module's C scanner directly (`JSONDecoder.scan_once`, "
        "what `json.loads` runs inside its Python wrapper); the `json scanner` floor "
        "calls it the same way, the `json` floor calls `json.loads` as hand-written code "
        "would: both are shown. The SDK (which "
        "decodes with json whatever is installed) is measured beside the default install "
        "only.\n\n"
        "- text: 20,000 `thread.message.delta` / `response.output_text.delta`, the handler "
        "reads the delta's text from the typed model;\n"
        "- arguments: 20 function calls, about 10,000 argument deltas of 4 characters;\n"
        "- mixed: the Assistants mixed run (file search, code interpreter input, logs and "
        "image, a message with a file citation, a file path and an image part) 500 times, "
        "every delta's typed model read (the SDK: `on_event`, `event.data.delta`).\n\n"
        + table(rows, header)
    )


# --------------------------------------------------------------------- snapshot


def snapshot(args: argparse.Namespace, figures: dict[str, Any]) -> str:
    rows = []
    for scenario in ("assistants snapshot", "responses snapshot"):
        print(f"  {scenario}", file=sys.stderr, flush=True)
        argv = ["speed", "--install", "default", "--scenario", scenario,
                "--rounds", str(max(2, args.rounds // 2))]  # fmt: skip
        if args.quick:
            argv.append("--quick")
        out = child(*argv)
        small, large = (str(s) for s in out["sizes"])
        t = out["times"]
        growth = ratios(t[large], t[small])
        print(f"    CPU per event {large} ÷ {small}: {spread(growth)}", file=sys.stderr)
        rows.append([scenario.split()[0], us(t[small]), us(t[large]), spread(growth)])
    small_n, large_n = ("2,000", "20,000") if args.quick else ("20,000", "200,000")
    header = ["protocol", f"µs/event at {small_n}", f"µs/event at {large_n}",
              f"{large_n} ÷ {small_n}, per event"]  # fmt: skip
    return (
        "A handler reading `event.snapshot` (the whole text so far, typed) on every text "
        "delta: the SDK's `on_text_delta(delta, snapshot)` pattern. Linear reading keeps "
        "the per-event CPU flat (ratio near 1.0); a snapshot rebuilt from the whole text "
        "makes it grow with the text. Default install, interleaved rounds.\n\n"
        + table(rows, header)
    )


# ----------------------------------------------------------------------- memory


def memory(args: argparse.Namespace, figures: dict[str, Any]) -> str:
    sizes = (10_000, 100_000) if args.quick else (20_000, 200_000)
    installs = ("fast",) if args.quick else ("default", "fast")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        bodies: dict[tuple[str, int], str] = {}
        for protocol in ("assistants", "responses"):
            for size in sizes:
                path = Path(tmp) / f"{protocol}-{size}.sse"
                path.write_bytes(at.text_run(size) if protocol == "assistants"
                                 else rt.text_response(size))  # fmt: skip
                bodies[protocol, size] = str(path)
        for protocol in ("assistants", "responses"):
            for install in installs:
                cells = []
                for mode in ("traced", "rss"):
                    got = {size: child("memory", "--install", install, "--mode", mode,
                                       "--protocol", protocol, "--body", bodies[protocol, size])
                           for size in sizes}  # fmt: skip
                    small, large = got[sizes[0]], got[sizes[1]]
                    per_char = large["peak"] / large["chars"]
                    growth = (large["peak"] - small["peak"]) / (large["chars"] - small["chars"])
                    hidden = " (hidden)" if large.get("hidden") else ""
                    cells += [f"{large['peak'] / 1e6:.2f} MB{hidden}", f"{per_char:.1f}",
                              f"{growth:.1f}"]  # fmt: skip
                    print(f"  {protocol} {install} {mode}: {per_char:.1f} B/char at {sizes[1]}, "
                          f"growth {growth:.1f}", file=sys.stderr, flush=True)  # fmt: skip
                rows.append([protocol, install, f"{large['chars'] / 1e6:.2f} M", *cells])
    header = ["protocol", "install", "text", "traced peak", "traced B/char",
              "traced growth B/char", "RSS peak", "RSS B/char", "RSS growth B/char"]  # fmt: skip
    return (
        f"One message of {sizes[1]:,} text deltas consumed by a plain `EventHandler`, read "
        "4 KiB at a time from a file, in a child process per measurement (after a warm-up "
        "stream): the traced peak (`tracemalloc`) and the RSS peak (`VmHWM`, reset through "
        "`/proc/self/clear_refs` before the stream) above the memory at its start. "
        f"`B/char`: peak ÷ accumulated characters; `growth`: the same between {sizes[0]:,} "
        f"and {sizes[1]:,} deltas, what each further character costs.\n\n" + table(rows, header)
    )


# -------------------------------------------------------------------------- e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class MockServer:
    """`python -m assistants_events mock-server` in its own process."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "assistants_events", "mock-server", "--port", str(self.port)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "mock Assistants API" not in line:
            self.close()
            raise SystemExit(f"the mock server did not start: {line!r}")
        self.url = re.findall(r"http://\S+", line)[0]

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def batches(runs: int) -> int:
    """Batches of `runs` concurrent runs measured: at least 2,000 runs, at most 20 batches."""
    return max(1, min(20, 2000 // runs))


def e2e(args: argparse.Namespace, figures: dict[str, Any]) -> str:
    levels = (10, 100, 500) if args.quick else (10, 100, 500, 2000)
    rounds = args.e2e_rounds or (1 if args.quick else 5)
    contenders = ["ours", "sdk", "sdk-aiohttp"]
    labels = {"ours": "assistants-events", "sdk": "openai SDK (httpx)",
              "sdk-aiohttp": "openai SDK (aiohttp)"}  # fmt: skip
    rows = []
    figures["e2e"] = {}
    ratios: dict[int, list[float]] = {}
    for runs in levels:
        measured: dict[str, list[dict[str, Any]]] = {name: [] for name in contenders}
        for number in range(rounds):
            # A fresh server per round: what a server holds grows with every run it
            # served, and a slower server sends fewer events per read to the client.
            server = MockServer()
            try:
                # Interleaved: each round measures every contender once, in turn, so
                # that the machine's load moves all of a round's figures alike.
                order = contenders if number % 2 == 0 else contenders[::-1]
                for name in order:
                    out = child("e2e", "--url", server.url, "--contender", name,
                                "--runs", str(runs), "--words", str(args.words),
                                "--batches", str(batches(runs)),
                                "--server-pid", str(server.proc.pid))  # fmt: skip
                    out["per_event"] = out["cpu"] / max(out["events"], 1)
                    measured[name].append(out)
                    print(f"  {runs} runs, round {number + 1}, {labels[name]}: "
                          f"{out['events'] / out['wall']:,.0f} ev/s, p50 {out['p50'] * 1e3:,.0f} "
                          f"ms, client CPU {out['per_event'] * 1e6:.1f} µs/ev, "
                          f"failed {out['failed']} {out['errors'][:1]}",
                          file=sys.stderr, flush=True)  # fmt: skip
            finally:
                server.close()
            best = min(measured[n][-1]["per_event"] for n in ("sdk", "sdk-aiohttp"))
            ratios.setdefault(runs, []).append(best / measured["ours"][-1]["per_event"])
        for name in contenders:
            outs = measured[name]
            per_event = statistics.median(o["per_event"] for o in outs)
            events = sum(o["events"] for o in outs)
            figures["e2e"].setdefault(labels[name], {})[runs] = per_event * 1e6
            rows.append([str(runs), labels[name],
                         f"{statistics.median(o['events'] / o['wall'] for o in outs):,.0f}",
                         f"{statistics.median(o['p50'] for o in outs) * 1e3:,.0f}",
                         f"{statistics.median(o['p99'] for o in outs) * 1e3:,.0f}",
                         f"{per_event * 1e6:.1f}",
                         f"{sum(o['server'] for o in outs) * 1e6 / max(events, 1):.1f}",
                         str(sum(o["failed"] for o in outs))])  # fmt: skip
    for runs in levels:
        figures["e2e"].setdefault("x better SDK", {})[runs] = statistics.median(ratios[runs])
    ratio_rows = [[str(runs), f"{statistics.median(ratios[runs]):.1f}x",
                   " ".join(f"{r:.1f}" for r in ratios[runs])] for runs in levels]  # fmt: skip
    header = ["runs", "contender", "events/s", "p50 ms", "p99 ms", "client CPU µs/event",
              "server CPU µs/event", "failed runs"]  # fmt: skip
    return (
        f"Each run: create a thread and a run, {args.words} words streamed back (about "
        f"{args.words + 12} events). The mock server runs in its own process "
        "(`python -m assistants_events mock-server`), a fresh one per round; each "
        "contender runs in its own client process (5 warm-up runs, then all runs at "
        "once, as a batch; small levels run several batches one after another: "
        + ", ".join(f"{batches(r)} x {r}" for r in levels)
        + ", so that one full garbage collection in a 20 ms batch does not decide the "
        f"figure) with the `fast` extra installed. {rounds} rounds per level, the "
        "contenders interleaved in each (their order reversed every other round); the "
        "table gives each contender's median over the rounds (failed runs: the sum). "
        "Client CPU is the client process's "
        "`process_time` over the batches; server CPU is the server's over the same time "
        "(from /proc). Both transports of "
        "the SDK use its default connection limits (1,000 connections).\n\n"
        + table(rows, header)
        + "\n\nClient CPU per event, the better SDK configuration ÷ ours, per round "
        "(the better SDK configuration of that round): median and every round:\n\n"
        + table(ratio_rows, ["runs", "ours x better SDK (median)", "per round"])
    )


# ------------------------------------------------------------------------ chart


def chart(figures: dict[str, Any], path: Path) -> bool:
    try:  # the chart is optional: matplotlib comes with the `bench` extra only
        import matplotlib  # type: ignore[import-not-found, unused-ignore]

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return False
    panels = [key for key in ("speed", "e2e") if key in figures]
    if not panels:
        return False
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 4.2), squeeze=False)
    for ax, key in zip(axes[0], panels, strict=True):
        if key == "speed":
            names = list(figures["speed"])
            ys = range(len(names))
            ax.barh([y - 0.2 for y in ys], [figures["speed"][n]["like"] for n in names],
                    height=0.4, color="tab:blue", label="÷ like-for-like floor")  # fmt: skip
            ax.barh([y + 0.2 for y in ys], [figures["speed"][n].get("orjson", 0) for n in names],
                    height=0.4, color="tab:orange", label="÷ orjson floor")  # fmt: skip
            ax.set_yticks(list(ys))
            ax.set_yticklabels(names, fontsize=7)
            ax.axvline(0.5, color="grey", linestyle="--", linewidth=1)
            ax.set_xlabel("consume() throughput ÷ floor throughput (CPU, median)")
            ax.legend(fontsize=7)
        else:
            for name, series in figures["e2e"].items():
                if name.startswith("x "):
                    continue
                xs = list(series)
                ax.plot(xs, [series[x] for x in xs], marker="o", label=name)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("concurrent runs")
            ax.set_ylabel("client CPU µs per event")
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


# ------------------------------------------------------------------------- main

RUNNERS = {"speed": speed, "snapshot": snapshot, "memory": memory, "e2e": e2e}
TITLES = {
    "speed": "Speed: consume() against the like-for-like floor and the SDK",
    "snapshot": "Reading event.snapshot on every delta",
    "memory": "Memory per accumulated character",
    "e2e": "End to end: concurrent runs against the mock server in its own process",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller streams, fewer rounds and levels")  # fmt: skip
    parser.add_argument("--rounds", type=int, help="rounds per speed scenario (default 7, quick 3)")
    parser.add_argument(
        "--e2e-rounds",
        type=int,
        help="interleaved rounds per end-to-end level (default 5, quick 1)",
    )
    parser.add_argument("--words", type=int, default=40, help="words per end-to-end run")
    parser.add_argument("--write", action="store_true", help="write BENCHMARKS.md and the chart")
    parser.add_argument("--only", help=f"comma-separated sections of {','.join(SECTIONS)}")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (3 if args.quick else 7)
    wanted = args.only.split(",") if args.only else SECTIONS
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")

    started = time.monotonic()
    figures: dict[str, Any] = {}
    texts: list[str] = []
    for number, name in enumerate(wanted, start=1):
        print(f"{number}. {TITLES[name]}", file=sys.stderr, flush=True)
        text = f"### {number}. {TITLES[name]}\n\n{RUNNERS[name](args, figures)}"
        texts.append(text)
        print(text, "\n", flush=True)
    minutes = (time.monotonic() - started) / 60

    if args.write:
        machine = (f"{platform.machine()}, {platform.system()} {platform.release()}, "
                   f"Python {platform.python_version()}, {os.cpu_count()} cores")  # fmt: skip
        command = "python benchmarks/run.py --write" + (" --quick" if args.quick else "")
        body = (
            f"## Speed\n\n`{command}` on {machine}, {time.strftime('%Y-%m-%d')}, "
            f"{minutes:.1f} minutes. CPU time, not wall time: the machine is shared, and "
            "only ratios measured side by side in one process mean much.\n\n" + "\n\n".join(texts)
        )
        if chart(figures, HERE / "events_per_second.png"):
            body += "\n\n![consume() against the floor; client CPU end to end]" \
                    "(benchmarks/events_per_second.png)"  # fmt: skip
        replace_section("speed", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
