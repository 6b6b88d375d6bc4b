"""A web app that re-serves an assistant's answer to a browser as server-sent events.

    python examples/web_sse.py            # serve, ask itself one question over HTTP, exit
    python examples/web_sse.py --serve    # keep serving; open http://127.0.0.1:8080/

GET /chat?q=... answers with `text/event-stream`: one `delta` event per piece of
text, then `end` (or `failure`).  The page at / reads it with `EventSource`.  The
handler is iterated (`stream_run`): tools are answered on the way, and a browser
that goes away cancels the run on the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json

import aiohttp
from aiohttp import web

import assistants_events as ae
from assistants_events.testing import connect

PAGE = """<!doctype html><meta charset="utf-8"><title>chat</title>
<form onsubmit="ask(event)">
<input id="q" value="What time is it in Paris?"><button>ask</button></form>
<p id="answer"></p>
<script>
function ask(e) {
  e.preventDefault();
  const out = document.getElementById("answer"); out.textContent = "";
  const q = encodeURIComponent(document.getElementById("q").value);
  const source = new EventSource("/chat?q=" + q);
  source.addEventListener("delta", (m) => { out.textContent += JSON.parse(m.data); });
  source.addEventListener("end", () => source.close());
  source.addEventListener("failure", () => source.close());
}
</script>"""


class Clock(ae.EventHandler):
    """One answer: text to the browser, a tool for the model."""

    @ae.tool
    async def local_time(self, city: str) -> str:
        """The local time in a city."""
        return f"12:00 in {city}"


def sse(event: str, data: object) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def make_app(client: ae.AssistantsClient, assistant_id: str) -> web.Application:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def chat(request: web.Request) -> web.StreamResponse:
        question = request.query.get("q", "")
        thread = await client.create_thread([{"role": "user", "content": question}])
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        try:
            async with Clock().stream_run(
                client, thread_id=thread.id, assistant_id=assistant_id
            ) as events:
                async for event in events:
                    if event.name == "thread.message.delta" and event.text_delta:
                        await response.write(sse("delta", event.text_delta))
            run = events.result.run
            await response.write(sse("end", {"status": run.status if run else None}))
        except ae.AssistantsEventsError as exc:
            await response.write(sse("failure", {"error": str(exc)}))
        return response

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/chat", chat)
    return app


async def ask_over_http(url: str, question: str) -> str:
    """What a browser's EventSource would read, with a plain HTTP client."""
    text = []
    async with aiohttp.ClientSession() as session, session.get(url, params={"q": question}) as got:
        event = ""
        async for line in got.content:
            decoded = line.decode().rstrip("\n")
            if decoded.startswith("event: "):
                event = decoded[7:]
            elif decoded.startswith("data: ") and event == "delta":
                text.append(json.loads(decoded[6:]))
    return "".join(text)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help="keep serving")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    async with connect() as client:
        assistant = await client.create_assistant("gpt-4o", tools=Clock.tool_definitions())
        runner = web.AppRunner(make_app(client, assistant.id))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", args.port if args.serve else 0)
        await site.start()
        try:
            if args.serve:
                print(f"serving on http://127.0.0.1:{args.port}/")
                await asyncio.Event().wait()
            port = runner.addresses[0][1]
            answer = await ask_over_http(
                f"http://127.0.0.1:{port}/chat", 'local_time {"city": "Paris"}'
            )
            print(f"browser read: {answer}")
        finally:
            await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
