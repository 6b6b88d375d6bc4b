"""The Responses API routes of the mock server.

`POST /v1/responses` (streamed or not, `background`, `previous_response_id`,
`conversation`, function and built-in `tools`, `input` as a string or items),
`GET /v1/responses/{id}` (with `?stream=true&starting_after=N`: a background
response's events after N, then live), `POST /v1/responses/{id}/cancel`,
`DELETE /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`, and the
`/v1/conversations` a response can live in.

Every response is played by a task into its event log (see `responses_store`);
streams follow the log, so a dropped stream leaves the response running and a
resumed one sees every `sequence_number` once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import attrs
from aiohttp import web

from .core import JSON, HTTPProblem, ServerCore, WireStyle, check_params, page, read_body
from .faults import Faults
from .model import ScriptedModel
from .responses_store import (
    TERMINAL,
    Event,
    Pause,
    ResponsesStore,
    ResponseState,
    normalize_tools,
)

__all__ = ["RESPONSES_PARAMS", "ResponsesRoutes"]

#: The body parameters `POST /v1/responses` accepts (the SDK's `ResponseCreateParams`).
RESPONSES_PARAMS = frozenset({
    "access_programs", "background", "background_options", "context_management",
    "conversation", "image", "include", "input", "instructions", "max_output_tokens",
    "max_tool_calls", "metadata", "model", "moderation", "parallel_tool_calls",
    "previous_response_id", "prompt", "prompt_cache_key", "prompt_cache_options",
    "prompt_cache_retention", "reasoning", "safety_identifier", "service_tier", "store",
    "stream", "stream_options", "temperature", "text", "tool_choice", "tools",
    "top_logprobs", "top_p", "truncation", "user",
})  # fmt: skip

#: Pairs the API refuses together.
RESPONSES_CONFLICTS = (("previous_response_id", "conversation"),)

CONVERSATION_PARAMS = frozenset({"items", "metadata"})

log = logging.getLogger("assistants_events.mock")


def _not_found(response_id: str) -> HTTPProblem:
    return HTTPProblem(404, f"Response with id '{response_id}' not found.")


class ResponsesRoutes:
    """The `/v1/responses` and `/v1/conversations` routes over one `ResponsesStore`."""

    def __init__(self, core: ServerCore, model: ScriptedModel) -> None:
        self.core = core
        self.store = ResponsesStore(model)
        self.params = RESPONSES_PARAMS
        self.conflicts = RESPONSES_CONFLICTS
        self.style = WireStyle(malformed_name="response.output_text.delta")

    def add_routes(self, router: web.UrlDispatcher, prefix: str = "/v1") -> None:
        """Register the routes under `prefix`."""
        r, p = router, prefix
        r.add_post(f"{p}/responses", self._create)
        r.add_get(f"{p}/responses/{{rid}}", self._retrieve)
        r.add_delete(f"{p}/responses/{{rid}}", self._delete)
        r.add_post(f"{p}/responses/{{rid}}/cancel", self._cancel)
        r.add_get(f"{p}/responses/{{rid}}/input_items", self._input_items)
        r.add_post(f"{p}/conversations", self._create_conversation)
        r.add_get(f"{p}/conversations/{{cid}}", self._get_conversation)
        r.add_delete(f"{p}/conversations/{{cid}}", self._delete_conversation)
        r.add_get(f"{p}/conversations/{{cid}}/items", self._conversation_items)

    # -------------------------------------------------------------- helpers

    def _state(self, response_id: str) -> ResponseState:
        state = self.store.responses.get(response_id)
        if state is None or not state.stored:
            raise _not_found(response_id)
        return state

    def _conversation_id(self, value: Any) -> str:
        cid = value.get("id") if isinstance(value, dict) else value
        if not isinstance(cid, str):
            raise HTTPProblem(400, "Invalid value for 'conversation': expected an id.",
                              code="invalid_value", param="conversation")  # fmt: skip
        if cid not in self.store.conversations:
            raise HTTPProblem(404, f"Conversation with id '{cid}' not found.",
                              param="conversation")  # fmt: skip
        return cid

    def _context(self, body: JSON) -> list[JSON]:
        """The items before this request's input: the previous response's, or the conversation's."""
        previous = body.get("previous_response_id")
        if previous is not None:
            state = self.store.responses.get(previous) if isinstance(previous, str) else None
            if state is None or not state.stored:
                raise HTTPProblem(404, f"Previous response with id '{previous}' not found.",
                                  code="previous_response_not_found",
                                  param="previous_response_id")  # fmt: skip
            return [*state.context, *state.input_items, *state.json["output"]]
        if body.get("conversation") is not None:
            return list(self.store.conversation_items[self._conversation_id(body["conversation"])])
        return []

    @staticmethod
    def _check_calls(context: list[JSON], items: list[JSON]) -> None:
        """Each function call answered once: none missing, none unknown, none twice."""
        called = [i for i in [*context, *items] if i.get("type") == "function_call"]
        calls = [i["call_id"] for i in called]
        # A call cut off by a cancel or failure may be answered, but need not be.
        owed = [i["call_id"] for i in called if i.get("status") != "incomplete"]
        answered = {i["call_id"] for i in context if i.get("type") == "function_call_output"}
        for item in items:
            if item.get("type") != "function_call_output":
                continue
            call_id = item["call_id"]
            if call_id not in calls:
                raise HTTPProblem(400, "No tool call found for function call output with "
                                  f"call_id {call_id}.", param="input")  # fmt: skip
            if call_id in answered:
                raise HTTPProblem(400, f"Duplicate function call output for call_id {call_id}.",
                                  param="input")  # fmt: skip
            answered.add(call_id)
        for call_id in owed:
            if call_id not in answered:
                raise HTTPProblem(400, f"No tool output found for function call {call_id}.",
                                  param="input")  # fmt: skip

    def _start(self, state: ResponseState) -> asyncio.Task[None]:
        state.task = asyncio.create_task(self._produce(state), name=f"mock {state.id}")
        self.core.track(state.task)
        return state.task

    async def _produce(self, state: ResponseState) -> None:
        """Play the response into its log, as the server would, whoever listens."""
        steps = self.store.play(state)
        try:
            while not state.cancel_requested.is_set():
                try:
                    step = next(steps, None)
                except Exception as exc:  # a script that raises: the response fails, visibly
                    log.exception("the mock model failed on response %s", state.id)
                    error = {"code": "server_error", "message": f"The mock model raised {exc!r}"}
                    for event in self.store.fail(state, error):
                        state.record(event)
                    break
                if step is None:
                    break
                if isinstance(step, Pause):
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(state.cancel_requested.wait(), step.seconds)
                else:
                    state.record(step)
                await asyncio.sleep(0)  # let streams, cancels and other responses in
            conversation = state.json.get("conversation")
            if conversation and state.status in TERMINAL - {"cancelled"}:
                self.store.conversation_items[conversation["id"]].extend(state.json["output"])
        finally:
            state.finish()

    async def _stream(self, request: web.Request, state: ResponseState, after: int | None,
                      faults: Faults) -> web.StreamResponse:  # fmt: skip
        # The content faults (stall, delay, error, outcome) are the play's; the
        # connection's are only these two.
        wire = attrs.evolve(faults, stall_after=None, delta_delay=0.0, error_after=None,
                            out_of_order=False, run_outcome=None)  # fmt: skip
        events: AsyncIterator[Event] = state.follow(after)
        return await self.core.write_sse(request, events, wire, self.style, state.id)

    # ------------------------------------------------------------ endpoints

    async def _create(self, request: web.Request) -> web.StreamResponse:
        body = await read_body(request)
        check_params(body, self.params, self.conflicts)
        if not isinstance(body.get("model"), str):
            raise HTTPProblem(400, "Missing required parameter: 'model'.",
                              code="missing_required_parameter", param="model")  # fmt: skip
        limit = body.get("max_output_tokens")
        if limit is not None and (not isinstance(limit, int) or limit < 16):
            message = ("Invalid 'max_output_tokens': integer below minimum value. "
                       f"Expected a value >= 16, but got {limit!r} instead.")  # fmt: skip
            raise HTTPProblem(400, message, code="integer_below_min_value",
                              param="max_output_tokens")  # fmt: skip
        faults = self.core.faults_for(request)
        if faults.run_outcome == "expired":
            raise HTTPProblem(400, "Faults.run_outcome 'expired' has no Responses equivalent: "
                              "use 'failed' or 'incomplete'.")  # fmt: skip
        tools = normalize_tools(body.get("tools"))
        context = self._context(body)
        items = self.store.normalize_input(body.get("input"))
        self._check_calls(context, items)
        state = self.store.response(body, context, items, tools, faults)
        conversation = state.json.get("conversation")
        if conversation:
            self.store.conversation_items[conversation["id"]].extend(items)
        task = self._start(state)
        if body.get("stream"):
            return await self._stream(request, state, None, faults)
        if state.background:
            return web.json_response(state.json)  # still queued: the play starts after this
        await asyncio.shield(task)
        return web.json_response(state.json)

    async def _retrieve(self, request: web.Request) -> web.StreamResponse:
        state = self._state(request.match_info["rid"])
        if request.query.get("stream") != "true":
            return web.json_response(state.json)
        if not state.background:
            raise HTTPProblem(400, "Only responses created with background=true can be "
                              "streamed again.", param="stream")  # fmt: skip
        after: int | None = None
        if "starting_after" in request.query:
            try:
                after = int(request.query["starting_after"])
            except ValueError:
                raise HTTPProblem(
                    400,
                    "Invalid value for 'starting_after': expected an integer.",
                    code="invalid_value",
                    param="starting_after",
                ) from None
        return await self._stream(request, state, after, self.core.faults_for(request))

    async def _cancel(self, request: web.Request) -> web.Response:
        state = self._state(request.match_info["rid"])
        if not state.background:
            raise HTTPProblem(400, "Only responses created with background=true can be cancelled.")
        if state.status == "cancelled":
            return web.json_response(state.json)
        if state.status in TERMINAL:
            raise HTTPProblem(400, f"Cannot cancel a response with status '{state.status}'.")
        self.core.cancelled.append(state.id)
        state.cancel()
        return web.json_response(state.json)

    async def _delete(self, request: web.Request) -> web.Response:
        state = self._state(request.match_info["rid"])
        if state.task is not None and not state.task.done():
            state.cancel()
        state.stored = False
        return web.json_response({"id": state.id, "object": "response", "deleted": True})

    async def _input_items(self, request: web.Request) -> web.Response:
        state = self._state(request.match_info["rid"])
        return web.json_response(page(state.input_items, request))

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        check_params(body, CONVERSATION_PARAMS)
        return web.json_response(self.store.conversation(body))

    async def _get_conversation(self, request: web.Request) -> web.Response:
        return web.json_response(
            self.store.conversations[self._conversation_id(request.match_info["cid"])]
        )

    async def _delete_conversation(self, request: web.Request) -> web.Response:
        cid = self._conversation_id(request.match_info["cid"])
        del self.store.conversations[cid]
        return web.json_response({"id": cid, "object": "conversation.deleted", "deleted": True})

    async def _conversation_items(self, request: web.Request) -> web.Response:
        cid = self._conversation_id(request.match_info["cid"])
        return web.json_response(page(self.store.conversation_items[cid], request))
