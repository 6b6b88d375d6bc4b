"""The Assistants API routes of the mock server (v2: assistants, threads, messages, runs, steps).

Runs are played by the scripted model into `objects.Store`; streams go through the
core's SSE writer with the Assistants wire style (`event: ...` frames, `[DONE]`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from aiohttp import web

from .core import JSON, HTTPProblem, ServerCore, WireStyle, check_params, encode, page, read_body
from .faults import Faults
from .model import ScriptedModel
from .objects import TERMINAL, Event, RunState, Store

__all__ = ["ASSISTANTS_PARAMS", "AssistantsRoutes"]

_ASSISTANT = frozenset({
    "model", "name", "description", "instructions", "reasoning_effort", "tools",
    "tool_resources", "metadata", "temperature", "top_p", "response_format",
})  # fmt: skip
_RUN = frozenset({
    "assistant_id", "model", "instructions", "tools", "metadata", "temperature", "top_p",
    "stream", "max_prompt_tokens", "max_completion_tokens", "truncation_strategy",
    "tool_choice", "parallel_tool_calls", "response_format",
})  # fmt: skip

#: The body parameters each create/update endpoint accepts, as the API documents them:
#: anything else is answered `400 Unknown parameter: '<name>'.`
ASSISTANTS_PARAMS: dict[str, frozenset[str]] = {
    "create_assistant": _ASSISTANT,
    "update_assistant": _ASSISTANT,
    "create_thread": frozenset({"messages", "tool_resources", "metadata"}),
    "update_thread": frozenset({"tool_resources", "metadata"}),
    "create_message": frozenset({"role", "content", "attachments", "metadata"}),
    "create_run": _RUN | {"additional_instructions", "additional_messages", "reasoning_effort"},
    "create_thread_and_run": _RUN | {"thread", "tool_resources"},
    "submit_tool_outputs": frozenset({"tool_outputs", "stream"}),
}


def _drain(events: Iterator[Event]) -> None:
    """Play the rest of a run's events into the store, sending none."""
    for _ in events:
        pass


async def _aiter(events: Iterator[Event]) -> AsyncIterator[Event]:
    for event in events:
        yield event


class AssistantsRoutes:
    """The `/v1/assistants` and `/v1/threads/...` routes over one in-memory `Store`.

    `store` may be given (a `Store` subclass for a flavour of the API); `params`
    holds the accepted body parameters per endpoint, extendable by a flavour.
    """

    def __init__(self, core: ServerCore, model: ScriptedModel, store: Store | None = None) -> None:
        self.core = core
        self.store = store if store is not None else Store(model)
        self.params = dict(ASSISTANTS_PARAMS)
        self.style = WireStyle(
            malformed_name="thread.run.step.delta",
            error_frame=lambda faults: encode("error", faults.error),
            done=encode("done", "[DONE]"),
        )

    def add_routes(self, router: web.UrlDispatcher, prefix: str = "/v1") -> None:
        """Register the routes under `prefix`."""
        r, p = router, prefix
        r.add_post(f"{p}/assistants", self._create_assistant)
        r.add_get(f"{p}/assistants", self._list_assistants)
        r.add_get(f"{p}/assistants/{{aid}}", self._get_assistant)
        r.add_post(f"{p}/assistants/{{aid}}", self._update_assistant)
        r.add_delete(f"{p}/assistants/{{aid}}", self._delete_assistant)
        r.add_post(f"{p}/threads", self._create_thread)
        r.add_post(f"{p}/threads/runs", self._create_thread_and_run)
        r.add_get(f"{p}/threads/{{tid}}", self._get_thread)
        r.add_post(f"{p}/threads/{{tid}}", self._update_thread)
        r.add_delete(f"{p}/threads/{{tid}}", self._delete_thread)
        r.add_post(f"{p}/threads/{{tid}}/messages", self._create_message)
        r.add_get(f"{p}/threads/{{tid}}/messages", self._list_messages)
        r.add_get(f"{p}/threads/{{tid}}/messages/{{mid}}", self._get_message)
        r.add_post(f"{p}/threads/{{tid}}/runs", self._create_run)
        r.add_get(f"{p}/threads/{{tid}}/runs", self._list_runs)
        r.add_get(f"{p}/threads/{{tid}}/runs/{{rid}}", self._get_run)
        r.add_post(f"{p}/threads/{{tid}}/runs/{{rid}}/cancel", self._cancel_run)
        r.add_post(f"{p}/threads/{{tid}}/runs/{{rid}}/submit_tool_outputs", self._submit)
        r.add_get(f"{p}/threads/{{tid}}/runs/{{rid}}/steps", self._list_steps)
        r.add_get(f"{p}/threads/{{tid}}/runs/{{rid}}/steps/{{sid}}", self._get_step)

    # -------------------------------------------------------------- helpers

    async def _body(self, request: web.Request, endpoint: str) -> JSON:
        body = await read_body(request)
        check_params(body, self.params[endpoint])
        return body

    def _find(self, table: dict[str, Any], key: str, kind: str) -> Any:
        if key not in table:
            raise HTTPProblem(404, f"No {kind} found with id '{key}'.")
        return table[key]

    def _run_state(self, request: web.Request) -> RunState:
        self._find(self.store.threads, request.match_info["tid"], "thread")
        state: RunState = self._find(self.store.runs, request.match_info["rid"], "run")
        if state.json["thread_id"] != request.match_info["tid"]:
            raise HTTPProblem(404, f"No run found with id '{state.id}'.")
        return state

    # ------------------------------------------------------------ endpoints

    async def _create_assistant(self, request: web.Request) -> web.Response:
        body = await self._body(request, "create_assistant")
        if not isinstance(body.get("model"), str):
            raise HTTPProblem(400, "Missing required parameter: 'model'.")
        return web.json_response(self.store.assistant(body))

    async def _list_assistants(self, request: web.Request) -> web.Response:
        return web.json_response(page(list(self.store.assistants.values()), request))

    async def _get_assistant(self, request: web.Request) -> web.Response:
        aid = request.match_info["aid"]
        return web.json_response(self._find(self.store.assistants, aid, "assistant"))

    async def _update_assistant(self, request: web.Request) -> web.Response:
        assistant = self._find(self.store.assistants, request.match_info["aid"], "assistant")
        body = await self._body(request, "update_assistant")
        assistant.update({k: v for k, v in body.items() if k in assistant and k != "id"})
        return web.json_response(assistant)

    def _delete(self, table: dict[str, Any], key: str, kind: str) -> web.Response:
        self._find(table, key, kind)
        del table[key]
        return web.json_response({"id": key, "object": f"{kind}.deleted", "deleted": True})

    async def _delete_assistant(self, request: web.Request) -> web.Response:
        return self._delete(self.store.assistants, request.match_info["aid"], "assistant")

    async def _create_thread(self, request: web.Request) -> web.Response:
        return web.json_response(self.store.thread(await self._body(request, "create_thread")))

    async def _get_thread(self, request: web.Request) -> web.Response:
        return web.json_response(
            self._find(self.store.threads, request.match_info["tid"], "thread")
        )

    async def _update_thread(self, request: web.Request) -> web.Response:
        thread = self._find(self.store.threads, request.match_info["tid"], "thread")
        body = await self._body(request, "update_thread")
        if "metadata" in body:
            thread["metadata"] = body["metadata"] or {}
        return web.json_response(thread)

    async def _delete_thread(self, request: web.Request) -> web.Response:
        return self._delete(self.store.threads, request.match_info["tid"], "thread")

    async def _create_message(self, request: web.Request) -> web.Response:
        tid = request.match_info["tid"]
        self._find(self.store.threads, tid, "thread")
        body = await self._body(request, "create_message")
        if body.get("role") not in ("user", "assistant"):
            raise HTTPProblem(400, "role must be 'user' or 'assistant'")
        if not isinstance(body.get("content"), (str, list)):
            raise HTTPProblem(400, "Missing required parameter: 'content'.")
        self._check_no_active_run(tid)
        return web.json_response(self.store.message(tid, body))

    async def _list_messages(self, request: web.Request) -> web.Response:
        tid = request.match_info["tid"]
        self._find(self.store.threads, tid, "thread")
        return web.json_response(page(self.store.messages[tid], request))

    async def _get_message(self, request: web.Request) -> web.Response:
        tid = request.match_info["tid"]
        self._find(self.store.threads, tid, "thread")
        messages = {m["id"]: m for m in self.store.messages[tid]}
        return web.json_response(self._find(messages, request.match_info["mid"], "message"))

    def _check_no_active_run(self, thread_id: str) -> None:
        for state in self.store.thread_runs.get(thread_id, ()):
            if state.status not in TERMINAL:
                raise HTTPProblem(400, f"Thread {thread_id} already has an active run {state.id}.")

    def _new_run(self, thread_id: str, body: JSON) -> RunState:
        aid = body.get("assistant_id")
        if not isinstance(aid, str):
            raise HTTPProblem(400, "Missing required parameter: 'assistant_id'.")
        assistant = self._find(self.store.assistants, aid, "assistant")
        self._check_no_active_run(thread_id)
        for message in body.get("additional_messages") or []:
            self.store.message(thread_id, message)
        return self.store.run(thread_id, assistant, body)

    async def _create_run(self, request: web.Request) -> web.StreamResponse:
        tid = request.match_info["tid"]
        self._find(self.store.threads, tid, "thread")
        body = await self._body(request, "create_run")
        state = self._new_run(tid, body)
        faults = self.core.faults_for(request)
        return await self._respond(request, body, state, self.store.start(state, faults), faults)

    async def _create_thread_and_run(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request, "create_thread_and_run")
        if not isinstance(body.get("assistant_id"), str):
            raise HTTPProblem(400, "Missing required parameter: 'assistant_id'.")
        self._find(self.store.assistants, body["assistant_id"], "assistant")
        thread = self.store.thread(body.get("thread") or {})
        state = self._new_run(thread["id"], body)
        faults = self.core.faults_for(request)

        def events() -> Iterator[Event]:
            yield "thread.created", thread
            yield from self.store.start(state, faults)

        return await self._respond(request, body, state, events(), faults)

    async def _list_runs(self, request: web.Request) -> web.Response:
        tid = request.match_info["tid"]
        self._find(self.store.threads, tid, "thread")
        runs = [state.json for state in self.store.thread_runs.get(tid, ())]
        return web.json_response(page(runs, request))

    async def _get_run(self, request: web.Request) -> web.Response:
        return web.json_response(self._run_state(request).json)

    async def _cancel_run(self, request: web.Request) -> web.Response:
        state = self._run_state(request)
        if state.status in TERMINAL or state.status == "cancelling":
            raise HTTPProblem(400, f"Cannot cancel run with status '{state.status}'.")
        self.core.cancelled.append(state.id)
        answer = {**state.json, "status": "cancelling"}
        state.cancel_requested = True
        if not state.streaming:
            _drain(self.store.cancel_events(state))  # nothing streams it: settle it now
        # else the stream sends cancelling/cancelled before its next event
        return web.json_response(answer)

    async def _submit(self, request: web.Request) -> web.StreamResponse:
        state = self._run_state(request)
        body = await self._body(request, "submit_tool_outputs")
        outputs = body.get("tool_outputs")
        if state.status != "requires_action":
            raise HTTPProblem(400, f"Runs in status '{state.status}' do not accept tool outputs.")
        if not isinstance(outputs, list) or not all(
            isinstance(o, dict) and isinstance(o.get("tool_call_id"), str)
            and isinstance(o.get("output"), str) for o in outputs
        ):  # fmt: skip
            raise HTTPProblem(400, "tool_outputs must be a list of {tool_call_id, output}")
        expected = [c["id"] for c in state.pending_calls]
        given = [o["tool_call_id"] for o in outputs]
        if sorted(given) != sorted(expected) or len(set(given)) != len(given):
            raise HTTPProblem(400, f"Expected tool outputs for call_ids {expected}, got {given}.")
        state.submissions.append(outputs)
        faults = self.core.faults_for(request)
        events = self.store.resume(state, outputs, faults)
        return await self._respond(request, body, state, events, faults)

    async def _list_steps(self, request: web.Request) -> web.Response:
        state = self._run_state(request)
        return web.json_response(page(self.store.steps[state.id], request))

    async def _get_step(self, request: web.Request) -> web.Response:
        state = self._run_state(request)
        steps = {s["id"]: s for s in self.store.steps[state.id]}
        return web.json_response(self._find(steps, request.match_info["sid"], "run step"))

    # -------------------------------------------------------------- streams

    async def _respond(self, request: web.Request, body: JSON, state: RunState,
                       events: Iterator[Event], faults: Faults) -> web.StreamResponse:  # fmt: skip
        if faults.drop_before_answer and request.transport is not None:
            _drain(self._guarded(state, events))  # applied; the client never hears so
            request.transport.abort()
            return web.Response()
        if not body.get("stream"):
            first = dict(state.json)
            _drain(self._guarded(state, events))
            return web.json_response(first if first["status"] == "queued" else state.json)
        state.streaming = True
        stream = self._guarded(state, events)
        try:
            return await self.core.write_sse(request, _aiter(stream), faults, self.style, state.id)
        finally:
            state.streaming = False
            # However the response ended (done, dropped, hung up, cancelled), the run
            # goes on server-side to where the model takes it.
            _drain(stream)

    def _guarded(self, state: RunState, events: Iterator[Event]) -> Iterator[Event]:
        for event in events:
            yield event
            if state.cancel_requested and state.status not in TERMINAL:
                yield from self.store.cancel_events(state)
                return
