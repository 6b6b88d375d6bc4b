"""The mock Assistants server in its own process, with a state endpoint for the tests.

`python -m tests.relay.mock_process --port N [--delta-delay S]`; prints `ready URL`.
`GET /_test/state` answers every run's status and tool-output submissions.
"""

from __future__ import annotations

import argparse
import asyncio

from aiohttp import web

from assistants_events.testing import MockAssistantsServer
from assistants_events.testing.faults import Faults


async def serve(port: int, delta_delay: float) -> None:
    server = MockAssistantsServer(port=port, faults=Faults(delta_delay=delta_delay))

    async def state(request: web.Request) -> web.Response:
        runs = {
            run_id: {"status": run.status, "submissions": run.submissions}
            for run_id, run in server.store.runs.items()
        }
        return web.json_response({"runs": runs, "cancelled": server.cancelled})

    server.app.router.add_get("/_test/state", state)
    async with server:
        print(f"ready {server.url}", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delta-delay", type=float, default=0.0)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.delta_delay))


if __name__ == "__main__":
    main()
