"""An aiohttp web service that answers through the Responses API and streams the answer.

    python examples/responses/router_service_responses.py          # serve, ask itself twice, exit
    python examples/responses/router_service_responses.py --serve  # keep serving on --port

POST /ask {"question": "..."} streams the answer back as plain text.  The
handler's behaviour comes from routers: one streams text to the HTTP response,
one logs each response's end, one provides a tool.  The Assistants twin is
`examples/router_service.py`: only the event names and `respond` differ.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

import aiohttp
from aiohttp import web

import assistants_events as ae
from assistants_events.testing import connect

log = logging.getLogger("router_service")

streaming = ae.Router("streaming")
audit = ae.Router("audit")
tools = ae.Router("tools")


@streaming.on("response.output_text.delta")
async def forward_text(event: ae.Event, handler: ae.EventHandler) -> None:
    assert isinstance(handler, HTTPAnswer)
    await handler.response.write((event.text_delta or "").encode())


@audit.on("response.completed", "response.failed", "response.incomplete")
def log_end(event: ae.Event) -> None:
    response = event.data.response
    log.info("response %s ended %s", response.id, response.status)


@tools.tool
def company_hours(day: str) -> str:
    """Opening hours for a day of the week."""
    return "closed" if day.lower() in ("saturday", "sunday") else "9:00-17:00"


class HTTPAnswer(ae.EventHandler):
    """One answer, written to one HTTP response."""

    def __init__(self, response: web.StreamResponse) -> None:
        self.response = response


HTTPAnswer.include_router(streaming)
HTTPAnswer.include_router(audit)
HTTPAnswer.include_router(tools)


def make_app(client: ae.AssistantsClient, model: str) -> web.Application:
    async def ask(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        response = web.StreamResponse(headers={"Content-Type": "text/plain; charset=utf-8"})
        await response.prepare(request)
        await HTTPAnswer(response).respond(client, model=model,
                                           input=str(body.get("question", "")))  # fmt: skip
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_post("/ask", ask)
    return app


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--serve", action="store_true", help="keep serving until Ctrl-C")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--model", default="gpt-4o")
    parser.add_argument("--base-url")
    parser.add_argument("--api-key")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    log.setLevel(logging.INFO)
    async with connect(args.base_url, args.api_key) as client:
        runner = web.AppRunner(make_app(client, args.model), shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", args.port)
        await site.start()
        port = runner.addresses[0][1]
        url = f"http://127.0.0.1:{port}/ask"
        try:
            if args.serve:
                print(f'POST {url} with {{"question": ...}}; Ctrl-C to stop', flush=True)
                await asyncio.Event().wait()
            for question in ('company_hours {"day": "Sunday"}', "Is anybody there?"):
                async with (
                    aiohttp.ClientSession() as http,
                    http.post(url, json={"question": question}) as answer,
                ):
                    print(f"Q: {question}\nA: ", end="", flush=True)
                    async for chunk in answer.content.iter_any():
                        print(chunk.decode(), end="", flush=True)
                    print()
        finally:
            await runner.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
