"""The `assistants-events` command (also `python -m assistants_events`).

assistants-events demo                 the weather bot against an embedded mock server
assistants-events replay FILE          feed a recorded stream to a handler
assistants-events check FILE           validate a recorded stream against the lifecycle
assistants-events record FILE          run a prompt and save the raw event stream
assistants-events mock-server          serve the mock Assistants API until Ctrl-C
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import anyio

from .assistants import names
from .client import AssistantsClient
from .dispatch import on
from .errors import AssistantsEventsError, IncompleteStream, InvalidTransition
from .events import Event
from .handler import EventHandler
from .lifecycle import Violation
from .sse import SSEDecoder

__all__ = ["main"]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class CLIError(Exception):
    """A user mistake on the command line: printed without a traceback, exit 2."""


# ------------------------------------------------------------------------ demo


def load_example(name: str) -> ModuleType:
    """Import `examples/NAME.py` from the source checkout."""
    path = EXAMPLES / f"{name}.py"
    if not path.is_file():
        raise CLIError(
            f"{path} not found: the demo runs from a source checkout of assistants-events"
        )
    spec = importlib.util.spec_from_file_location(f"assistants_events_examples.{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _demo(args: argparse.Namespace) -> int:
    argv = []
    if args.base_url:
        argv += ["--base-url", args.base_url]
    if args.api_key:
        argv += ["--api-key", args.api_key]
    if args.prompt:
        argv += ["--prompt", args.prompt]
    if args.no_color:
        argv.append("--no-color")
    result: int = await load_example("weather_bot").main(argv)
    return result


# ---------------------------------------------------------------------- replay


class TextPrinter(EventHandler):
    """The default replay handler: prints the assistant's text as it streams."""

    strict = False

    @staticmethod
    def _write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def on_violation(self, violation: Violation) -> None:
        print(f"\n[lifecycle] {violation.error}", file=sys.stderr)

    @on(names.MESSAGE_DELTA)
    def text(self, event: Event) -> None:
        self._write(event.text_delta or "")

    @on(names.MESSAGE_COMPLETED)
    def newline(self, event: Event) -> None:
        self._write("\n")


def load_handler(path: str) -> EventHandler:
    """Instantiate `module:Class` (module importable, or a .py file path)."""
    module_name, sep, class_name = path.partition(":")
    if not sep or not module_name or not class_name:
        raise CLIError(f"--handler takes module:Class, got {path!r}")
    try:
        if module_name.endswith(".py"):
            spec = importlib.util.spec_from_file_location(Path(module_name).stem, module_name)
            if spec is None or spec.loader is None or not Path(module_name).is_file():
                raise CLIError(f"no such file: {module_name}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except ImportError as exc:
        raise CLIError(f"cannot import {module_name!r}: {exc}") from None
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type) or not issubclass(cls, EventHandler):
        raise CLIError(f"{path!r} is not an EventHandler subclass")
    try:
        return cls()
    except TypeError as exc:
        raise CLIError(f"cannot create {class_name}() without arguments: {exc}") from None


def read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CLIError(f"cannot read {path}: {exc.strerror or exc}") from None


async def _replay(args: argparse.Namespace) -> int:
    body = read_file(args.file)
    handler = load_handler(args.handler) if args.handler else TextPrinter()
    result = await handler.consume(body)
    if result.run is not None and args.handler is None:
        print(f"[run {result.run.id}: {result.run.status}]", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------- check


async def check_stream(body: bytes) -> tuple[list[str], collections.Counter[str]]:
    """Every problem of a recorded stream (with event index and line), and event counts."""
    problems: list[str] = []
    counts: collections.Counter[str] = collections.Counter()

    class Checker(EventHandler):
        strict = False
        where = "start"  # the event being checked, for the report

        def on_violation(self, violation: Violation) -> None:
            error = violation.error
            if isinstance(error, InvalidTransition):
                problems.append(
                    f"{self.where}: {error.kind} {error.object_id}: "
                    f"{error.from_status or 'unseen'} -> {error.to_status} on {error.event}"
                    + (f" ({error.reason})" if error.reason else "")
                )
            else:
                problems.append(f"end of stream: {error}")

    checker = Checker()
    decoder = SSEDecoder()
    index = 0
    first_line = 1
    for number, line in enumerate(body.splitlines(keepends=True), start=1):
        for sse in decoder.feed(line):
            index += 1
            counts[sse.event] += 1
            checker.where = f"event {index} (line {first_line})"
            try:
                await checker.dispatch(Event(sse.event, sse.data))
            except AssistantsEventsError as exc:  # a decode error, an error event...
                problems.append(f"{checker.where}: {exc}")
        if line.strip() == b"":
            first_line = number + 1
    decoder.close()
    if checker.state is not None:
        with contextlib.suppress(IncompleteStream):
            checker.state.end()
    return problems, counts


async def _check(args: argparse.Namespace) -> int:
    problems, counts = await check_stream(read_file(args.file))
    for name, count in sorted(counts.items()):
        print(f"{count:8d}  {name}")
    print(f"{sum(counts.values()):8d}  events in all")
    for problem in problems:
        print(f"INVALID {problem}")
    print("OK: the stream follows the lifecycle" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


# ---------------------------------------------------------------------- record


async def _record(args: argparse.Namespace) -> int:
    from .testing import MockAssistantsServer

    target = Path(args.file)
    async with contextlib.AsyncExitStack() as stack:
        base_url, api_key = args.base_url, args.api_key
        if base_url is None:
            server = await stack.enter_async_context(MockAssistantsServer())
            base_url, api_key = server.url, api_key or "mock-key"
        chunks: list[bytes] = []
        client = await stack.enter_async_context(
            AssistantsClient(api_key, base_url, stream_recorder=chunks.append)
        )
        assistant_id = args.assistant_id
        if assistant_id is None:
            assistant_id = (await client.create_assistant(args.model, name="recorder")).id
        handler = TextPrinter()
        await handler.run(
            client, assistant_id=assistant_id, messages=[{"role": "user", "content": args.prompt}]
        )
        await anyio.Path(target).write_bytes(b"".join(chunks))
    print(f"saved {sum(map(len, chunks))} bytes to {target}", file=sys.stderr)
    return 0


# ----------------------------------------------------------------- mock-server


async def _mock_server(args: argparse.Namespace) -> int:
    from .testing import MockAssistantsServer

    async with MockAssistantsServer(host=args.host, port=args.port) as server:
        print(f"mock Assistants API on {server.url} (any API key); Ctrl-C to stop", flush=True)
        await asyncio.Event().wait()
    return 0


# ------------------------------------------------------------------------ main


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", help="a real server to use instead of the embedded mock")
    parser.add_argument("--api-key", help="API key for --base-url (default $OPENAI_API_KEY)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command."""
    parser = argparse.ArgumentParser(
        prog="assistants-events", description="OpenAI Assistants streaming events, offline or live."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the weather bot against an embedded mock server")
    _server_options(demo)
    demo.add_argument("--prompt", help="what to ask")
    demo.add_argument("--no-color", action="store_true", help="never colour the output")
    demo.set_defaults(run=_demo)

    replay = sub.add_parser("replay", help="feed a recorded SSE stream to a handler")
    replay.add_argument("file", help="raw SSE bytes (several streams may follow each other)")
    replay.add_argument("--handler", help="module:Class of an EventHandler (default: print text)")
    replay.set_defaults(run=_replay)

    check = sub.add_parser("check", help="validate a recorded stream against the lifecycle")
    check.add_argument("file", help="raw SSE bytes")
    check.set_defaults(run=_check)

    record = sub.add_parser("record", help="run a prompt and save the raw SSE stream")
    record.add_argument("file", help="where to save the stream")
    record.add_argument("--prompt", default="Hello, assistant!", help="the user message")
    _server_options(record)
    record.add_argument("--assistant-id", help="an existing assistant (default: create one)")
    record.add_argument("--model", default="gpt-4o", help="model of the created assistant")
    record.set_defaults(run=_record)

    mock = sub.add_parser("mock-server", help="serve the mock Assistants API")
    mock.add_argument("--host", default="127.0.0.1")
    mock.add_argument("--port", type=int, default=8765)
    mock.set_defaults(run=_mock_server)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        code: int = asyncio.run(args.run(args))
    except CLIError as exc:
        print(f"assistants-events: {exc}", file=sys.stderr)
        return 2
    except AssistantsEventsError as exc:
        print(f"assistants-events: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code
