"""Cancel a run while it streams: the driver cancels it on the server too.

    python examples/cancel_run.py                 # embedded mock, slowed down
    python examples/cancel_run.py --after 5       # cancel after 5 words

Cancelling the task (or Ctrl-C) makes `run()` send `cancel` for the live run,
shielded and bounded in time, before the cancellation goes on: no orphan runs.
"""

from __future__ import annotations

import argparse
import asyncio

import assistants_events as ae
from assistants_events.testing import Faults, connect


class Listener(ae.EventHandler):
    """Prints words and tells when enough arrived."""

    def __init__(self, enough: int) -> None:
        self.words = 0
        self.enough = enough
        self.ready = asyncio.Event()

    @ae.on("thread.message.delta")
    def word(self, event: ae.Event) -> None:
        print(event.text_delta or "", end="", flush=True)
        self.words += 1
        if self.words >= self.enough:
            self.ready.set()


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--after", type=int, default=3, help="words before cancelling")
    parser.add_argument("--base-url")
    parser.add_argument("--api-key")
    args = parser.parse_args(argv)
    async with connect(args.base_url, args.api_key, faults=Faults(delta_delay=0.02)) as client:
        assistant = await client.create_assistant("gpt-4o", name="Talker")
        thread = await client.create_thread(
            messages=[{"role": "user", "content": " ".join(f"word{i}" for i in range(200))}]
        )
        bot = Listener(args.after)
        task = asyncio.create_task(bot.run(client, thread_id=thread.id, assistant_id=assistant.id))
        await bot.ready.wait()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            print("\n[cancelled locally]")
        (run_id, _, _), *_ = bot.known_runs()
        # The server settles the cancel with its next event: on a busy machine, seconds.
        for _ in range(200):
            run = await client.retrieve_run(thread.id, run_id)
            if run.status == "cancelled":
                break
            await asyncio.sleep(0.05)
    print(f"run {run.id} on the server: {run.status}")
    return 0 if run.status == "cancelled" else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
