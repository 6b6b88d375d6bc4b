"""Web nodes serving relayed streams to browsers: `GET /stream/{key}` with `Last-Event-ID`.

    python examples/relay_web.py                      # the demo below, then exit
    python examples/relay_web.py --serve --redis redis://127.0.0.1:6379/0 [--port 8080]

Any number of nodes can run behind a load balancer: a browser's `EventSource` that
reconnects to another node sends `Last-Event-ID`, and the stream continues exactly
after the last event it received.  Once the stream has ended (the browser's last id
is the end marker's), a node answers 204, which tells `EventSource` to stop.

The demo (Redis from `$AE_REDIS_URL`, or a `redis-server` from PATH) queues a job for
an in-process worker that runs it against the embedded mock server, serves its
events from two nodes, and plays a browser that hangs up after a few events and
reconnects to the other node.

```js
const source = new EventSource("/stream/job_...");
source.addEventListener("thread.message.delta", (e) => show(JSON.parse(e.data)));
```
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator

import aiohttp
from aiohttp import web

import assistants_events as ae
from assistants_events.relay import RedisRelay, RelayError
from assistants_events.relay.worker import Worker
from assistants_events.testing import MockAssistantsServer

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


# ------------------------------------------------------------------------ demo


class WeatherBot(ae.EventHandler):
    """What the worker runs: one tool."""

    @ae.tool
    async def get_weather(self, city: str) -> str:
        """The weather in a city."""
        return f"18°C and clear in {city}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _redis() -> Iterator[str]:
    url = os.environ.get("AE_REDIS_URL")
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("the demo needs Redis: set AE_REDIS_URL or put redis-server on PATH")
    port = _free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait()


@contextlib.asynccontextmanager
async def _node(url: str, prefix: str) -> AsyncIterator[str]:
    async with RedisRelay(url, prefix=prefix) as relay:
        runner = web.AppRunner(make_app(relay))
        await runner.setup()
        port = _free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            await runner.cleanup()


async def _browser(
    http: aiohttp.ClientSession, url: str, last_id: str | None, hang_up_after: int | None
) -> tuple[int, list[tuple[str, str]], str | None]:
    """Read like an EventSource: (status, events, its lastEventId afterwards)."""
    headers = {"Last-Event-ID": last_id} if last_id else {}
    decoder = ae.SSEDecoder()
    events: list[tuple[str, str]] = []
    async with http.get(url, headers=headers) as response:
        async for chunk in response.content.iter_any():
            for line in chunk.decode().split("\n"):
                last_id = line[4:] if line.startswith("id: ") else last_id
            events.extend((e.event, e.data) for e in decoder.feed(chunk))
            if hang_up_after is not None and len(events) >= hang_up_after:
                break  # the connection drops
        return response.status, events, last_id


async def demo(url: str) -> None:
    prefix = f"demo{os.getpid()}"
    async with (
        MockAssistantsServer() as server,
        ae.AssistantsClient("demo-key", server.url) as client,
        RedisRelay(url, prefix=prefix) as relay,
        _node(url, prefix) as node_a,
        _node(url, prefix) as node_b,
    ):
        assistant = await client.create_assistant("gpt-4o", tools=WeatherBot.tool_definitions())
        worker = Worker(relay, WeatherBot, client, concurrency=2)
        serving = asyncio.create_task(worker.run())
        question = {"role": "user", "content": 'get_weather {"city": "Paris"}'}
        job_id = await relay.enqueue(api="assistants", assistant_id=assistant.id,
                                     messages=[question])  # fmt: skip
        async with aiohttp.ClientSession() as http:
            _, first, last_id = await _browser(http, f"{node_a}/stream/{job_id}", None, 5)
            print(f"browser: {len(first)} events from node A, then the connection dropped")
            _, rest, last_id = await _browser(http, f"{node_b}/stream/{job_id}", last_id, None)
            print(f"browser: {len(rest)} more from node B after Last-Event-ID")
            status, _, _ = await _browser(http, f"{node_a}/stream/{job_id}", last_id, None)
            print(f"browser: a reconnect after the end: {status}")
        text = "".join(
            part["text"]["value"]
            for name, data in first + rest
            if name == "thread.message.completed"
            for part in json.loads(data)["content"]
        )
        print(f"browser read: {text}")
        summary = await relay.wait(job_id, timeout=30)
        print(f"job {summary.status} by worker {summary.worker}; usage {summary.usage}")
        worker.stop()
        await serving


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
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--serve", action="store_true", help="serve until Ctrl-C")
    parser.add_argument("--redis", help="redis://host:port/db (default: $AE_REDIS_URL)")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    if args.serve:
        url = args.redis or os.environ.get("AE_REDIS_URL")
        if not url:
            parser.error("--serve needs --redis URL")
        asyncio.run(serve(url, args.port))
        return
    if args.redis:
        asyncio.run(demo(args.redis))
        return
    with _redis() as url:
        asyncio.run(demo(url))


if __name__ == "__main__":
    main()
