"""`MockAssistantsServer`: the Assistants and Responses APIs on 127.0.0.1, in memory.

Real HTTP and real SSE framing, so the official `openai` SDK and our client talk
to it unchanged.  Runs and responses are played by one scripted model (see
`model`), and faults (see `faults`) are injected per server, for the next
requests, or per request with an `X-Mock-Faults: {...}` header.

`flavor="foundry"` serves Azure AI Foundry classic agents instead (see `foundry`).
"""

from __future__ import annotations

import ssl
from typing import Literal

from aiohttp import web

from . import foundry
from .assistants_routes import AssistantsRoutes
from .core import JSON, ServerCore
from .faults import Faults
from .model import Script, ScriptedModel
from .objects import TERMINAL, Store
from .responses_routes import ResponsesRoutes

__all__ = ["MockAssistantsServer", "MockServer"]


class MockAssistantsServer(ServerCore):
    """An in-memory Assistants + Responses API server on 127.0.0.1 for demos and tests.

    ```python
    async with MockAssistantsServer() as server:
        client = AssistantsClient(api_key="test", base_url=server.url)
    ```

    `script` replaces the default model (a list of `Reply`/str, or a callable of
    `ModelContext`); both protocols share it, so one script plays either.  `faults`
    apply to every stream; `inject(...)` to the next streams only; `fail_next(...)`
    answers the next requests with HTTP errors.  `api_key`, when given, is the only
    key accepted (others get 401).

    For tests: `requests` (every `(method, path)`), `cancelled` (every run or
    response id a cancel was accepted for), `submissions(run_id)` (Assistants tool
    output batches), `responses` (every response by id), `function_outputs(id)`
    (the `function_call_output` items a response received), `response_events(id)`,
    `unfinished_runs()` / `unfinished_responses()` (what a driver left alive).

    `flavor="foundry"` serves Azure AI Foundry classic agents (Assistants routes only,
    see `testing.foundry`): `url` is the project endpoint
    `http(s)://127.0.0.1:PORT/api/projects/mock-project`, every request needs a bearer
    token and `?api-version=` (`api_key` is then the only token accepted;
    `expire_token` makes one fail), assistants with an `mcp` tool play MCP approval
    runs, and, unless `quirks=False`, the stream has the Azure quirks genuine
    recordings show.  `tls=True` serves HTTPS with a throwaway CA (needs `trustme`):
    give clients `client_ssl_context()` or the CA file `ca_path`.
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
        self.tls = foundry.TLSFiles.create(host) if tls else None
        is_foundry = flavor == "foundry"
        super().__init__(
            faults=faults, host=host, port=port, api_key=api_key,
            prefix=f"/api/projects/{foundry.FOUNDRY_PROJECT}" if is_foundry else "/v1",
            ssl_context=self.tls.server_context(host) if self.tls is not None else None,
        )  # fmt: skip
        self.expired_tokens: set[str] = set()
        self.model = ScriptedModel(script)
        self.responses_api = ResponsesRoutes(self, self.model)
        if is_foundry:
            self.assistants_api: AssistantsRoutes = foundry.FoundryRoutes(
                self, self.model, quirks=quirks
            )
            self.assistants_api.add_routes(self.app.router, foundry.PROJECT_ROUTE)
        else:
            self.assistants_api = AssistantsRoutes(self, self.model)
            self.assistants_api.add_routes(self.app.router, self.prefix)
            self.responses_api.add_routes(self.app.router, self.prefix)

    async def start(self) -> MockAssistantsServer:
        """Start listening (a free port unless one was given)."""
        await super().start()
        return self

    async def __aenter__(self) -> MockAssistantsServer:
        return await self.start()

    async def close(self) -> None:
        """Stop listening, end open streams, delete the throwaway CA's file (`tls=True`)."""
        await super().close()
        if self.tls is not None:
            self.tls.remove()

    def authenticate(self, request: web.Request) -> web.Response | None:
        """OpenAI's key check, or Foundry's bearer token + `api-version` check."""
        if self.flavor == "foundry":
            return foundry.authenticate(request, self.api_key, self.expired_tokens)
        return super().authenticate(request)

    # ------------------------------------------------------------ TLS, tokens

    @property
    def ca_path(self) -> str | None:
        """The PEM file of the CA that signed the mock's certificate (`tls=True`)."""
        return self.tls.ca_path if self.tls is not None else None

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client SSL context trusting the mock's CA (`tls=True` only)."""
        if self.tls is None:
            raise ValueError("the mock serves plain HTTP: create it with tls=True")
        return self.tls.client_context()

    def expire_token(self, token: str) -> None:
        """From now on, answer requests bearing `token` with 401 (Foundry flavour)."""
        self.expired_tokens.add(token)

    # ------------------------------------------------------------ Assistants

    @property
    def store(self) -> Store:
        """The Assistants objects: `assistants`, `threads`, `messages`, `runs`, `steps`."""
        return self.assistants_api.store

    def submissions(self, run_id: str) -> list[list[JSON]]:
        """Every batch of tool outputs submitted for a run, in order."""
        return self.store.runs[run_id].submissions

    def unfinished_runs(self) -> list[str]:
        """The ids of runs not in a terminal status (queued, in progress, waiting...).

        After a driver gave up, cancelled or crashed, `[]` means it left no run alive.
        """
        return [rid for rid, state in self.store.runs.items() if state.status not in TERMINAL]

    # ------------------------------------------------------------- Responses

    @property
    def responses(self) -> dict[str, JSON]:
        """Every response created, by id, as it is now (deleted and `store=false` ones too)."""
        return {rid: state.json for rid, state in self.responses_api.store.responses.items()}

    def function_outputs(self, response_id: str) -> list[JSON]:
        """The `function_call_output` items a response received in its `input`, in order.

        Across a tool loop, `[server.function_outputs(r) for r in server.responses]`
        shows each `call_id` answered exactly once (the server refuses a second).
        """
        return self.responses_api.store.responses[response_id].function_outputs

    def unfinished_responses(self) -> list[str]:
        """The ids of responses still queued or in progress (no orphan left: `[]`)."""
        return [
            rid for rid, state in self.responses_api.store.responses.items()
            if state.status in ("queued", "in_progress")
        ]  # fmt: skip

    def response_events(self, response_id: str) -> list[tuple[str, JSON]]:
        """Every event a response played, in order (what a full stream of it carries)."""
        return list(self.responses_api.store.responses[response_id].log)


#: The same server under a protocol-neutral name.
MockServer = MockAssistantsServer
