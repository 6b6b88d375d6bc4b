"""`AssistantsClient`: the client of both protocols, on one aiohttp session.

Named for release 1; it speaks the Assistants endpoints (threads, runs, ...) and
the Responses endpoints alike.
"""

from __future__ import annotations

from .assistants.client import AssistantsEndpoints
from .responses.client import ResponsesEndpoints
from .transport import DEFAULT_BASE_URL, Page, RunStream

__all__ = ["DEFAULT_BASE_URL", "AssistantsClient", "Page", "RunStream"]


class AssistantsClient(AssistantsEndpoints, ResponsesEndpoints):
    """An asyncio client of OpenAI-style APIs, on one aiohttp session.

    `api_key` defaults to `$OPENAI_API_KEY`, `base_url` to `$OPENAI_BASE_URL` or the
    public API.  `azure=True` sends the key as an `api-key` header and adds the
    `api-version` query parameter, for Azure-style deployments.  `usage_tracker`
    counts the usage of every run the driver finishes; `stream_recorder` receives
    every raw byte chunk of every event stream (what `assistants-events record`
    saves).  Use it with `async with`, or call `close()`.

    Both protocols' endpoints: `stream_run`, `submit_tool_outputs`, ... (Assistants)
    and `create_response`, `stream_response`, `retrieve_response`, ... (Responses).
    """
