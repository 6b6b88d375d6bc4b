"""The Foundry flavour of the mock server: Azure AI Foundry classic agents, offline.

What differs from the OpenAI flavour, as genuine Foundry traffic shows it:

- URLs under `/api/projects/<project>`, each request with `?api-version=`; a
  bearer token (Entra ID) is required, an `api-key` header is not accepted.
- Steps carry `expires_at` (not `expired_at`).  With `quirks` on (the default),
  what genuine recordings show: a tool-call step's `thread.run.step.created` comes
  again after its `in_progress`; after tool outputs or approvals the run is
  re-announced with `thread.run.created` once it is `queued` again, and an approved
  MCP call's output arrives as a step delta after its step's `completed`.
- MCP approval runs: when the user's message reads `tool_name {json}` and the run
  has an `mcp` tool whose `allowed_tools` name it (or allow any: `null`), the run
  lists the server's tools (an `activities` step), streams the call as a
  `tool_calls` delta of type `mcp` and stops at `requires_action` with a
  `submit_tool_approval` action, as recorded from Foundry (2025-08).  The answer
  (`tool_approvals` on the submit endpoint) completes the call step, with the mock
  MCP server's output when approved, and the model quotes it.

The TLS helpers use `trustme` (a test dependency), imported only when asked for.
"""

from __future__ import annotations

import json
import ssl
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from aiohttp import web

from .assistants_routes import AssistantsRoutes
from .core import HTTPProblem, ServerCore, error_response
from .faults import Faults
from .model import ScriptedModel
from .objects import JSON, Event, RunState, Store, now

__all__ = [
    "DENIED_OUTPUT",
    "FOUNDRY_PROJECT",
    "PROJECT_ROUTE",
    "FoundryRoutes",
    "FoundryStore",
    "McpPlan",
    "TLSFiles",
    "authenticate",
    "check_approvals",
    "mcp_plan",
]

FOUNDRY_PROJECT = "mock-project"
#: The route prefix: any project name is served (the URL names `FOUNDRY_PROJECT`).
PROJECT_ROUTE = "/api/projects/{project}"
DENIED_OUTPUT = "The tool call was not approved."
_UNAUTHORIZED = (
    "Unauthorized. Access token is missing, invalid, audience is incorrect "
    "(https://ai.azure.com), or have expired."
)


def authenticate(request: web.Request, token: str | None, expired: set[str]) -> web.Response | None:
    """Foundry's refusal of a request (401 without a valid bearer token, 400 without
    `api-version`), or None to let it pass.  `token`, when set, is the only one accepted.
    """
    auth = request.headers.get("Authorization", "")
    given = auth[7:] if auth.startswith("Bearer ") else ""
    if not given or given in expired or (token is not None and given != token):
        return error_response(401, _UNAUTHORIZED, code="PermissionDenied",
                              headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    if not request.query.get("api-version"):
        return error_response(400, "Missing required query parameter: api-version",
                              code="BadRequest")  # fmt: skip
    return None


@attrs.frozen
class McpPlan:
    """One MCP call the mock model makes: the server, the tool, the arguments."""

    server_label: str
    name: str
    arguments: str


def mcp_plan(tools: list[JSON], text: str) -> McpPlan | None:
    """The MCP call a `tool_name {json}` message asks for, if an `mcp` tool allows it."""
    name, _, rest = text.strip().partition(" ")
    try:
        arguments = json.loads(rest)
    except ValueError:
        return None
    if not isinstance(arguments, dict):
        return None
    functions = {t.get("function", {}).get("name") for t in tools if t.get("type") == "function"}
    for tool in tools:
        allowed = tool.get("allowed_tools")
        if tool.get("type") != "mcp" or (allowed is not None and name not in allowed):
            continue
        if allowed is None and name in functions:
            continue  # a function of that name answers it
        return McpPlan(str(tool.get("server_label") or "mcp"), name, json.dumps(arguments))
    return None


def check_approvals(pending: list[JSON], approvals: Any) -> str | None:
    """Why a `tool_approvals` list does not answer the pending calls (None when it does)."""
    if not isinstance(approvals, list) or not all(
        isinstance(a, dict) and isinstance(a.get("tool_call_id"), str)
        and isinstance(a.get("approve"), bool) for a in approvals
    ):  # fmt: skip
        return "tool_approvals must be a list of {tool_call_id, approve}"
    expected = [c["id"] for c in pending]
    given = [a["tool_call_id"] for a in approvals]
    if sorted(given) != sorted(expected) or len(set(given)) != len(given):
        return f"Expected tool approvals for call_ids {expected}, got {given}."
    return None


@attrs.define
class _Approval:
    step: JSON
    calls: list[JSON]


class FoundryStore(Store):
    """The mock's objects and events as Foundry sends them (see the module doc)."""

    def __init__(self, *args: Any, quirks: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quirks = quirks
        self.approvals: dict[str, _Approval] = {}
        self.approval_submissions: dict[str, list[list[JSON]]] = {}

    def step(self, state: RunState, details: JSON) -> JSON:
        obj = super().step(state, details)
        del obj["expired_at"]
        obj["expires_at"] = state.json.get("expires_at")
        return obj

    def start(self, state: RunState, faults: Faults) -> Iterator[Event]:
        return self._quirky(super().start(state, faults))

    def resume(self, state: RunState, outputs: list[JSON], faults: Faults) -> Iterator[Event]:
        return self._quirky(super().resume(state, outputs, faults))

    def _quirky(self, events: Iterator[Event]) -> Iterator[Event]:
        if not self.quirks:
            return (event for event in events if event[0] != _LATE_DELTA)
        return _step_created_again(_run_created_again(_late_deltas(events)))

    def awaiting_approval(self, state: RunState) -> list[JSON] | None:
        """The MCP calls a run waits approval for (None when it waits for none)."""
        approval = self.approvals.get(state.id)
        return approval.calls if approval is not None else None

    def _turn(self, state: RunState, faults: Faults) -> Iterator[Event]:
        if faults.run_outcome is None and not state.outputs:
            plan = mcp_plan(state.json.get("tools") or [], self._last_user_text(state))
            if plan is not None:
                state.round += 1
                yield from self._ask_approval(state, plan)
                return
        yield from super()._turn(state, faults)

    def _last_user_text(self, state: RunState) -> str:
        for message in reversed(self.messages[state.json["thread_id"]]):
            if message.get("role") == "user":
                return "".join(
                    p["text"]["value"] for p in message["content"] if p.get("type") == "text"
                )
        return ""

    def _ask_approval(self, state: RunState, plan: McpPlan) -> Iterator[Event]:
        listing = self.step(state, {"type": "activities", "activities": [{
            "type": "mcp_list_tools", "id": self.new_id("act"), "server_label": plan.server_label,
            "tools": {plan.name: {"description": f"{plan.name} (mock MCP tool)",
                                  "parameters": {"type": "object", "properties": {}}}},
        }]})  # fmt: skip
        yield "thread.run.step.created", listing
        yield "thread.run.step.in_progress", listing
        listing.update(status="completed", completed_at=now())
        yield "thread.run.step.completed", listing
        step = self.step(state, {"type": "tool_calls", "tool_calls": []})
        state.open_step = step
        yield "thread.run.step.created", step
        yield "thread.run.step.in_progress", step
        call = {"id": self.new_id("call"), "type": "mcp", "arguments": plan.arguments,
                "name": plan.name, "server_label": plan.server_label}  # fmt: skip
        yield "thread.run.step.delta", _call_delta(step, {**call, "output": None})
        self.approvals[state.id] = _Approval(step, [call])
        state.pending_step, state.pending_calls, state.open_step = step, [call], None
        action = {"type": "submit_tool_approval", "submit_tool_approval": {"tool_calls": [call]}}
        yield self._run_event(state, "requires_action", required_action=action)

    def approve(self, state: RunState, approvals: list[JSON], faults: Faults) -> Iterator[Event]:
        """The events after `tool_approvals`: the MCP step completes and the run goes on."""
        return self._quirky(self._approve(state, approvals, faults))

    def _approve(self, state: RunState, approvals: list[JSON], faults: Faults) -> Iterator[Event]:
        pending = self.approvals.pop(state.id)
        self.approval_submissions.setdefault(state.id, []).append(approvals)
        approved = {a["tool_call_id"]: a["approve"] for a in approvals}
        done = []
        for call in pending.calls:
            output = (
                f"{call['server_label']}.{call['name']} answered {call['arguments']}"
                if approved[call["id"]]
                else DENIED_OUTPUT
            )
            state.outputs.append((call["name"], call["arguments"], output))
            done.append({**call, "output": output})
        step = pending.step
        step["step_details"] = {"type": "tool_calls", "tool_calls": done}
        step.update(status="completed", completed_at=now(), usage=self._usage(state, 5))
        state.pending_step, state.pending_calls = None, []
        state.json["required_action"] = None
        yield "thread.run.step.completed", step
        yield self._run_event(state, "queued")
        yield self._run_event(state, "in_progress")
        for index, call in enumerate(done):
            late = {"index": index, "id": call["id"], "type": "mcp", "output": call["output"]}
            yield _LATE_DELTA, _call_delta(step, late)
        yield from self._turn(state, faults)


_FOUNDRY_PARAMS: dict[str, frozenset[str]] = {
    "submit_tool_outputs": frozenset({"tool_approvals"}),
    "create_run": frozenset({"tool_resources"}),
}


class FoundryRoutes(AssistantsRoutes):
    """The Assistants routes over a `FoundryStore`; the submit endpoint also takes
    `tool_approvals` (the answer to a `submit_tool_approval` action).
    """

    def __init__(self, core: ServerCore, model: ScriptedModel, *, quirks: bool = True) -> None:
        super().__init__(core, model, store=FoundryStore(model, quirks=quirks))
        # What Foundry's API (and the azure-ai-agents SDK) sends beyond OpenAI's.
        for endpoint, extra in _FOUNDRY_PARAMS.items():
            self.params[endpoint] = self.params[endpoint] | extra

    @property
    def foundry_store(self) -> FoundryStore:
        """The store (tests may replace `store` by another `FoundryStore`)."""
        if not isinstance(self.store, FoundryStore):
            raise TypeError(f"FoundryRoutes needs a FoundryStore, got {type(self.store).__name__}")
        return self.store

    async def _submit(self, request: web.Request) -> web.StreamResponse:
        state = self._run_state(request)
        pending = self.foundry_store.awaiting_approval(state)
        if pending is None:
            return await super()._submit(request)
        body = await self._body(request, "submit_tool_outputs")
        problem = check_approvals(pending, body.get("tool_approvals"))
        if problem is not None:
            raise HTTPProblem(400, problem)
        faults = self.core.faults_for(request)
        events = self.foundry_store.approve(state, body["tool_approvals"], faults)
        return await self._respond(request, body, state, events, faults)


# A step delta Foundry sends after its step completed; dropped when quirks are off.
_LATE_DELTA = "thread.run.step.delta (late)"


def _call_delta(step: JSON, call: JSON) -> JSON:
    return {
        "id": step["id"],
        "object": "thread.run.step.delta",
        "delta": {"step_details": {"type": "tool_calls", "tool_calls": [{"index": 0, **call}]}},
    }


def _late_deltas(events: Iterator[Event]) -> Iterator[Event]:
    for name, data in events:
        yield ("thread.run.step.delta" if name == _LATE_DELTA else name), data


def _step_created_again(events: Iterator[Event]) -> Iterator[Event]:
    # Foundry announces a tool-call step again after its in_progress (same object).
    created: set[str] = set()
    for name, data in events:
        yield name, data
        if name == "thread.run.step.created":
            created.add(data["id"])
        elif name == "thread.run.step.in_progress" and data["id"] in created:
            created.discard(data["id"])
            if data.get("type") == "tool_calls":
                yield "thread.run.step.created", data


def _run_created_again(events: Iterator[Event]) -> Iterator[Event]:
    # After requires_action, Foundry re-sends thread.run.created once the run is queued.
    again = True
    for name, data in events:
        yield name, data
        if again and name == "thread.run.queued":
            again = False
            yield "thread.run.created", data


@attrs.frozen
class TLSFiles:
    """A throwaway certificate authority and the mock's certificate (via `trustme`).

    `server_context()` is the mock's; `client_context()` trusts the CA (for aiohttp);
    `ca_path` is the CA's PEM file (for azure-core's `connection_verify=`, `requests`,
    `SSL_CERT_FILE`).
    """

    ca: Any
    ca_path: str

    @classmethod
    def create(cls, host: str) -> TLSFiles:
        """A new CA for `host`; raises a clear error if `trustme` is not installed."""
        try:
            import trustme
        except ImportError:  # pragma: no cover - depends on the environment
            raise RuntimeError(
                "MockAssistantsServer(tls=True) needs the trustme package: pip install trustme"
            ) from None
        ca = trustme.CA()
        with tempfile.NamedTemporaryFile(
            prefix="ae-mock-ca-", suffix=".pem", delete=False
        ) as handle:
            handle.write(ca.cert_pem.bytes())
        return cls(ca, handle.name)

    def server_context(self, host: str) -> ssl.SSLContext:
        """The server side: a certificate for `host` signed by the CA."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(host, "localhost").configure_cert(context)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this CA only."""
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def remove(self) -> None:
        """Delete the CA file."""
        Path(self.ca_path).unlink(missing_ok=True)
