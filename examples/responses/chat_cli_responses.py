"""Interactive multi-turn chat on the Responses API: type a line, read the answer as it arrives.

    python examples/responses/chat_cli_responses.py      # embedded mock server (it echoes you)
    printf 'hi\\nbye\\n' | python examples/responses/chat_cli_responses.py

An empty line or end of input quits.  Each turn is one response continuing the
previous one (`previous_response_id`): the server keeps the history.  The
Assistants twin is `examples/chat_cli.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

import assistants_events as ae
from assistants_events.testing import connect


class ChatPrinter(ae.EventHandler):
    """Streams the assistant's words to the terminal."""

    @ae.on("response.output_text.delta")
    def show(self, event: ae.Event) -> None:
        sys.stdout.write(event.text_delta or "")
        sys.stdout.flush()

    @ae.on("response.output_text.done")
    def newline(self, event: ae.Event) -> None:
        sys.stdout.write("\n")


async def read_line(prompt: str) -> str:
    """One line of input without blocking the event loop ("" at end of input)."""
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line: str = await asyncio.to_thread(sys.stdin.readline)
    return line.strip()


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--base-url")
    parser.add_argument("--api-key")
    parser.add_argument("--model", default="gpt-4o")
    args = parser.parse_args(argv)
    async with connect(args.base_url, args.api_key) as client:
        previous: str | None = None
        turns = 0
        while line := await read_line("you> "):
            sys.stdout.write("bot> ")
            result = await ChatPrinter().respond(
                client, model=args.model, input=line, previous_response_id=previous
            )
            assert result.response is not None
            previous = result.response.id
            turns += 1
        chain = 0  # the server's history: follow previous_response_id back to the start
        while previous is not None:
            chain += 1
            previous = (await client.retrieve_response(previous)).previous_response_id
    print(f"\n{turns} turn(s), {chain} response(s) in the chain")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(asyncio.run(main()))
