"""Interactive multi-turn chat, streamed: type a line, read the answer as it arrives.

    python examples/chat_cli.py            # embedded mock server (it echoes you)
    printf 'hi\\nbye\\n' | python examples/chat_cli.py

An empty line or end of input quits.  Each turn is one run on the same thread.
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

    @ae.on("thread.message.delta")
    def show(self, event: ae.Event) -> None:
        sys.stdout.write(event.text_delta or "")
        sys.stdout.flush()

    @ae.on("thread.message.completed")
    def newline(self, event: ae.Event) -> None:
        sys.stdout.write("\n")


async def read_line(prompt: str) -> str:
    """One line of input without blocking the event loop ("" at end of input)."""
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line: str = await asyncio.to_thread(sys.stdin.readline)
    return line.strip()


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url")
    parser.add_argument("--api-key")
    parser.add_argument("--model", default="gpt-4o")
    args = parser.parse_args(argv)
    async with connect(args.base_url, args.api_key) as client:
        assistant = await client.create_assistant(args.model, name="Chat")
        thread = await client.create_thread()
        turns = 0
        while line := await read_line("you> "):
            await client.create_message(thread.id, line)
            sys.stdout.write("bot> ")
            await ChatPrinter().run(client, thread_id=thread.id, assistant_id=assistant.id)
            turns += 1
        history = [m async for m in client.iter_messages(thread.id, order="asc")]
    print(f"\n{turns} turn(s), {len(history)} message(s) in the thread")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(asyncio.run(main()))
