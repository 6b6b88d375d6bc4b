"""Cancel a background response while it streams: the driver cancels it on the server too.

    python examples/responses/cancel_response.py               # embedded mock, slowed down
    python examples/responses/cancel_response.py --after 5     # cancel after 5 words

Cancelling the task (or Ctrl-C) makes `respond(..., background=True)` send
`POST /responses/{id}/cancel`, shielded and bounded in time, before the
cancellation goes on: no orphan responses.  (A foreground response's stream is
just closed.)  The Assistants twin is `examples/cancel_run.py`.
"""

from __future__ import annotations

import argparse
import asyncio

import assistants_events as ae
from assistants_events.testing import Faults, connect


class Listener(ae.EventHandler):
    """Prints words, remembers the response id, and tells when enough arrived."""

    def __init__(self, enough: int) -> None:
        self.words = 0
        self.enough = enough
        self.response_id = ""
        self.ready = asyncio.Event()

    @ae.on("response.created")
    def created(self, event: ae.Event) -> None:
        self.response_id = event.data.response.id

    @ae.on("response.output_text.delta")
    def word(self, event: ae.Event) -> None:
        print(event.text_delta or "", end="", flush=True)
        self.words += 1
        if self.words >= self.enough:
            self.ready.set()


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--after", type=int, default=3, help="words before cancelling")
    parser.add_argument("--base-url")
    parser.add_argument("--api-key")
    args = parser.parse_args(argv)
    async with connect(args.base_url, args.api_key, faults=Faults(delta_delay=0.02)) as client:
        bot = Listener(args.after)
        words = " ".join(f"word{i}" for i in range(200))
        task = asyncio.create_task(
            bot.respond(client, model="gpt-4o", input=f"Repeat: {words}", background=True)
        )
        await bot.ready.wait()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            print("\n[cancelled locally]")
        for _ in range(50):  # the server settles the cancel with its next step
            response = await client.retrieve_response(bot.response_id)
            if response.status == "cancelled":
                break
            await asyncio.sleep(0.05)
    print(f"response {response.id} on the server: {response.status}")
    return 0 if response.status == "cancelled" else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
