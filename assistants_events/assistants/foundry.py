"""Azure AI Foundry "classic" agents: the Assistants protocol's live server.

Foundry differs from api.openai.com in three ways that live here, not in the core:
the URL (a project endpoint, `?api-version=` on every request, no `OpenAI-Beta`
header), the auth (a Microsoft Entra ID bearer token for the scope
`https://ai.azure.com/.default`, from an azure-identity credential or a plain
string), and tool approvals (MCP calls the run asks us to approve or deny, answered
as `tool_approvals` on the submit endpoint).

`FoundryAuth` caches the token and renews it when less than five minutes remain,
one renewal at a time however many requests wait for it; the token never appears
in a repr, a log line or an error message.  azure-identity stays optional: any
object with `async get_token(*scopes)` returning `.token` / `.expires_on` works.
"""

from __future__ import annotations

import ast
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import anyio
import attrs

from .. import errors as e
from . import models as m

__all__ = [
    "DEFAULT_API_VERSION",
    "FOUNDRY_SCOPE",
    "REFRESH_MARGIN",
    "AccessTokenLike",
    "AsyncTokenCredential",
    "FoundryAuth",
    "FoundryEndpoint",
    "ToolApproval",
    "azure_event",
    "deny_tool_calls",
    "tool_approvals_body",
]

log = logging.getLogger("assistants_events.foundry")

FOUNDRY_SCOPE = "https://ai.azure.com/.default"
DEFAULT_API_VERSION = "v1"
# Renew this many seconds before expiry: a token checked "valid" must stay valid for
# the whole request, and a long stream's submit may come minutes later.
REFRESH_MARGIN = 300.0


@runtime_checkable
class AccessTokenLike(Protocol):
    """What `get_token` returns: azure-core's `AccessToken` or anything shaped like it."""

    @property
    def token(self) -> str: ...

    @property
    def expires_on(self) -> int: ...


@runtime_checkable
class AsyncTokenCredential(Protocol):
    """An azure-identity async credential, or anything with the same `get_token`."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessTokenLike: ...


class _Token:
    """A bearer token with its expiry; shows neither the token nor a prefix of it."""

    __slots__ = ("_value", "expires_on")

    def __init__(self, value: str, expires_on: float) -> None:
        self._value = value
        self.expires_on = expires_on

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"<token expires_on={self.expires_on:.0f}>"

    __str__ = __repr__


class FoundryAuth:
    """Bearer tokens for Foundry, cached and renewed before they expire.

    `credential` is an async token credential (azure-identity's
    `DefaultAzureCredential` from `azure.identity.aio`, or anything with
    `async get_token(*scopes)`) or a plain token string (used as is, never renewed:
    when the server refuses it, the answer is an `AuthenticationError`).  It is the
    transport's `RequestAuth`: `headers()` before each request and, when the server
    answers 401, `renew(rejected_headers)` once to learn whether a different token
    is worth one retry.  (azure-identity caches tokens too: a credential that hands
    back the refused token again means no retry.)
    """

    def __init__(
        self,
        credential: AsyncTokenCredential | str,
        *,
        scope: str = FOUNDRY_SCOPE,
        refresh_margin: float = REFRESH_MARGIN,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if isinstance(credential, str):
            if not credential.strip():
                raise e.ConfigurationError(
                    "the Foundry token is empty: pass an azure-identity credential "
                    "(azure.identity.aio.DefaultAzureCredential()) or a non-empty token"
                )
            self._credential: AsyncTokenCredential | None = None
            self._token: _Token | None = _Token(credential, float("inf"))
        elif callable(getattr(credential, "get_token", None)):
            self._credential = credential
            self._token = None
        else:
            raise e.ConfigurationError(
                f"cannot authenticate with a {type(credential).__name__}: pass an async "
                "credential with get_token(*scopes) (pip install 'assistants-events[azure]', "
                "then azure.identity.aio.DefaultAzureCredential()) or a token string"
            )
        self.scope = scope
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._lock = anyio.Lock()
        self._retired: _Token | None = None  # the previous token: requests may still carry it
        self.tokens_fetched = 0

    def __repr__(self) -> str:
        source = "static token" if self._credential is None else type(self._credential).__name__
        return f"FoundryAuth({source}, scope={self.scope!r})"

    @property
    def renewable(self) -> bool:
        """Whether a refused token can be replaced by asking the credential again."""
        return self._credential is not None

    def _fresh(self, token: _Token | None) -> bool:
        return token is not None and token.expires_on - self._clock() > self.refresh_margin

    async def _token_value(self) -> _Token:
        token = self._token
        if self._fresh(token):
            assert token is not None
            return token
        async with self._lock:
            # Another task may have renewed it while this one waited for the lock.
            if not self._fresh(self._token):
                self._replace(await self._fetch())
            assert self._token is not None
            return self._token

    async def authorization(self) -> str:
        """The `Authorization` header value: `Bearer <token>`, renewed when due."""
        return f"Bearer {(await self._token_value()).reveal()}"

    async def headers(self) -> Mapping[str, str]:
        """The auth headers of one request."""
        return {"Authorization": await self.authorization()}

    @property
    def advice(self) -> str:
        """What to do when Foundry refuses the token (ends the `AuthenticationError`)."""
        if self._credential is None:
            return (
                "the Foundry token was refused (expired?): pass an azure-identity credential "
                "(azure.identity.aio.DefaultAzureCredential()) so tokens are renewed"
            )
        return (
            f"Foundry refused a fresh token from {type(self._credential).__name__}: check "
            "its tenant and that the identity has a role on the project (Azure AI User)"
        )

    def _replace(self, token: _Token) -> None:
        self._retired, self._token = self._token, token

    def secrets(self) -> Iterable[str]:
        """The token in use and the one before (scrubbed by the transport from errors)."""
        return tuple(t.reveal() for t in (self._token, self._retired) if t is not None)

    async def renew(self, rejected: Mapping[str, str]) -> bool:
        """After a 401 for the request headers `rejected`: fetch a new token at most once.

        Many requests refused with the same token share one renewal: a task whose
        rejected token was already replaced gets True at once, without asking the
        credential.  Returns False when no different token can be had (a static
        token, or the credential handed back the same one): do not retry then.
        """
        if self._credential is None:
            return False
        async with self._lock:
            current = self._token
            refused = rejected.get("Authorization")
            if current is not None and f"Bearer {current.reveal()}" != refused:
                return True
            fresh = await self._fetch()
            self._replace(fresh)
            return current is None or fresh.reveal() != current.reveal()

    async def _fetch(self) -> _Token:
        credential = self._credential
        if credential is None:
            # A static token never expires here; reaching this is a bug, not a server error.
            raise e.ConfigurationError("a static Foundry token cannot be renewed")
        name = type(credential).__name__
        try:
            access = await credential.get_token(self.scope)
        except e.AssistantsEventsError:
            raise
        except Exception as exc:
            # azure-identity's messages name the credential chain, never a token.
            raise e.AuthenticationError(
                f"{name} could not get a token for {self.scope}: "
                f"{type(exc).__name__}: {str(exc)[:300]}; sign in (az login) or "
                "configure the credential",
            ) from exc
        value = getattr(access, "token", None)
        expires_on = getattr(access, "expires_on", None)
        if not isinstance(value, str) or not value:
            raise e.AuthenticationError(
                f"{name}.get_token({self.scope!r}) returned no token; "
                "check the credential's configuration"
            )
        if not isinstance(expires_on, (int, float)):
            raise e.AuthenticationError(
                f"{name}.get_token({self.scope!r}) returned a token without a numeric "
                "expires_on; return azure.core.credentials.AccessToken(token, expires_on)"
            )
        self.tokens_fetched += 1
        remaining = float(expires_on) - self._clock()
        log.debug("got a Foundry token from %s, valid for %.0fs", name, remaining)
        if remaining <= 0:
            log.warning(
                "%s returned a token that expired %.0fs ago; the server will refuse it",
                name,
                -remaining,
            )
        return _Token(value, float(expires_on))


def _strip_slash(endpoint: str) -> str:
    return str(endpoint).rstrip("/")


@attrs.frozen
class FoundryEndpoint:
    """A Foundry project endpoint and the api-version every request carries.

    `endpoint` is `https://<resource>.services.ai.azure.com/api/projects/<project>`
    (as the Foundry portal shows it); paths are the Assistants ones (`/assistants`,
    `/threads/{id}/runs`, ...) appended to it.
    """

    endpoint: str = attrs.field(converter=_strip_slash)
    api_version: str = DEFAULT_API_VERSION

    def __attrs_post_init__(self) -> None:
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise e.ConfigurationError(
                f"the Foundry endpoint {self.endpoint!r} is not an http(s) URL: use the "
                "project endpoint, https://<resource>.services.ai.azure.com/api/projects/<project>"
            )
        if parts.query or parts.fragment:
            raise e.ConfigurationError(
                f"the Foundry endpoint {self.endpoint!r} carries a query or fragment: "
                "pass the bare project endpoint; api_version= sets the api-version"
            )
        if not self.api_version:
            raise e.ConfigurationError("api_version is empty: Foundry needs one (default 'v1')")

    def url(self, path: str) -> str:
        """The absolute URL of an API path (`/threads/...`)."""
        return f"{self.endpoint}/{path.lstrip('/')}"

    def params(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The query of one request: its own parameters plus `api-version`."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        query["api-version"] = self.api_version
        return query


def _header_names(headers: Mapping[str, str] | None) -> str:
    # Approval headers carry the MCP server's credentials: show names only.
    return "None" if headers is None else "{" + ", ".join(f"{k!r}: '***'" for k in headers) + "}"


@attrs.frozen
class ToolApproval:
    """The answer to one tool call of a `submit_tool_approval` run.

    `headers` are sent to the MCP server with the approved call (its credentials,
    typically); their values never show in a repr.
    """

    tool_call_id: str
    approve: bool
    headers: Mapping[str, str] | None = attrs.field(default=None, repr=_header_names)

    def to_json(self) -> dict[str, Any]:
        """The wire form, one item of `tool_approvals`."""
        out: dict[str, Any] = {"tool_call_id": self.tool_call_id, "approve": self.approve}
        if self.headers is not None:
            out["headers"] = dict(self.headers)
        return out


def deny_tool_calls(run: m.Run) -> list[ToolApproval]:
    """The default answer to a `submit_tool_approval` run: deny each call, logged at INFO."""
    denials = []
    for call in run.approval_calls:
        log.info(
            "denied %s tool call %s: %s on server %s (override approve_tool_calls to allow)",
            call.type, call.id, call.name, call.server_label,
            extra={"run_id": run.id, "thread_id": run.thread_id, "tool": call.name,
                   "server": call.server_label},
        )  # fmt: skip
        denials.append(ToolApproval(call.id, approve=False))
    return denials


def tool_approvals_body(approvals: list[ToolApproval], *, stream: bool) -> dict[str, Any]:
    """The body of `POST /threads/{id}/runs/{run_id}/submit_tool_outputs` for approvals."""
    body: dict[str, Any] = {"tool_approvals": [a.to_json() for a in approvals]}
    if stream:
        body["stream"] = True
    return body


def _plain(value: str) -> Any:
    # The SDK hands `error` and unknown events over as str(dict): a Python literal.
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return value


def azure_event(sdk_event: Any) -> tuple[str, Any]:
    """The event name and wire-shaped data of one item of an azure-ai-agents stream.

    The SDK yields `(event_type, data, handler_result)`; `data` is one of its models
    (a mapping holding the wire names, except that it renamed a step's
    `expires_at` to `expired_at`: renamed back here) or a string for `done`,
    `error` and events it does not know.
    """
    if not isinstance(sdk_event, tuple) or len(sdk_event) < 2 or not isinstance(sdk_event[0], str):
        raise TypeError(
            f"not an azure-ai-agents stream item: {type(sdk_event).__name__}; iterate the "
            "stream of runs.stream(...) (it yields (event_type, data, result))"
        )
    name, data = str(sdk_event[0]), sdk_event[1]
    if isinstance(data, str):
        return name, data if data == "[DONE]" else _plain(data)
    as_dict = getattr(data, "as_dict", None)
    payload = as_dict() if callable(as_dict) else data
    if not isinstance(payload, dict):
        raise TypeError(f"the data of {name!r} is a {type(payload).__name__}, not a model")
    if name.startswith("thread.run.step.") and "expired_at" in payload:
        payload["expires_at"] = payload.pop("expired_at")
    return name, payload
