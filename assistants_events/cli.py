"""The `assistants-events` command (also `python -m assistants_events`).

assistants-events demo                 the weather bot against an embedded mock server
assistants-events replay FILE          feed a recorded stream to a handler
assistants-events check FILE           validate a recorded stream against the lifecycle
assistants-events record FILE          run a prompt and save the raw event stream
assistants-events mock-server          serve the mock API (both protocols) until Ctrl-C
assistants-events worker               serve relay jobs from Redis (the [redis] extra)

`--api responses|assistants` chooses the protocol (demo and record: Responses by
default; replay and check tell it from the stream, or insist on the one given).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import anyio
import attrs

from .assistants import names
from .client import AssistantsClient
from .dispatch import on
from .errors import AssistantsEventsError, InvalidTransition, StreamError
from .events import Event, frame_events, whole_last_frame
from .handler import EventHandler
from .lifecycle import Quirk, Violation
from .loading import load_handler_class
from .protocol import protocol_for
from .responses import names as response_names
from .result import StreamResult
from .sse import SSEDecoder

__all__ = ["main"]


class CLIError(Exception):
    """A user mistake on the command line: printed without a traceback, exit 2."""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """`--help` shows each option's default, unless it has none (None) or is a flag."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


# ------------------------------------------------------------------------ demo


async def _demo(args: argparse.Namespace) -> int:
    from . import demo

    return await demo.run(args)


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

    @on(names.MESSAGE_DELTA, response_names.RESPONSE_OUTPUT_TEXT_DELTA)
    def text(self, event: Event) -> None:
        self._write(event.text_delta or "")

    @on(names.MESSAGE_COMPLETED, response_names.RESPONSE_OUTPUT_TEXT_DONE)
    def newline(self, event: Event) -> None:
        self._write("\n")


API_CHOICES = ("responses", "assistants")


def foreign_events(names_seen: Iterable[str], api: str | None) -> list[str]:
    """The event names that belong to another protocol than `api` (none when api is None)."""
    if api is None:
        return []
    return sorted({n for n in names_seen
                   if (p := protocol_for(n)) is not None and p.name != api})  # fmt: skip


def recorded_events(body: bytes) -> list[Event]:
    """The events of a recording, read as `consume` reads a body.

    Frames without an `event:` line are named by their JSON `type`, and a last event
    that lacks its blank line is kept when its JSON is whole.
    """
    decoder = SSEDecoder()
    return [*frame_events(decoder.feed_fields(body)), *_closing_events(decoder)]


def _closing_events(decoder: SSEDecoder) -> list[Event]:
    fields = decoder.close_fields()
    return list(frame_events([*fields, *whole_last_frame(decoder.unterminated_fields())]))


async def feed_recording(handler: EventHandler, events: list[Event]) -> StreamResult:
    """Dispatch a recording of one or more stream bodies (a tool loop's, one after another).

    Once the handler's result says a body reached its end (`done`, or a terminal
    response event), the next event begins a new body, as the driver would.  As in
    `consume`, an `error` event is dispatched, the rest read, then `StreamError` raised.
    """
    ended = False
    error: StreamError | None = None
    for event in events:
        state = handler.state
        if ended and state is not None:
            state.end()
            state.begin()
        try:
            await handler.dispatch(event)
        except StreamError as exc:
            error = error or exc
        ended = handler.result.done
    if error is not None:
        raise error
    state = handler.state
    if state is not None:
        state.end()
    return handler.result


def load_handler(path: str) -> EventHandler:
    """Instantiate `module:Class`: a module importable from the current directory
    (or installed), or a .py file path, whose folder then becomes importable too."""
    try:
        cls = load_handler_class(path)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    try:
        return cls()
    except TypeError as exc:
        raise CLIError(f"cannot create {cls.__name__}() without arguments: {exc}") from None


def read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CLIError(f"cannot read {path}: {exc.strerror or exc}") from None


async def _replay(args: argparse.Namespace) -> int:
    events = recorded_events(read_file(args.file))
    foreign = foreign_events((e.name for e in events), args.api)
    if foreign:
        raise CLIError(f"{args.file} is not a {args.api} stream: it has {', '.join(foreign)}")
    handler = load_handler(args.handler) if args.handler else TextPrinter()
    if args.api is not None:
        vars(handler)["protocol"] = args.api  # this instance follows that protocol only
    result = await feed_recording(handler, events)
    if result.run is not None and args.handler is None:
        print(f"[run {result.run.id}: {result.run.status}]", file=sys.stderr)
    if result.response is not None and args.handler is None:
        print(f"[response {result.response.id}: {result.response.status}]", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------- check


@attrs.frozen
class CheckReport:
    """What `check` found in a recorded stream.

    `problems`: every violation and error, with its event index and line; `quirks`:
    every accepted server quirk, likewise; `counts`: events by name.
    """

    problems: list[str]
    quirks: list[tuple[str, str]]
    counts: collections.Counter[str]


def _describe(exc: Exception) -> str:
    # Our errors explain themselves; anything else is named by its type.
    return str(exc) if isinstance(exc, AssistantsEventsError) else f"{type(exc).__name__}: {exc}"


async def check_report(body: bytes, api: str | None = None) -> CheckReport:
    """Check a recorded stream event by event; nothing stops the check before the end.

    `api` ("responses", "assistants"): the protocol the stream must be; None: the
    first event tells.  A recording may hold several bodies (see `feed_recording`).
    """
    problems: list[str] = []
    quirks: list[tuple[str, str]] = []
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

        def on_quirk(self, quirk: Quirk) -> None:
            quirks.append((quirk.code, f"{self.where}: {quirk}"))

    checker = Checker()
    if api is not None:
        vars(checker)["protocol"] = api  # checked as that protocol from the first event
    decoder = SSEDecoder()
    index = 0
    first_line = 1
    ended = False

    async def check_one(event: Event) -> None:
        nonlocal index, ended
        index += 1
        counts[event.name] += 1
        checker.where = f"event {index} (line {first_line})"
        if ended and checker.state is not None:  # the next body of the recording
            try:
                checker.state.end()
            except Exception as exc:
                problems.append(f"{checker.where}: {_describe(exc)}")
            checker.state.begin()
        try:
            await checker.dispatch(event)
        except Exception as exc:  # a decode error, an error event, a bug of ours...
            problems.append(f"{checker.where}: {_describe(exc)}")
        ended = checker.result.done

    for number, line in enumerate(body.splitlines(keepends=True), start=1):
        try:
            events = list(frame_events(decoder.feed_fields(line)))
        except Exception as exc:  # one bad frame must not hide the rest of the report
            problems.append(f"line {number}: {_describe(exc)}")
            decoder = SSEDecoder()
            events = []
        for event in events:
            await check_one(event)
        if line.strip() == b"":
            first_line = number + 1
    try:
        for event in _closing_events(decoder):
            await check_one(event)
        if checker.state is not None:
            checker.state.end()
    except Exception as exc:
        problems.append(f"end of stream: {_describe(exc)}")
    foreign = foreign_events(counts, api)
    if foreign:
        problems.append(f"events of another protocol than {api}: {', '.join(foreign)}")
    return CheckReport(problems, quirks, counts)


async def check_stream(
    body: bytes, api: str | None = None
) -> tuple[list[str], collections.Counter[str]]:
    """Every problem of a recorded stream (with event index and line), and event counts."""
    report = await check_report(body, api)
    return report.problems, report.counts


async def _check(args: argparse.Namespace) -> int:
    report = await check_report(read_file(args.file), args.api)
    for name, count in sorted(report.counts.items()):
        print(f"{count:8d}  {name}")
    print(f"{sum(report.counts.values()):8d}  events in all")
    for _, quirk in report.quirks:
        print(f"QUIRK {quirk}")
    for code, count in sorted(collections.Counter(c for c, _ in report.quirks).items()):
        print(f"{count:8d}  quirk {code} (accepted: genuine servers do this)")
    for problem in report.problems:
        print(f"INVALID {problem}")
    problems = report.problems
    print("OK: the stream follows the lifecycle" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


# ---------------------------------------------------------------------- record


async def _record(args: argparse.Namespace) -> int:
    from .testing import MockAssistantsServer

    target = Path(args.file)
    handler = load_handler(args.handler) if args.handler else TextPrinter()
    chunks: list[bytes] = []
    finished = False
    try:
        async with contextlib.AsyncExitStack() as stack:
            base_url, api_key = args.base_url, args.api_key
            if base_url is None:
                server = await stack.enter_async_context(MockAssistantsServer())
                base_url, api_key = server.url, api_key or "mock-key"
            client = await stack.enter_async_context(
                AssistantsClient(api_key, base_url, stream_recorder=chunks.append)
            )
            if args.api == "responses":
                await handler.respond(client, model=args.model, input=args.prompt)
            else:
                assistant_id = args.assistant_id
                if assistant_id is None:
                    assistant = await client.create_assistant(
                        args.model, name="recorder", tools=handler.tool_definitions()
                    )
                    assistant_id = assistant.id
                await handler.run(
                    client, assistant_id=assistant_id,
                    messages=[{"role": "user", "content": args.prompt}],
                )  # fmt: skip
        finished = True
    finally:
        # The run that failed is the one worth keeping: save what arrived whatever happened
        # (but never replace a file with nothing because the first request failed).
        if chunks or finished:
            with anyio.CancelScope(shield=True):
                await anyio.Path(target).write_bytes(b"".join(chunks))
            print(f"saved {sum(map(len, chunks))} bytes to {target}", file=sys.stderr)
    return 0


# ----------------------------------------------------------------- mock-server


async def _mock_server(args: argparse.Namespace) -> int:
    from .testing import MockAssistantsServer

    async with MockAssistantsServer(
        host=args.host, port=args.port, flavor=args.flavor, tls=args.tls
    ) as server:
        if args.flavor == "foundry":
            print(f"mock Foundry project on {server.url} (any bearer token, ?api-version= "
                  "required); Ctrl-C to stop", flush=True)  # fmt: skip
        else:
            print(f"mock Assistants API on {server.url} (any API key); Ctrl-C to stop", flush=True)
        if server.ca_path is not None:
            print(f"its CA certificate: {server.ca_path}", flush=True)
        await asyncio.Event().wait()
    return 0


# ------------------------------------------------------------------------ main


def _api_option(parser: argparse.ArgumentParser, default: str | None, help: str) -> None:
    parser.add_argument("--api", choices=API_CHOICES, default=default, help=help)


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", help="a real server to use instead of the embedded mock")
    parser.add_argument("--api-key", help="API key for --base-url (default: $OPENAI_API_KEY)")


def _command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str,
             description: str) -> argparse.ArgumentParser:  # fmt: skip
    return sub.add_parser(name, help=summary, description=f"{summary[0].upper()}{summary[1:]}. "
                          f"{description}", formatter_class=HelpFormatter)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command."""
    from . import demo as weather_demo

    parser = argparse.ArgumentParser(
        prog="assistants-events",
        description="Streams of the OpenAI Responses and Assistants APIs, offline or live.",
        formatter_class=HelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = _command(sub, "demo", "run the weather bot against an embedded mock server",
                    "The bot streams its answer and calls its get_weather tool, on the "
                    "Responses API (or --api assistants); with --base-url and --api-key it "
                    "runs against a real server instead.")  # fmt: skip
    weather_demo.add_arguments(demo)
    demo.set_defaults(run=_demo)

    replay = _command(sub, "replay", "feed a recorded SSE stream to a handler",
                      "Without --handler the assistant's text is printed. The handler is "
                      "imported from the current directory (or a .py path) and created "
                      "with no arguments.")  # fmt: skip
    replay.add_argument("file", help="raw SSE bytes (several streams may follow each other)")
    replay.add_argument("--handler", metavar="MODULE:CLASS",
                        help="an EventHandler subclass (default: print the text)")  # fmt: skip
    _api_option(replay, None, "insist on this protocol (default: told by the stream)")
    replay.set_defaults(run=_replay)

    check = _command(sub, "check", "validate a recorded stream against the lifecycle",
                     "Lists the event counts, then every invalid transition with its event "
                     "index and line; exits 1 when there is one.")  # fmt: skip
    check.add_argument("file", help="raw SSE bytes")
    _api_option(check, None, "check as this protocol; events of the other are a problem "
                "(default: told by the stream)")  # fmt: skip
    check.set_defaults(run=_check)

    record = _command(sub, "record", "run a prompt and save the raw SSE stream",
                      "Every stream of the response or run is saved, tool-output rounds "
                      "included, and also when it fails: what arrived until then. With "
                      "--handler its tools are offered to the model and answered.")  # fmt: skip
    record.add_argument("file", help="where to save the stream")
    record.add_argument("--prompt", default="Hello, assistant!", help="the user message")
    _server_options(record)
    _api_option(record, "responses", "the protocol: a response and its tool loop, or an "
                "Assistants run")  # fmt: skip
    record.add_argument(
        "--assistant-id", help="--api assistants: an existing assistant (default: create one)"
    )
    record.add_argument("--model", default="gpt-4o", help="the model that answers")
    record.add_argument("--handler", metavar="MODULE:CLASS",
                        help="an EventHandler subclass whose tools answer the run "
                        "(default: print the text)")  # fmt: skip
    record.set_defaults(run=_record)

    mock = _command(sub, "mock-server", "serve the mock API (Responses and Assistants)",
                    "Any API key is accepted; the default model echoes, or calls the tool "
                    "named in the message ('get_weather {\"city\": \"Oslo\"}').")  # fmt: skip
    mock.add_argument("--host", default="127.0.0.1", help="address to listen on")
    mock.add_argument("--port", type=int, default=8765, help="port to listen on")
    mock.add_argument("--flavor", choices=("openai", "foundry"), default="openai",
                      help="foundry: Azure AI Foundry classic agents")  # fmt: skip
    mock.add_argument("--tls", action="store_true",
                      help="serve HTTPS with a throwaway CA (needs trustme)")  # fmt: skip
    mock.set_defaults(run=_mock_server)

    from .relay import worker as relay_worker  # redis itself is imported only when used

    worker = _command(sub, "worker", "serve relay jobs from Redis", relay_worker.DESCRIPTION)
    relay_worker.add_arguments(worker)
    worker.set_defaults(run=relay_worker.run_from_args)
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
