"""The Responses API's endpoints, on the generic `Transport`.

`create_response` / `stream_response` take the API's body parameters by their
API names: the common ones explicitly (typed and documented), any other through
`**extra` (a name the server does not know comes back as a `BadRequestError`
naming it).  A parameter left `None` is not sent.  Requests are retried like
every other (never once a stream started).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

import attrs

from .. import errors as e
from ..transport import Page, RunStream, Transport
from .convert import structure
from .models import JSON, Response

__all__ = ["ResponseDeleted", "ResponsesEndpoints"]


@attrs.frozen
class ResponseDeleted:
    """The answer to `delete_response`."""

    id: str
    object: str = "response"
    deleted: bool = True


_NOT_BODY = frozenset({"self", "extra", "retry_sent"})


def _body(params: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    clash = sorted(set(params) & set(extra))
    if clash:  # pragma: no cover - Python itself refuses a keyword given twice
        raise TypeError(f"parameter(s) given twice: {clash}")
    body = {k: v for k, v in params.items() if v is not None}
    body.update(extra)
    return body


class ResponsesEndpoints(Transport):
    """Responses: create (streamed or not), retrieve (or resume), cancel, delete, input items."""

    async def _response(self, method: str, path: str, body: Any = None,
                        params: Mapping[str, Any] | None = None, *,
                        idempotent: bool = True) -> Response:  # fmt: skip
        payload = await self.request(method, path, body, params, idempotent=idempotent)
        return structure(payload, Response, event=path)

    async def create_response(
        self,
        *,
        model: str | None = None,
        input: str | Sequence[Mapping[str, Any]] | None = None,
        instructions: str | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        previous_response_id: str | None = None,
        conversation: str | Mapping[str, Any] | None = None,
        background: bool | None = None,
        store: bool | None = None,
        max_output_tokens: int | None = None,
        max_tool_calls: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        metadata: Mapping[str, str] | None = None,
        reasoning: Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        text: Mapping[str, Any] | None = None,
        truncation: str | None = None,
        include: Sequence[str] | None = None,
        prompt: Mapping[str, Any] | None = None,
        prompt_cache_key: str | None = None,
        safety_identifier: str | None = None,
        service_tier: str | None = None,
        retry_sent: bool = False,
        **extra: Any,
    ) -> Response:
        """Create a response and wait for it (or, with `background=True`, for it to be queued).

        Returns the `Response` as the server answered it: finished, or `queued` for
        a background response (follow it with `retrieve_response`).  Creating is not
        idempotent: once the request was sent and its answer lost, it is not repeated
        (`RequestOutcomeUnknown`) unless `retry_sent=True`.
        """
        params = {k: v for k, v in locals().items() if k not in _NOT_BODY}
        return await self._response("POST", "/responses", _body(params, extra),
                                    idempotent=retry_sent)  # fmt: skip

    async def stream_response(
        self,
        *,
        model: str | None = None,
        input: str | Sequence[Mapping[str, Any]] | None = None,
        instructions: str | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        previous_response_id: str | None = None,
        conversation: str | Mapping[str, Any] | None = None,
        background: bool | None = None,
        store: bool | None = None,
        max_output_tokens: int | None = None,
        max_tool_calls: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        metadata: Mapping[str, str] | None = None,
        reasoning: Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        text: Mapping[str, Any] | None = None,
        truncation: str | None = None,
        include: Sequence[str] | None = None,
        prompt: Mapping[str, Any] | None = None,
        prompt_cache_key: str | None = None,
        safety_identifier: str | None = None,
        service_tier: str | None = None,
        retry_sent: bool = False,
        **extra: Any,
    ) -> RunStream:
        """Create a response and return its event stream (`response.created` first).

        Feed it to a handler (`await bot.consume(stream)`), or let `respond` drive
        the whole tool loop.  Parameters as for `create_response`.
        """
        params = {k: v for k, v in locals().items() if k not in _NOT_BODY}
        body = _body(params, extra)
        body["stream"] = True
        return await self.stream("POST", "/responses", body, idempotent=retry_sent)

    @overload
    async def retrieve_response(
        self, response_id: str, *, stream: Literal[False] = False, starting_after: None = None
    ) -> Response: ...

    @overload
    async def retrieve_response(
        self, response_id: str, *, stream: Literal[True], starting_after: int | None = None
    ) -> RunStream: ...

    async def retrieve_response(
        self, response_id: str, *, stream: bool = False, starting_after: int | None = None
    ) -> Response | RunStream:
        """Fetch a response; with `stream=True`, stream a background response's events again.

        `starting_after=N` resumes after the event whose `sequence_number` is N: the
        stream carries N + 1 onwards (no `response.created`), then follows the
        response live.  Only background responses can be streamed again.
        """
        path = f"/responses/{response_id}"
        if not stream:
            if starting_after is not None:
                raise ValueError("starting_after needs stream=True: it says where a stream resumes")
            return await self._response("GET", path)
        params: dict[str, Any] = {"stream": "true"}
        if starting_after is not None:
            params["starting_after"] = str(starting_after)
        return await self.stream("GET", path, None, params)

    async def cancel_response(self, response_id: str) -> Response:
        """Ask the server to cancel a background response; returns it (soon `cancelled`).

        Only background responses can be cancelled; cancelling one that is already
        cancelled is harmless, one that finished otherwise is a `BadRequestError`.
        """
        return await self._response("POST", f"/responses/{response_id}/cancel")

    async def delete_response(self, response_id: str) -> ResponseDeleted:
        """Delete a stored response (it can no longer be retrieved or continued)."""
        payload = await self.request("DELETE", f"/responses/{response_id}")
        return structure(payload, ResponseDeleted, event=f"/responses/{response_id}")

    async def list_input_items(
        self,
        response_id: str,
        *,
        limit: int | None = None,
        order: Literal["asc", "desc"] | None = None,
        after: str | None = None,
        before: str | None = None,
    ) -> Page[JSON]:
        """One page of the items a response was given as input (messages, tool outputs, ...).

        Items are plain JSON objects: input items have many shapes, and they are
        read rarely.
        """
        path = f"/responses/{response_id}/input_items"
        params = {"limit": limit, "order": order, "after": after, "before": before}
        payload = await self.request("GET", path, None, params)
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            raise e.EventDecodeError(path, "a list answer needs a 'data' list")
        items = [item for item in payload["data"] if isinstance(item, dict)]
        return Page(items, payload.get("first_id"), payload.get("last_id"),
                    bool(payload.get("has_more")))  # fmt: skip
