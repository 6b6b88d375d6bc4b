"""A web node serving relayed streams to browsers: `GET /stream/{key}` with `Last-Event-ID`.

    python examples/relay_web.py --redis redis://127.0.0.1:6379/0 [--port 8080]

Any number of these nodes can run behind a load balancer: a browser's
`EventSource` that reconnects to another node sends `Last-Event-ID`, and the
stream continues exactly after the last event it received.  Once the stream has
ended (the browser's last id is the end marker's), the node answers 204, which
tells `EventSource` to stop reconnecting.

```js
const source = new EventSource("/stream/job_...");
source.addEventListener("thread.message.delta", (e) => show(JSON.parse(e.data)));
```
"""

from __future__ import annotations

import argparse
import asyncio

from aiohttp import web

from assistants_events.relay import RedisRelay, RelayError

RELAY = web.AppKey("relay", RedisRelay)


async def stream(request: web.Request) -> web.StreamResponse:
    """The relayed stream `key` after `Last-Event-ID` (header or `?lastEventId=`)."""
    relay = request.app[RELAY]
    key = request.match_info["key"]
    last_id = request.headers.get("Last-Event-ID") or request.query.get("lastEventId")
    chunks = relay.sse(key, last_id)
    try:
        first = await anext(chunks, None)
    except RelayError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    if first is None:
        return web.Response(status=204)  # ended: EventSource stops reconnecting
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    try:
        await response.write(first)
        async for chunk in chunks:
            await response.write(chunk)
    except RelayError as exc:
        # The stream was aborted or went silent: say so in a comment, then close.
        await response.write(f": {type(exc).__name__}\n\n".encode())
    except ConnectionResetError:
        pass  # the browser left; it will come back with Last-Event-ID
    finally:
        await chunks.aclose()
    return response


def make_app(relay: RedisRelay) -> web.Application:
    """The web app of one node."""
    app = web.Application()
    app[RELAY] = relay
    app.router.add_get("/stream/{key}", stream)
    return app


async def serve(url: str, port: int) -> None:
    async with RedisRelay(url) as relay:
        runner = web.AppRunner(make_app(relay))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        print(f"serving relayed streams on http://127.0.0.1:{port}/stream/{{key}}", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", required=True, help="redis://host:port/db")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    asyncio.run(serve(args.redis, args.port))


if __name__ == "__main__":
    main()
