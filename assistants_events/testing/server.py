"""`MockAssistantsServer`: the Assistants API endpoints on 127.0.0.1, in memory.

Real HTTP and real SSE framing, so the official `openai` SDK and our client talk
to it unchanged.  Runs are played by a scripted model (see `model`), and faults
(see `faults`) are injected per server, for the next requests, or per request
with an `X-Mock-Faults: {...}` header.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from types import TracebackType
from typing import Any, Literal

from aiohttp import web

from . import foundry
from .faults import Faults, HTTPFault
from .model import Script, ScriptedModel
from .objects import JSON, TERMINAL, Event, RunState, Store, encode

__all__ = ["MockAssistantsServer"]

log = logging.getLogger("assistants_events.mock")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str, *, code: str | None = None,
           type_: str = "invalid_request_error", headers: dict[str, str] | None = None,
           ) -> web.Response:  # fmt: skip
    body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    return web.json_response(body, status=status, headers=headers)


class _HTTPProblem(Exception):
    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def _drain(events: Iterator[Event]) -> None:
    """Play the rest of a run's events into the store, sending none."""
    for _ in events:
        pass


def _page(items: list[JSON], request: web.Request) -> JSON:
    query = request.query
    try:
        limit = max(1, min(100, int(query.get("limit", "20"))))
    except ValueError:
        raise _HTTPProblem(400, f"limit must be an integer, got {query.get('limit')!r}") from None
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise _HTTPProblem(400, f"order must be 'asc' or 'desc', got {order!r}")
    ordered = items if order == "asc" else list(reversed(items))
    ids = [item["id"] for item in ordered]
    if "after" in query:
        if query["after"] not in ids:
            raise _HTTPProblem(400, f"no object with id {query['after']!r} to list after")
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


class MockAssistantsServer:
    """An in-memory Assistants API server on 127.0.0.1 for demos and tests.

    ```python
    async with MockAssistantsServer() as server:
        client = AssistantsClient(api_key="test", base_url=server.url)
    ```

    `script` replaces the default model (a list of `Reply`/str, or a callable of
    `ModelContext`).  `faults` apply to every stream; `inject(...)` to the next
    streams only; `fail_next(...)` answers the next requests with HTTP errors.
    `api_key`, when given, is the only key accepted (others get 401).

    `flavor="foundry"` serves Azure AI Foundry classic agents instead (see
    `testing.foundry`): URLs under `/api/projects/mock-project`, `api-version`
    required, a bearer token required (`api_key` is then the only token accepted;
    `expire_token` makes one fail), MCP approval runs and, unless `quirks=False`,
    the Azure quirks genuine recordings show.
    `tls=True` serves HTTPS with a throwaway CA (needs `trustme`): give clients
    `ssl_context()` or the CA file `ca_path`.
    """

    def __init__(
        self,
        *,
        script: Script | None = None,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        flavor: Literal["openai", "foundry"] = "openai",
        tls: bool = False,
        quirks: bool = True,
    ) -> None:
        if flavor not in ("openai", "foundry"):
            raise ValueError(f"flavor must be 'openai' or 'foundry', got {flavor!r}")
        self.flavor = flavor
        self.store = (
            foundry.FoundryStore(ScriptedModel(script), quirks=quirks)
            if flavor == "foundry"
            else Store(ScriptedModel(script))
        )
        self.faults = faults or Faults()
        self.host = host
        self.port = port
        self.api_key = api_key
        self.requests: list[tuple[str, str]] = []
        self.request_urls: list[str] = []  # path and query of every request, in order
        self.request_headers: list[dict[str, str]] = []  # and its headers
        self.expired_tokens: set[str] = set()
        self.tls = foundry.TLSFiles.create(host) if tls else None
        self.cancelled: list[str] = []
        self._stream_faults: deque[Faults] = deque()
        self._http_faults: deque[HTTPFault] = deque()
        self._runner: web.AppRunner | None = None
        self._streams: set[asyncio.Task[Any]] = set()
        self.app = self._build_app()

    # ------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """The base URL to give a client: `http://127.0.0.1:PORT/v1`.

        For the Foundry flavour, the project endpoint:
        `http(s)://127.0.0.1:PORT/api/projects/mock-project`.
        """
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{self.host}:{self.port}{self._prefix(foundry.FOUNDRY_PROJECT)}"

    def _prefix(self, project: str = "{project}") -> str:
        return f"/api/projects/{project}" if self.flavor == "foundry" else "/v1"

    @property
    def ca_path(self) -> str | None:
        """The PEM file of the CA that signed the mock's certificate (`tls=True`)."""
        return self.tls.ca_path if self.tls is not None else None

    def ssl_context(self) -> ssl.SSLContext:
        """A client SSL context trusting the mock's CA (`tls=True` only)."""
        if self.tls is None:
            raise ValueError("the mock serves plain HTTP: create it with tls=True")
        return self.tls.client_context()

    def expire_token(self, token: str) -> None:
        """From now on, answer requests bearing `token` with 401 (Foundry flavour)."""
        self.expired_tokens.add(token)

    async def start(self) -> MockAssistantsServer:
        """Start listening (a free port unless one was given)."""
        self._runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        context = self.tls.server_context(self.host) if self.tls is not None else None
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=context)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        if sockets:
            self.port = sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        """Stop listening and end open streams."""
        for task in list(self._streams):
            task.cancel()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        if self.tls is not None:
            self.tls.remove()

    async def __aenter__(self) -> MockAssistantsServer:
        return await self.start()

    async def __aexit__(
        self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

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

    def submissions(self, run_id: str) -> list[list[JSON]]:
        """Every batch of tool outputs submitted for a run, in order."""
        return self.store.runs[run_id].submissions

    # ------------------------------------------------------------------ app

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        r, p = app.router, self._prefix()
        r.add_post(f"{p}/assistants", self._create_assistant)
        r.add_get(f"{p}/assistants", self._list_assistants)
        r.add_get(p + "/assistants/{aid}", self._get_assistant)
        r.add_post(p + "/assistants/{aid}", self._update_assistant)
        r.add_delete(p + "/assistants/{aid}", self._delete_assistant)
        r.add_post(f"{p}/threads", self._create_thread)
        r.add_post(f"{p}/threads/runs", self._create_thread_and_run)
        r.add_get(p + "/threads/{tid}", self._get_thread)
        r.add_post(p + "/threads/{tid}", self._update_thread)
        r.add_delete(p + "/threads/{tid}", self._delete_thread)
        r.add_post(p + "/threads/{tid}/messages", self._create_message)
        r.add_get(p + "/threads/{tid}/messages", self._list_messages)
        r.add_get(p + "/threads/{tid}/messages/{mid}", self._get_message)
        r.add_post(p + "/threads/{tid}/runs", self._create_run)
        r.add_get(p + "/threads/{tid}/runs", self._list_runs)
        r.add_get(p + "/threads/{tid}/runs/{rid}", self._get_run)
        r.add_post(p + "/threads/{tid}/runs/{rid}/cancel", self._cancel_run)
        r.add_post(p + "/threads/{tid}/runs/{rid}/submit_tool_outputs", self._submit)
        r.add_get(p + "/threads/{tid}/runs/{rid}/steps", self._list_steps)
        r.add_get(p + "/threads/{tid}/runs/{rid}/steps/{sid}", self._get_step)
        return app

    def _refuse(self, request: web.Request) -> web.Response | None:
        """The 401/400 answer to a request without valid credentials (None: it may pass)."""
        auth = request.headers.get("Authorization", "")
        if self.flavor == "foundry":
            token = auth[7:] if auth.startswith("Bearer ") else ""
            if (not token or token in self.expired_tokens
                    or (self.api_key is not None and token != self.api_key)):  # fmt: skip
                message = ("Unauthorized. Access token is missing, invalid, audience is "
                           "incorrect (https://ai.azure.com), or have expired.")  # fmt: skip
                return _error(401, message, code="PermissionDenied",
                              headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
            if not request.query.get("api-version"):
                return _error(400, "Missing required query parameter: api-version",
                              code="BadRequest")  # fmt: skip
            return None
        key = auth[7:] if auth.startswith("Bearer ") else request.headers.get("api-key", "")
        if not key or (self.api_key is not None and key != self.api_key):
            return _error(401, "Incorrect API key provided.", code="invalid_api_key")
        return None

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        self.request_urls.append(request.path_qs)
        self.request_headers.append(dict(request.headers))
        refused = self._refuse(request)
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
                return _error(fault.status, fault.message, code=fault.code, type_=type_,
                              headers=headers)  # fmt: skip
        try:
            return await handler(request)
        except _HTTPProblem as problem:
            return _error(problem.status, problem.message, code=problem.code)

    # -------------------------------------------------------------- helpers

    @staticmethod
    async def _body(request: web.Request) -> JSON:
        if not request.can_read_body:
            return {}
        try:
            body = await request.json()
        except ValueError:
            raise _HTTPProblem(400, "the request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise _HTTPProblem(400, "the request body must be a JSON object")
        return body

    def _find(self, table: dict[str, Any], key: str, kind: str) -> Any:
        if key not in table:
            raise _HTTPProblem(404, f"No {kind} found with id '{key}'.")
        return table[key]

    def _run_state(self, request: web.Request) -> RunState:
        self._find(self.store.threads, request.match_info["tid"], "thread")
        state: RunState = self._find(self.store.runs, request.match_info["rid"], "run")
        if state.json["thread_id"] != request.match_info["tid"]:
            raise _HTTPProblem(404, f"No run found with id '{state.id}'.")
        return state

    def _faults_for(self, request: web.Request) -> Faults:
        header = request.headers.get("X-Mock-Faults")
        if header:
            try:
                return Faults.from_json(json.loads(header))
            except (ValueError, TypeError) as exc:
                raise _HTTPProblem(400, f"bad X-Mock-Faults header: {exc}") from None
        if self._stream_faults:
            return self._stream_faults.popleft()
        return self.faults

    # ------------------------------------------------------------ endpoints

    async def _create_assistant(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not isinstance(body.get("model"), str):
            raise _HTTPProblem(400, "Missing required parameter: 'model'.")
        return web.json_response(self.store.assistant(body))

    async def _list_assistants(self, request: web.Request) -> web.Response:
        return web.json_response(_page(list(self.store.assistants.values()), request))

    async def _get_assistant(self, request: web.Request) -> web.Response:
        aid = request.match_info["aid"]
        return web.json_response(self._find(self.store.assistants, aid, "assistant"))

    async def _update_assistant(self, request: web.Request) -> web.Response:
        assistant = self._find(self.store.assistants, request.match_info["aid"], "assistant")
        body = await self._body(request)
        assistant.update({k: v for k, v in body.items() if k in assistant and k != "id"})
        return web.json_response(assistant)

    def _delete(self, table: dict[str, Any], key: str, kind: str) -> web.Response:
        self._find(table, key, kind)
        del table[key]
        return web.json_response({"id": key, "object": f"{kind}.deleted", "deleted": True})

    async def _delete_assistant(self, request: web.Request) -> web.Response:
        return self._delete(self.store.assistants, request.match_info["aid"], "assistant")

    async def _create_thread(self, request: web.Request) -> web.Response:
        return web.json_response(self.store.thread(await self._body(request)))

    async def _get_thread(self, request: web.Request) -> web.Response:
        return web.json_response(
            self._find(self.store.threads, request.match_info["tid"], "thread")
        )

    async def _update_thread(self, request: web.Request) -> web.Response:
        thread = self._find(self.store.threads, request.match_info["tid"], "thread")
        body = await self._body(request)
        if "metadata" in body:
            thread["metadata"] = body["metadata"] or {}
        return web.json_response(thread)

    async def _delete_thread(self, request: web.Request) -> web.Response:
        return self._delete(self.store.threads, request.match_info["tid"], "thread")

    async def _create_message(self, request: web.Request) -> web.Response:
        tid = request.match_info["tid"]
        self._find(self.store.threads, tid, "thread")
        body = await self._body(request)
        if body.get("role") not in ("user", "assistant"):
            raise _HTTPProblem(400, "role must be 'user' or 'assistant'")
        if not isinstance(body.get("content"), (str, list)):
            raise _HTTPProblem(400, "Missing required parameter: 'content'.")
        self._check_no_active_run(tid)
        return web.json_response(self.store.message(tid, body))

    async def _list_messages(self, request: web.Request) -> web.Response:
        tid = request.match_info["tid"]
        self._find(self.store.threads, tid, "thread")
        return web.json_response(_page(self.store.messages[tid], request))

    async def _get_message(self, request: web.Request) -> web.Response:
        tid = request.match_info["tid"]
        self._find(self.store.threads, tid, "thread")
        messages = {m["id"]: m for m in self.store.messages[tid]}
        return web.json_response(self._find(messages, request.match_info["mid"], "message"))

    def _check_no_active_run(self, thread_id: str) -> None:
        for state in self.store.runs.values():
            if state.json["thread_id"] == thread_id and state.status not in TERMINAL:
                raise _HTTPProblem(400, f"Thread {thread_id} already has an active run {state.id}.")

    def _new_run(self, thread_id: str, body: JSON) -> RunState:
        aid = body.get("assistant_id")
        if not isinstance(aid, str):
            raise _HTTPProblem(400, "Missing required parameter: 'assistant_id'.")
        assistant = self._find(self.store.assistants, aid, "assistant")
        self._check_no_active_run(thread_id)
        for message in body.get("additional_messages") or []:
            self.store.message(thread_id, message)
        return self.store.run(thread_id, assistant, body)

    async def _create_run(self, request: web.Request) -> web.StreamResponse:
        tid = request.match_info["tid"]
        self._find(self.store.threads, tid, "thread")
        body = await self._body(request)
        state = self._new_run(tid, body)
        faults = self._faults_for(request)
        return await self._respond(request, body, state, self.store.start(state, faults), faults)

    async def _create_thread_and_run(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        if not isinstance(body.get("assistant_id"), str):
            raise _HTTPProblem(400, "Missing required parameter: 'assistant_id'.")
        self._find(self.store.assistants, body["assistant_id"], "assistant")
        thread = self.store.thread(body.get("thread") or {})
        state = self._new_run(thread["id"], body)
        faults = self._faults_for(request)

        def events() -> Iterator[Event]:
            yield "thread.created", thread
            yield from self.store.start(state, faults)

        return await self._respond(request, body, state, events(), faults)

    async def _list_runs(self, request: web.Request) -> web.Response:
        tid = request.match_info["tid"]
        self._find(self.store.threads, tid, "thread")
        runs = [s.json for s in self.store.runs.values() if s.json["thread_id"] == tid]
        return web.json_response(_page(runs, request))

    async def _get_run(self, request: web.Request) -> web.Response:
        return web.json_response(self._run_state(request).json)

    async def _cancel_run(self, request: web.Request) -> web.Response:
        state = self._run_state(request)
        if state.status in TERMINAL or state.status == "cancelling":
            raise _HTTPProblem(400, f"Cannot cancel run with status '{state.status}'.")
        self.cancelled.append(state.id)
        answer = {**state.json, "status": "cancelling"}
        state.cancel_requested = True
        if not state.streaming:
            _drain(self.store.cancel_events(state))  # nothing streams it: settle it now
        # else the stream sends cancelling/cancelled before its next event
        return web.json_response(answer)

    async def _submit(self, request: web.Request) -> web.StreamResponse:
        state = self._run_state(request)
        body = await self._body(request)
        if isinstance(self.store, foundry.FoundryStore):
            pending = self.store.awaiting_approval(state)
            if pending is not None:
                problem = foundry.check_approvals(pending, body.get("tool_approvals"))
                if problem is not None:
                    raise _HTTPProblem(400, problem)
                faults = self._faults_for(request)
                events = self.store.approve(state, body["tool_approvals"], faults)
                return await self._respond(request, body, state, events, faults)
        outputs = body.get("tool_outputs")
        if state.status != "requires_action":
            raise _HTTPProblem(400, f"Runs in status '{state.status}' do not accept tool outputs.")
        if not isinstance(outputs, list) or not all(
            isinstance(o, dict) and isinstance(o.get("tool_call_id"), str)
            and isinstance(o.get("output"), str) for o in outputs
        ):  # fmt: skip
            raise _HTTPProblem(400, "tool_outputs must be a list of {tool_call_id, output}")
        expected = [c["id"] for c in state.pending_calls]
        given = [o["tool_call_id"] for o in outputs]
        if sorted(given) != sorted(expected) or len(set(given)) != len(given):
            raise _HTTPProblem(400, f"Expected tool outputs for call_ids {expected}, got {given}.")
        state.submissions.append(outputs)
        faults = self._faults_for(request)
        events = self.store.resume(state, outputs, faults)
        return await self._respond(request, body, state, events, faults)

    async def _list_steps(self, request: web.Request) -> web.Response:
        state = self._run_state(request)
        return web.json_response(_page(self.store.steps[state.id], request))

    async def _get_step(self, request: web.Request) -> web.Response:
        state = self._run_state(request)
        steps = {s["id"]: s for s in self.store.steps[state.id]}
        return web.json_response(self._find(steps, request.match_info["sid"], "run step"))

    # -------------------------------------------------------------- streams

    async def _respond(self, request: web.Request, body: JSON, state: RunState,
                       events: Iterator[Event], faults: Faults) -> web.StreamResponse:  # fmt: skip
        if not body.get("stream"):
            first = dict(state.json)
            _drain(self._guarded(state, events))
            return web.json_response(first if first["status"] == "queued" else state.json)
        task = asyncio.current_task()
        if task is not None:
            self._streams.add(task)
        state.streaming = True
        try:
            return await self._stream(request, state, events, faults)
        finally:
            state.streaming = False
            if task is not None:
                self._streams.discard(task)

    def _guarded(self, state: RunState, events: Iterator[Event]) -> Iterator[Event]:
        for event in events:
            yield event
            if state.cancel_requested and state.status not in TERMINAL:
                yield from self.store.cancel_events(state)
                return

    async def _stream(self, request: web.Request, state: RunState, events: Iterator[Event],
                      faults: Faults) -> web.StreamResponse:  # fmt: skip
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream; charset=utf-8",
                     "Cache-Control": "no-cache", "x-request-id": f"req_{state.id}"}
        )  # fmt: skip
        sent = 0
        stream = self._guarded(state, events)
        try:
            await response.prepare(request)
            for name, data in stream:
                frame = encode(name, data)
                if faults.drop_after is not None and sent >= faults.drop_after:
                    if request.transport is not None:
                        request.transport.close()
                    return response
                if faults.stall_after is not None and sent == faults.stall_after:
                    await asyncio.sleep(faults.stall_seconds)
                if faults.malformed_after is not None and sent == faults.malformed_after:
                    await response.write(encode("thread.run.step.delta", "{not json"))
                if faults.error_after is not None and sent == faults.error_after:
                    await response.write(encode("error", faults.error))
                    return response
                if faults.delta_delay and name.endswith(".delta"):
                    await asyncio.sleep(faults.delta_delay)
                await response.write(frame)
                sent += 1
            await response.write(encode("done", "[DONE]"))
            await response.write_eof()
        except ConnectionResetError:
            pass  # the client hung up
        finally:
            # However the response ended (done, dropped, hung up, cancelled), the run
            # goes on server-side to where the model takes it.
            _drain(stream)
        return response
