"""The mock server's generic core, knowing no protocol.

An aiohttp app on 127.0.0.1 with start/close, the auth + HTTP-fault middleware,
the request log, per-stream fault selection, strict body checks that answer the
API's error shape, list paging, and an SSE writer that injects connection faults
(drop, stall, malformed frame, error frame, delta delay).  Protocol routes
(`assistants_routes`, `responses_routes`) plug into it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable
from types import TracebackType
from typing import Any

import attrs
from aiohttp import web

from .faults import Faults, HTTPFault

__all__ = [
    "JSON",
    "HTTPProblem",
    "ServerCore",
    "WireStyle",
    "check_params",
    "encode",
    "error_response",
    "page",
    "read_body",
]

log = logging.getLogger("assistants_events.mock")

JSON = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(status: int, message: str, *, code: str | None = None,
                   param: str | None = None, type_: str = "invalid_request_error",
                   headers: dict[str, str] | None = None) -> web.Response:  # fmt: skip
    """An error answered in the API's shape: `{"error": {message, type, param, code}}`."""
    body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    return web.json_response(body, status=status, headers=headers)


class HTTPProblem(Exception):
    """Raised by a route: the middleware answers it with `error_response`."""

    def __init__(self, status: int, message: str, code: str | None = None,
                 param: str | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param


def encode(event: str, data: Any) -> bytes:
    """One SSE frame as the API writes it."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n".encode()


async def read_body(request: web.Request) -> JSON:
    """The JSON object of a request body (`{}` when there is none)."""
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise HTTPProblem(400, "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise HTTPProblem(400, "the request body must be a JSON object")
    return body


def check_params(
    body: JSON, allowed: Collection[str], conflicts: Iterable[tuple[str, str]] = ()
) -> None:
    """Refuse what the API refuses: an unknown body parameter, or two exclusive ones.

    The messages are the API's: `Unknown parameter: 'tool'.` (code
    `unknown_parameter`, `param` naming it), and `Mutually exclusive parameters: ...`.
    """
    for name in body:
        if name not in allowed:
            raise HTTPProblem(
                400, f"Unknown parameter: '{name}'.", code="unknown_parameter", param=name
            )
    for first, second in conflicts:
        if body.get(first) is not None and body.get(second) is not None:
            raise HTTPProblem(
                400,
                "Mutually exclusive parameters: Ensure you are only providing one of: "
                f"'{first}' or '{second}'.",
                code="mutually_exclusive_parameters",
                param=second,
            )


def page(items: list[JSON], request: web.Request, *, default_order: str = "desc") -> JSON:
    """One page of a list endpoint (`limit`, `order`, `after`, `before`, `run_id`)."""
    query = request.query
    try:
        limit = max(1, min(100, int(query.get("limit", "20"))))
    except ValueError:
        raise HTTPProblem(400, f"limit must be an integer, got {query.get('limit')!r}") from None
    order = query.get("order", default_order)
    if order not in ("asc", "desc"):
        raise HTTPProblem(400, f"order must be 'asc' or 'desc', got {order!r}")
    ordered = items if order == "asc" else list(reversed(items))
    ids = [item["id"] for item in ordered]
    if "after" in query:
        if query["after"] not in ids:
            raise HTTPProblem(400, f"no object with id {query['after']!r} to list after")
        ordered = ordered[ids.index(query["after"]) + 1 :]
    if "before" in query:
        ids = [item["id"] for item in ordered]
        if query["before"] in ids:
            ordered = ordered[: ids.index(query["before"])]
    if "run_id" in query:
        ordered = [item for item in ordered if item.get("run_id") == query["run_id"]]
    data = ordered[:limit]
    return {
        "object": "list", "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": len(ordered) > limit,
    }  # fmt: skip


@attrs.frozen
class WireStyle:
    """How a protocol's stream looks on the wire, for the faults the writer injects.

    `malformed_name`: the event name of the frame whose data is not JSON.
    `error_frame`: the frame `Faults.error_after` sends, or None when the protocol
    plays errors itself (as events of the stream).  `done`: the closing frame, if any.
    """

    malformed_name: str
    error_frame: Callable[[Faults], bytes] | None = None
    done: bytes | None = None


class ServerCore:
    """The protocol-free part of the mock server: app, lifecycle, middleware, faults.

    Public state for tests: `requests` is every `(method, path)` received, in order,
    `request_urls` their paths with the query, `request_headers` their headers;
    `cancelled` every id (run or response) a cancel request was accepted for.

    Hooks for flavours of the server: `prefix` (the base path of `url`),
    `ssl_context` (serve HTTPS), and `authenticate(request)` (replace it to check
    credentials another way).
    """

    def __init__(self, *, faults: Faults | None = None, host: str = "127.0.0.1",
                 port: int = 0, api_key: str | None = None, prefix: str = "/v1",
                 ssl_context: ssl.SSLContext | None = None) -> None:  # fmt: skip
        self.faults = faults or Faults()
        self.host = host
        self.port = port
        self.api_key = api_key
        self.prefix = prefix
        self.ssl_context = ssl_context
        self.requests: list[tuple[str, str]] = []
        self.request_urls: list[str] = []
        self.request_headers: list[dict[str, str]] = []
        self.cancelled: list[str] = []
        self._stream_faults: deque[Faults] = deque()
        self._http_faults: deque[HTTPFault] = deque()
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.app = web.Application(middlewares=[self._middleware])

    # ------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """The base URL to give a client: `http://127.0.0.1:PORT/v1`."""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}{self.prefix}"

    async def start(self) -> Any:
        """Start listening (a free port unless one was given); returns the server."""
        self._runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self.ssl_context)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        if sockets:
            self.port = sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        """Stop listening, end open streams and background work."""
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> Any:
        return await self.start()

    async def __aexit__(
        self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def track(self, task: asyncio.Task[Any]) -> None:
        """Keep `task` (a stream or background work) to cancel it on `close()`."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---------------------------------------------------------------- faults

    def inject(self, faults: Faults, times: int = 1) -> None:
        """Apply `faults` to the next `times` streams (instead of `self.faults`)."""
        self._stream_faults.extend([faults] * times)

    def fail_next(self, count: int = 1, status: int = 503, *, retry_after: float | None = None,
                  code: str | None = None, message: str | None = None,
                  paths: tuple[str, ...] = ()) -> None:  # fmt: skip
        """Answer the next `count` requests (matching `paths`, if given) with HTTP `status`."""
        fault = HTTPFault(status, retry_after, code, paths=paths)
        if message:
            fault.message = message
        self._http_faults.extend([fault] * count)

    def faults_for(self, request: web.Request) -> Faults:
        """The faults of one stream: the `X-Mock-Faults` header, else injected, else default."""
        header = request.headers.get("X-Mock-Faults")
        if header:
            try:
                return Faults.from_json(json.loads(header))
            except (ValueError, TypeError) as exc:
                raise HTTPProblem(400, f"bad X-Mock-Faults header: {exc}") from None
        if self._stream_faults:
            return self._stream_faults.popleft()
        return self.faults

    def authenticate(self, request: web.Request) -> web.Response | None:
        """The answer refusing a request's credentials, or None to let it pass.

        OpenAI's way: a bearer key (or `api-key` header); `api_key`, when set, is the
        only one accepted.
        """
        auth = request.headers.get("Authorization", "")
        key = auth[7:] if auth.startswith("Bearer ") else request.headers.get("api-key", "")
        if not key or (self.api_key is not None and key != self.api_key):
            return error_response(401, "Incorrect API key provided.", code="invalid_api_key")
        return None

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        self.request_urls.append(request.path_qs)
        self.request_headers.append(dict(request.headers))
        refused = self.authenticate(request)
        if refused is not None:
            return refused
        for fault in list(self._http_faults):
            if fault.applies_to(request.path):
                self._http_faults.remove(fault)
                headers = {}
                if fault.retry_after is not None:
                    headers["retry-after-ms"] = str(int(fault.retry_after * 1000))
                    headers["retry-after"] = str(max(0, round(fault.retry_after)))
                type_ = "server_error" if fault.status >= 500 else "requests"
                return error_response(fault.status, fault.message, code=fault.code,
                                      type_=type_, headers=headers)  # fmt: skip
        try:
            return await handler(request)
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed) as unrouted:
            if request.match_info.route.resource is not None:
                raise  # a route's own 404: not ours to reshape
            return error_response(unrouted.status, f"Invalid URL ({request.method} {request.path})")
        except HTTPProblem as problem:
            return error_response(
                problem.status, problem.message, code=problem.code, param=problem.param
            )

    # --------------------------------------------------------------- streams

    async def write_sse(self, request: web.Request, events: AsyncIterator[tuple[str, Any]],
                        faults: Faults, style: WireStyle, request_id: str,
                        ) -> web.StreamResponse:  # fmt: skip
        """Send `events` as SSE, injecting the connection faults of `faults`.

        Returns when the events end, the fault ends the stream, or the client hangs up
        (the caller decides what happens to the rest of the events).
        """
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream; charset=utf-8",
                     "Cache-Control": "no-cache", "x-request-id": f"req_{request_id}"}
        )  # fmt: skip
        task = asyncio.current_task()
        if task is not None:
            self.track(task)
        sent = 0
        try:
            await response.prepare(request)
            async for name, data in events:
                frame = encode(name, data)
                if faults.drop_after is not None and sent >= faults.drop_after:
                    if request.transport is not None:
                        request.transport.close()
                    return response
                if faults.stall_after is not None and sent == faults.stall_after:
                    await asyncio.sleep(faults.stall_seconds)
                if faults.malformed_after is not None and sent == faults.malformed_after:
                    await response.write(encode(style.malformed_name, "{not json"))
                if (style.error_frame is not None and faults.error_after is not None
                        and sent == faults.error_after):  # fmt: skip
                    await response.write(style.error_frame(faults))
                    return response
                if faults.delta_delay and name.endswith(".delta"):
                    await asyncio.sleep(faults.delta_delay)
                await response.write(frame)
                sent += 1
            if style.done is not None:
                await response.write(style.done)
            await response.write_eof()
        except ConnectionResetError:
            pass  # the client hung up
        return response
