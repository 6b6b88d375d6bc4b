"""The Assistants API's endpoints (v2), on the generic `Transport`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Literal, TypeVar

from .. import errors as e
from ..tool_calls import ToolOutput
from ..transport import Page, RunStream, Transport
from . import foundry as fd
from . import models as m
from . import params as p
from .convert import structure

__all__ = ["AssistantsEndpoints"]

T = TypeVar("T")
EndpointsT = TypeVar("EndpointsT", bound="AssistantsEndpoints")

_BETA = {"OpenAI-Beta": "assistants=v2"}


class AssistantsEndpoints(Transport):
    """Assistants, threads, messages, runs and run steps (the Assistants API, v2)."""

    protocol_headers: Mapping[str, str] = _BETA
    """Sent with every Assistants request (Foundry takes none)."""

    @classmethod
    def foundry(
        cls: type[EndpointsT],
        endpoint: str,
        credential: fd.AsyncTokenCredential | str,
        *,
        api_version: str = fd.DEFAULT_API_VERSION,
        **client_options: Any,
    ) -> EndpointsT:
        """A client of an Azure AI Foundry project's classic agents.

        `endpoint` is the project endpoint
        (`https://<resource>.services.ai.azure.com/api/projects/<project>`);
        `credential` an azure-identity async credential
        (`azure.identity.aio.DefaultAzureCredential()`, extra `[azure]`) or a token
        string.  Every request carries `?api-version=` and a bearer token renewed
        before it expires; a refused token is renewed once, then `AuthenticationError`.
        Other keyword arguments are the client's (`max_retries`, `timeout`, ...).
        """
        for name in ("api_key", "base_url", "azure", "auth"):
            if name in client_options:
                raise e.ConfigurationError(
                    f"{cls.__name__}.foundry() sets {name} itself: pass the project "
                    "endpoint and a credential only"
                )
        where = fd.FoundryEndpoint(endpoint, api_version)
        client = cls(
            base_url=where.endpoint,
            auth=fd.FoundryAuth(credential),
            default_query={"api-version": where.api_version},
            **client_options,
        )
        client.protocol_headers = {}
        return client

    async def _model(
        self,
        cls: type[T],
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        *,
        idempotent: bool = True,
    ) -> T:
        payload = await self.request(
            method, path, body, params, self.protocol_headers, idempotent=idempotent
        )
        return structure(payload, cls, event=path)

    async def _page(self, cls: type[T], path: str, params: Mapping[str, Any]) -> Page[T]:
        payload = await self.request("GET", path, None, params, self.protocol_headers)
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            raise e.EventDecodeError(path, "a list answer needs a 'data' list")
        return Page(
            [structure(item, cls, event=path) for item in payload["data"]],
            payload.get("first_id"),
            payload.get("last_id"),
            bool(payload.get("has_more")),
        )

    async def _stream(self, path: str, body: Any, retry_sent: bool) -> RunStream:
        return await self.stream(
            "POST", path, body, None, self.protocol_headers, idempotent=retry_sent
        )

    # ------------------------------------------------------------ assistants

    async def create_assistant(
        self,
        model: str,
        *,
        name: str | None = None,
        description: str | None = None,
        instructions: str | None = None,
        tools: Sequence[p.ToolParam] | None = None,
        tool_resources: p.ToolResources | None = None,
        metadata: p.Metadata | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        response_format: p.ResponseFormat | None = None,
        reasoning_effort: p.ReasoningEffort | None = None,
        **extra: Any,
    ) -> m.Assistant:
        """Create an assistant.

        The parameters are the API's; one left `None` is not sent.  `extra` keyword
        arguments are sent as given (parameters newer than this library).
        """
        body = {
            "model": model,
            **p.given(name=name, description=description, instructions=instructions,
                      tools=tools, tool_resources=tool_resources, metadata=metadata,
                      temperature=temperature, top_p=top_p, response_format=response_format,
                      reasoning_effort=reasoning_effort),
            **extra,
        }  # fmt: skip
        return await self._model(m.Assistant, "POST", "/assistants", body)

    async def retrieve_assistant(self, assistant_id: str) -> m.Assistant:
        """Fetch one assistant."""
        return await self._model(m.Assistant, "GET", f"/assistants/{assistant_id}")

    async def update_assistant(
        self,
        assistant_id: str,
        *,
        model: str | None = None,
        name: str | None = None,
        description: str | None = None,
        instructions: str | None = None,
        tools: Sequence[p.ToolParam] | None = None,
        tool_resources: p.ToolResources | None = None,
        metadata: p.Metadata | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        response_format: p.ResponseFormat | None = None,
        reasoning_effort: p.ReasoningEffort | None = None,
        **extra: Any,
    ) -> m.Assistant:
        """Change an assistant's fields: only those given (not `None`) are sent."""
        body = {
            **p.given(model=model, name=name, description=description,
                      instructions=instructions, tools=tools, tool_resources=tool_resources,
                      metadata=metadata, temperature=temperature, top_p=top_p,
                      response_format=response_format, reasoning_effort=reasoning_effort),
            **extra,
        }  # fmt: skip
        return await self._model(m.Assistant, "POST", f"/assistants/{assistant_id}", body)

    async def list_assistants(
        self, *, limit: int | None = None, order: str | None = None, after: str | None = None
    ) -> Page[m.Assistant]:
        """One page of assistants."""
        return await self._page(
            m.Assistant, "/assistants", {"limit": limit, "order": order, "after": after}
        )

    async def delete_assistant(self, assistant_id: str) -> m.Deleted:
        """Delete an assistant."""
        return await self._model(m.Deleted, "DELETE", f"/assistants/{assistant_id}")

    # --------------------------------------------------------------- threads

    async def create_thread(
        self,
        messages: Sequence[p.MessageParam] | None = None,
        *,
        metadata: p.Metadata | None = None,
        tool_resources: p.ToolResources | None = None,
        **extra: Any,
    ) -> m.Thread:
        """Create a thread, optionally with its first messages (`None` is not sent)."""
        body = _thread_body(messages, metadata, tool_resources, extra)
        return await self._model(m.Thread, "POST", "/threads", body)

    async def _create_thread_text(
        self,
        messages: Sequence[p.MessageParam] | None = None,
        *,
        metadata: p.Metadata | None = None,
        tool_resources: p.ToolResources | None = None,
        **extra: Any,
    ) -> tuple[str, Any]:
        """`create_thread`'s answer as JSON text and decoded JSON, not typed.

        The run driver hands it on as the `thread.created` event a thread-and-run
        stream starts with: the answer is that event's data already.
        """
        body = _thread_body(messages, metadata, tool_resources, extra)
        return await self.request_text("POST", "/threads", body, None, self.protocol_headers)

    async def retrieve_thread(self, thread_id: str) -> m.Thread:
        """Fetch one thread."""
        return await self._model(m.Thread, "GET", f"/threads/{thread_id}")

    async def delete_thread(self, thread_id: str) -> m.Deleted:
        """Delete a thread."""
        return await self._model(m.Deleted, "DELETE", f"/threads/{thread_id}")

    # -------------------------------------------------------------- messages

    async def create_message(
        self,
        thread_id: str,
        content: str | Sequence[Mapping[str, Any]],
        *,
        role: Literal["user", "assistant"] | str = "user",
        attachments: Sequence[Mapping[str, Any]] | None = None,
        metadata: p.Metadata | None = None,
        **extra: Any,
    ) -> m.Message:
        """Add a message to a thread: text, or content parts (`None` is not sent)."""
        body = {
            "role": role,
            "content": content,
            **p.given(attachments=attachments, metadata=metadata),
            **extra,
        }
        return await self._model(m.Message, "POST", f"/threads/{thread_id}/messages", body)

    async def retrieve_message(self, thread_id: str, message_id: str) -> m.Message:
        """Fetch one message."""
        return await self._model(m.Message, "GET", f"/threads/{thread_id}/messages/{message_id}")

    async def list_messages(
        self,
        thread_id: str,
        *,
        limit: int | None = None,
        order: str | None = None,
        after: str | None = None,
        before: str | None = None,
        run_id: str | None = None,
    ) -> Page[m.Message]:
        """One page of a thread's messages."""
        params = {
            "limit": limit,
            "order": order,
            "after": after,
            "before": before,
            "run_id": run_id,
        }
        return await self._page(m.Message, f"/threads/{thread_id}/messages", params)

    async def iter_messages(
        self, thread_id: str, *, limit: int | None = None, order: str | None = None
    ) -> AsyncIterator[m.Message]:
        """Every message of a thread, following the pages.

        A server that answers a cursor it already gave (the same page again, with
        `has_more`) raises `PaginationError` instead of looping forever.
        """
        after: str | None = None
        cursors: set[str] = set()
        while True:
            page = await self.list_messages(thread_id, limit=limit, order=order, after=after)
            for message in page.data:
                yield message
            if not page.has_more or not page.data:
                return
            after = page.last_id or page.data[-1].id
            if after in cursors:
                raise e.PaginationError(
                    f"the server repeated the page ending at {after!r} while saying it has "
                    "more; its pagination is broken: stop, or list with a smaller `limit`",
                    method="GET",
                    url=f"{self.base_url}/threads/{thread_id}/messages",
                )
            cursors.add(after)

    # ------------------------------------------------------------------ runs

    # Starting a run and submitting outputs are not idempotent: once such a request
    # was sent and its answer lost, it is not repeated blindly (`RequestOutcomeUnknown`
    # is raised; `retry_sent=True` repeats it anyway).  The run driver looks first.

    async def create_run(
        self,
        thread_id: str,
        assistant_id: str,
        *,
        model: str | None = None,
        instructions: str | None = None,
        additional_instructions: str | None = None,
        additional_messages: Sequence[p.MessageParam] | None = None,
        tools: Sequence[p.ToolParam] | None = None,
        tool_choice: p.ToolChoice | None = None,
        metadata: p.Metadata | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        max_prompt_tokens: int | None = None,
        max_completion_tokens: int | None = None,
        truncation_strategy: p.TruncationStrategy | None = None,
        response_format: p.ResponseFormat | None = None,
        parallel_tool_calls: bool | None = None,
        reasoning_effort: p.ReasoningEffort | None = None,
        retry_sent: bool = False,
        **extra: Any,
    ) -> m.Run:
        """Start a run without streaming; poll it with `retrieve_run`.

        The parameters are the API's; one left `None` is not sent.  `extra` keyword
        arguments are sent as given (parameters newer than this library).
        """
        body = {
            "assistant_id": assistant_id,
            **p.given(model=model, instructions=instructions,
                      additional_instructions=additional_instructions,
                      additional_messages=additional_messages, tools=tools,
                      tool_choice=tool_choice, metadata=metadata, temperature=temperature,
                      top_p=top_p, max_prompt_tokens=max_prompt_tokens,
                      max_completion_tokens=max_completion_tokens,
                      truncation_strategy=truncation_strategy, response_format=response_format,
                      parallel_tool_calls=parallel_tool_calls, reasoning_effort=reasoning_effort),
            **extra,
        }  # fmt: skip
        path = f"/threads/{thread_id}/runs"
        return await self._model(m.Run, "POST", path, body, idempotent=retry_sent)

    async def stream_run(
        self,
        thread_id: str,
        assistant_id: str,
        *,
        model: str | None = None,
        instructions: str | None = None,
        additional_instructions: str | None = None,
        additional_messages: Sequence[p.MessageParam] | None = None,
        tools: Sequence[p.ToolParam] | None = None,
        tool_choice: p.ToolChoice | None = None,
        metadata: p.Metadata | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        max_prompt_tokens: int | None = None,
        max_completion_tokens: int | None = None,
        truncation_strategy: p.TruncationStrategy | None = None,
        response_format: p.ResponseFormat | None = None,
        parallel_tool_calls: bool | None = None,
        reasoning_effort: p.ReasoningEffort | None = None,
        retry_sent: bool = False,
        **extra: Any,
    ) -> RunStream:
        """Start a run and return its event stream (parameters as `create_run`)."""
        body = {
            "assistant_id": assistant_id,
            **p.given(model=model, instructions=instructions,
                      additional_instructions=additional_instructions,
                      additional_messages=additional_messages, tools=tools,
                      tool_choice=tool_choice, metadata=metadata, temperature=temperature,
                      top_p=top_p, max_prompt_tokens=max_prompt_tokens,
                      max_completion_tokens=max_completion_tokens,
                      truncation_strategy=truncation_strategy, response_format=response_format,
                      parallel_tool_calls=parallel_tool_calls, reasoning_effort=reasoning_effort),
            **extra,
            "stream": True,
        }  # fmt: skip
        return await self._stream(f"/threads/{thread_id}/runs", body, retry_sent)

    async def create_thread_and_run(
        self,
        assistant_id: str,
        *,
        thread: p.ThreadParam | None = None,
        model: str | None = None,
        instructions: str | None = None,
        tools: Sequence[p.ToolParam] | None = None,
        tool_resources: p.ToolResources | None = None,
        tool_choice: p.ToolChoice | None = None,
        metadata: p.Metadata | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        max_prompt_tokens: int | None = None,
        max_completion_tokens: int | None = None,
        truncation_strategy: p.TruncationStrategy | None = None,
        response_format: p.ResponseFormat | None = None,
        parallel_tool_calls: bool | None = None,
        retry_sent: bool = False,
        **extra: Any,
    ) -> m.Run:
        """Create a thread (`thread={"messages": [...]}`) and start a run on it.

        The parameters are the API's; one left `None` is not sent.  `extra` keyword
        arguments are sent as given (parameters newer than this library).
        """
        body = {
            "assistant_id": assistant_id,
            **p.given(thread=thread, model=model, instructions=instructions, tools=tools,
                      tool_resources=tool_resources, tool_choice=tool_choice,
                      metadata=metadata, temperature=temperature, top_p=top_p,
                      max_prompt_tokens=max_prompt_tokens,
                      max_completion_tokens=max_completion_tokens,
                      truncation_strategy=truncation_strategy, response_format=response_format,
                      parallel_tool_calls=parallel_tool_calls),
            **extra,
        }  # fmt: skip
        return await self._model(m.Run, "POST", "/threads/runs", body, idempotent=retry_sent)

    async def stream_thread_and_run(
        self,
        assistant_id: str,
        *,
        thread: p.ThreadParam | None = None,
        model: str | None = None,
        instructions: str | None = None,
        tools: Sequence[p.ToolParam] | None = None,
        tool_resources: p.ToolResources | None = None,
        tool_choice: p.ToolChoice | None = None,
        metadata: p.Metadata | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        max_prompt_tokens: int | None = None,
        max_completion_tokens: int | None = None,
        truncation_strategy: p.TruncationStrategy | None = None,
        response_format: p.ResponseFormat | None = None,
        parallel_tool_calls: bool | None = None,
        retry_sent: bool = False,
        **extra: Any,
    ) -> RunStream:
        """Create a thread and start a streamed run on it (as `create_thread_and_run`)."""
        body = {
            "assistant_id": assistant_id,
            **p.given(thread=thread, model=model, instructions=instructions, tools=tools,
                      tool_resources=tool_resources, tool_choice=tool_choice,
                      metadata=metadata, temperature=temperature, top_p=top_p,
                      max_prompt_tokens=max_prompt_tokens,
                      max_completion_tokens=max_completion_tokens,
                      truncation_strategy=truncation_strategy, response_format=response_format,
                      parallel_tool_calls=parallel_tool_calls),
            **extra,
            "stream": True,
        }  # fmt: skip
        return await self._stream("/threads/runs", body, retry_sent)

    async def retrieve_run(self, thread_id: str, run_id: str) -> m.Run:
        """Fetch one run."""
        return await self._model(m.Run, "GET", f"/threads/{thread_id}/runs/{run_id}")

    async def list_runs(
        self,
        thread_id: str,
        *,
        limit: int | None = None,
        order: str | None = None,
        after: str | None = None,
    ) -> Page[m.Run]:
        """One page of a thread's runs."""
        return await self._page(
            m.Run, f"/threads/{thread_id}/runs", {"limit": limit, "order": order, "after": after}
        )

    async def cancel_run(self, thread_id: str, run_id: str) -> m.Run:
        """Ask the server to cancel a run."""
        return await self._model(m.Run, "POST", f"/threads/{thread_id}/runs/{run_id}/cancel")

    async def submit_tool_outputs(
        self,
        thread_id: str,
        run_id: str,
        tool_outputs: Sequence[ToolOutput],
        *,
        retry_sent: bool = False,
    ) -> m.Run:
        """Answer a `requires_action` run without streaming."""
        body = {"tool_outputs": [o.to_json() for o in tool_outputs]}
        path = f"/threads/{thread_id}/runs/{run_id}/submit_tool_outputs"
        return await self._model(m.Run, "POST", path, body, idempotent=retry_sent)

    async def stream_submit_tool_outputs(
        self,
        thread_id: str,
        run_id: str,
        tool_outputs: Sequence[ToolOutput],
        *,
        retry_sent: bool = False,
    ) -> RunStream:
        """Answer a `requires_action` run; return the stream of its continuation."""
        body = {"tool_outputs": [o.to_json() for o in tool_outputs], "stream": True}
        path = f"/threads/{thread_id}/runs/{run_id}/submit_tool_outputs"
        return await self._stream(path, body, retry_sent)

    async def submit_tool_approvals(
        self,
        thread_id: str,
        run_id: str,
        approvals: Sequence[fd.ToolApproval],
        *,
        retry_sent: bool = False,
    ) -> m.Run:
        """Answer a `submit_tool_approval` run (Azure AI Foundry MCP calls), not streamed."""
        body = fd.tool_approvals_body(list(approvals), stream=False)
        path = f"/threads/{thread_id}/runs/{run_id}/submit_tool_outputs"
        return await self._model(m.Run, "POST", path, body, idempotent=retry_sent)

    async def stream_submit_tool_approvals(
        self,
        thread_id: str,
        run_id: str,
        approvals: Sequence[fd.ToolApproval],
        *,
        retry_sent: bool = False,
    ) -> RunStream:
        """Answer a `submit_tool_approval` run; return the stream of its continuation."""
        body = fd.tool_approvals_body(list(approvals), stream=True)
        path = f"/threads/{thread_id}/runs/{run_id}/submit_tool_outputs"
        return await self._stream(path, body, retry_sent)

    async def list_run_steps(
        self,
        thread_id: str,
        run_id: str,
        *,
        limit: int | None = None,
        order: str | None = None,
        after: str | None = None,
    ) -> Page[m.RunStep]:
        """One page of a run's steps."""
        return await self._page(
            m.RunStep,
            f"/threads/{thread_id}/runs/{run_id}/steps",
            {"limit": limit, "order": order, "after": after},
        )


def _thread_body(
    messages: Sequence[p.MessageParam] | None,
    metadata: p.Metadata | None,
    tool_resources: p.ToolResources | None,
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    return {
        "messages": list(messages or ()),
        **p.given(metadata=metadata, tool_resources=tool_resources),
        **extra,
    }
