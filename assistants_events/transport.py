"""`Transport`: one aiohttp session with auth, retries, timeouts and typed errors.

It knows HTTP and SSE bodies, not endpoints: each protocol's endpoint methods
(`assistants/client.py`, `responses/client.py`) are built on `request` and `stream`.

Requests are retried on 429, 500, 502, 503, 504 and connection errors with
exponential backoff, jitter and the server's `Retry-After` / `retry-after-ms`,
but only until the first byte of a response body is read: a stream is never
retried once it started (that would start a second run or submit outputs twice),
and `insufficient_quota` is never retried.  The API key is held in a wrapper that
never shows it in a repr, a str, an error or a log line.

Instead of a static key, a `RequestAuth` gives each request its headers (Entra ID
tokens for Azure AI Foundry, see `assistants/foundry.py`): a 401 then gets one
renewal and one retry at most, then `AuthenticationError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import os
import random
import re
import ssl
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Generic, NoReturn, Protocol, TypeVar

import aiohttp
import anyio
import attrs

from . import errors as e
from . import jsonlib
from .usage import UsageTracker

__all__ = [
    "DEFAULT_BASE_URL",
    "Page",
    "RequestAuth",
    "RunStream",
    "Transport",
    "describe_failure",
    "scrub",
]

log = logging.getLogger("assistants_events")

DEFAULT_BASE_URL = "https://api.openai.com/v1"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_STATUS_ERRORS: Mapping[int, type[e.APIError]] = {
    400: e.BadRequestError,
    401: e.AuthenticationError,
    403: e.PermissionDeniedError,
    404: e.NotFoundError,
    409: e.ConflictError,
    422: e.UnprocessableEntityError,
    429: e.RateLimitError,
}
MAX_BACKOFF_EXPONENT = 30  # 2**30 * any sane base is past backoff_max: no float overflow
T = TypeVar("T")
TransportT = TypeVar("TransportT", bound="Transport")


# The bound of a request (up to its answer's headers, then its body): asyncio's own
# timeout costs 40% of an anyio scope (aiohttp runs on asyncio only).  Both raise the
# built-in `TimeoutError` and let an outer cancellation (an anyio scope, a
# `task.cancel()`) through as a cancellation.
if sys.version_info >= (3, 11):
    _time_limit = asyncio.timeout
else:  # pragma: no cover - Python 3.10

    @contextlib.asynccontextmanager
    async def _time_limit(delay: float | None) -> AsyncIterator[None]:
        with anyio.fail_after(delay):
            yield


class _Secret:
    """A string that never shows itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__


# A transport exception's repr and str can hold the request's headers (aiohttp's
# `ClientResponseError` carries its `RequestInfo`), so errors and logs are built from
# the exception's type name and a reason scrubbed of anything that looks like a key.
_CREDENTIAL = re.compile(
    r"(?i)(bearer\s+|(?:api-key|authorization)['\"]?\s*[:=,]\s*['\"]?(?:bearer\s+)?)"
    r"[^\s'\",)>]+"
)
_KEY_LIKE = re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_\-]{6,}")
_MAX_REASON = 200
_MIN_SECRET = 8


def describe_failure(
    exc: BaseException, secret: str | None = None, secrets: Iterable[str] = ()
) -> str:
    """`TypeName: reason` for a transport exception, never its repr, never a key.

    For an aiohttp `ClientResponseError` only its status and message are used (its
    args hold the request's headers); any other reason is cut where request details
    begin, scrubbed of `secret` and `secrets` (a `RequestAuth`'s tokens), bearer
    tokens and key-like words, and shortened.
    """
    if isinstance(exc, aiohttp.ClientResponseError):
        reason = f"{exc.status}, {exc.message}" if exc.status else str(exc.message)
    else:
        try:
            reason = str(exc)
        except Exception:  # a str() that fails must not hide the failure itself
            reason = ""
    for marker in ("RequestInfo(", "request_info", "headers="):
        cut = reason.find(marker)
        if cut >= 0:
            reason = reason[:cut] + "..."
    reason = " ".join(scrub(reason, secret, secrets).split())
    if len(reason) > _MAX_REASON:
        reason = reason[:_MAX_REASON] + "..."
    name = type(exc).__name__
    return f"{name}: {reason}" if reason else name


# What aiohttp raises: its text can hold the request's headers (a malformed answer's
# line echoed back, `RequestInfo`), so it never rides along as an error's context.
_AIOHTTP_ERRORS = (aiohttp.ClientError, aiohttp.http_exceptions.HttpProcessingError)


def _raise_alone(error: BaseException) -> NoReturn:
    """Raise `error` with no aiohttp exception at the head of its context chain.

    Raising outside the `except` that caught the aiohttp exception is not enough on
    Python 3.10: there the exception aiohttp handled while failing the request can
    still be the one being handled, and `raise` makes it the context.  A context of
    the caller's own (a `raise` inside its `except`) is kept.
    """
    try:
        raise error
    finally:
        context = error.__context__
        while isinstance(context, _AIOHTTP_ERRORS):
            context = context.__context__
        error.__context__ = context


def scrub(text: str, secret: str | None = None, secrets: Iterable[str] = ()) -> str:
    """`text` without `secret`, `secrets`, bearer tokens and key-like words.

    For what a server sends back (an error body may echo the request's headers) and
    for exception reasons alike.
    """
    for value in (secret, *secrets):
        # A value this short is no real credential, and replacing it would garble the
        # text (a test key "k" would take every k with it).
        if value and len(value) >= _MIN_SECRET:
            text = text.replace(value, "***")
    return _KEY_LIKE.sub("***", _CREDENTIAL.sub(r"\1***", text))


@attrs.frozen
class Page(Generic[T]):
    """One page of a list endpoint."""

    data: list[T]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


def error_from_response(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    method: str,
    url: str,
    clean: Callable[[str], str] = scrub,
) -> e.APIError:
    """The typed error for an HTTP error response; `clean` scrubs what the server echoed."""
    message, code, type_, param = (
        body.decode("utf-8", "replace")[:500] or "(empty body)",
        None,
        None,
        None,
    )
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # an error body nested past decoding is still an error
        payload = None
    if isinstance(payload, dict):
        err = payload.get("error", payload)
        if isinstance(err, dict):
            message = str(err.get("message") or message)
            code = err.get("code") if isinstance(err.get("code"), str) else None
            type_ = err.get("type") if isinstance(err.get("type"), str) else None
            param = err.get("param") if isinstance(err.get("param"), str) else None
    message = clean(message)  # a body may echo the request, credentials included
    cls: type[e.APIError]
    if status == 429 and code == "insufficient_quota":
        cls = e.QuotaExceededError
    elif status >= 500:
        cls = e.InternalServerError
    else:
        cls = _STATUS_ERRORS.get(status, e.APIError)
    return cls(
        message,
        status=status,
        code=code,
        type=type_,
        param=param,
        request_id=headers.get("x-request-id"),
        method=method,
        url=url,
    )


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asks us to wait, from `retry-after-ms` or `retry-after`."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())


class RunStream:
    """An open event stream: iterate its byte chunks; close it (or use `async with`).

    Reading is bounded by the client's `idle_timeout`: a silent server raises
    `StreamTimeout`; a dropped connection raises `APIConnectionError`, after every
    byte received before the drop was handed out.  Neither is retried: the run may
    have moved on server-side.  `bytes_read` counts the bytes handed out;
    `events_read`, when a reader counts the events it parsed (the run driver does),
    makes a broken stream's error say how many arrived.
    """

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        idle_timeout: float | None,
        recorder: Callable[[bytes], object] | None = None,
        describe: Callable[[BaseException], str] = describe_failure,
    ) -> None:
        self.response = response
        self.idle_timeout = idle_timeout
        self.recorder = recorder
        self.describe = describe
        self.bytes_read = 0
        self.events_read: int | None = None

    async def __aenter__(self) -> RunStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection (idempotent)."""
        self.response.release()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        content = self.response.content
        method, url = self.response.method, str(self.response.url)
        idle = self.idle_timeout
        call_later = asyncio.get_running_loop().call_later
        take, wait = (_take, _wait_and_take) if _whole_reads(content) else _PLAIN_READS
        while True:
            failure: aiohttp.ClientError | None = None
            try:
                # What already arrived is taken as it is; only waiting for more is
                # bounded, by an alarm that fails the read if no byte came meanwhile
                # (a timer handle: no cancel scope, no cancellation of the task).
                chunk = take(content)
                if not chunk:
                    if idle is None:
                        chunk = await wait(content)
                    else:
                        alarm = call_later(idle, _silent, content, content.total_bytes)
                        try:
                            chunk = await wait(content)
                        finally:
                            alarm.cancel()
            except TimeoutError:
                raise e.StreamTimeout(
                    f"the stream sent nothing for {self.idle_timeout}s "
                    f"after {self.bytes_read} bytes; raise idle_timeout if the server is slow",
                    method=method,
                    url=url,
                ) from None
            except aiohttp.ClientError as exc:
                failure = exc
                chunk = _buffered(content)
            if chunk:
                self.bytes_read += len(chunk)
                if self.recorder is not None:
                    self.recorder(chunk)
                yield chunk
            if failure is not None:
                # Raised outside the `except`: the aiohttp exception must not ride
                # along as context (its repr can hold the request's headers).
                break
            if not chunk:
                return
        amount = f"{self.bytes_read} bytes"
        if self.events_read is not None:
            amount = f"{self.events_read} events ({amount})"
        _raise_alone(
            e.APIConnectionError(
                f"the stream broke after {amount}: {self.describe(failure)}",
                status=self.response.status,
                method=method,
                url=url,
            )
        )

    def count_events(self, events: int) -> None:
        """Add `events` parsed events to `events_read` (what a broken stream's error says)."""
        self.events_read = (self.events_read or 0) + events


# Reading a body whose HTTP chunks are one event each (SSE over chunked encoding), an
# aiohttp read resumes the connection's transport and parser after every HTTP chunk it
# takes (aiohttp 3.14 here: seven calls per event, 6% of a run's CPU end to end).  A
# stream's reads take every chunk at once with that resume held back (the low-water
# mark out of reach), then resume reading once if the buffer had paused it: the same
# flow control, once per read instead of once per event.  An aiohttp without these
# internals reads as before.
def _whole_reads(content: aiohttp.StreamReader) -> bool:
    protocol = getattr(content, "_protocol", None)
    return (
        type(getattr(content, "_low_water", None)) is int
        and type(getattr(content, "_size", None)) is int
        and type(getattr(protocol, "_reading_paused", None)) is bool
        and callable(getattr(protocol, "resume_reading", None))
    )


_PLAIN_READS = (aiohttp.StreamReader.read_nowait, aiohttp.StreamReader.readany)


def _take(content: aiohttp.StreamReader) -> bytes:
    """`content.read_nowait()`: everything buffered, the transport resumed once."""
    low = content._low_water
    content._low_water = -1  # no resume per HTTP chunk taken
    try:
        return content.read_nowait()
    finally:
        content._low_water = low
        _resume(content)


async def _wait_and_take(content: aiohttp.StreamReader) -> bytes:
    """`await content.readany()`: everything buffered once something is, resumed once."""
    low = content._low_water
    content._low_water = -1
    try:
        return await content.readany()
    finally:
        content._low_water = low
        _resume(content)


def _resume(content: aiohttp.StreamReader) -> None:
    protocol: Any = content._protocol
    if protocol._reading_paused and content._size < content._low_water:
        protocol.resume_reading()


class _Silence(TimeoutError):
    """What a stream's idle alarm fails its pending read with (`StreamTimeout` is raised)."""


def _silent(content: aiohttp.StreamReader, seen: int) -> None:
    """The idle alarm: fail the pending read if no byte arrived since it began waiting.

    Bytes (or the body's end, or a failure) that arrived while the reader had not yet
    resumed make the alarm stand down: they are handed out first.
    """
    if content.total_bytes == seen and not content.is_eof() and content.exception() is None:
        content.set_exception(_Silence())


def _buffered(content: aiohttp.StreamReader) -> bytes:
    """The bytes aiohttp received before a stream failed, which `readany` withholds.

    aiohttp raises a stored error before handing out its buffer; those bytes are
    complete events a slow consumer has not read yet, so they are taken directly.
    """
    take = getattr(content, "_read_nowait", None)
    if take is None or not getattr(content, "_buffer", None):
        return b""
    try:
        data = take(-1)
    except Exception:  # an aiohttp without that internal: nothing more to salvage
        return b""
    return bytes(data)


class RequestAuth(Protocol):
    """Credentials fetched per request instead of a static API key."""

    @property
    def advice(self) -> str:
        """What to do when the server refuses them (ends the `AuthenticationError`)."""
        ...

    async def headers(self) -> Mapping[str, str]:
        """The auth headers of the next request."""
        ...

    async def renew(self, rejected: Mapping[str, str]) -> bool:
        """After a 401 for the headers `rejected`: True if different ones are worth a retry."""
        ...

    def secrets(self) -> Iterable[str]:
        """The credential values in use, scrubbed from every error text and log line."""
        ...


class Transport:
    """An asyncio HTTP client for OpenAI-style APIs, on one aiohttp session.

    `api_key` defaults to `$OPENAI_API_KEY`, `base_url` to `$OPENAI_BASE_URL` or the
    public API.  `azure=True` sends the key as an `api-key` header and adds the
    `api-version` query parameter, for Azure-style deployments.  `usage_tracker`
    counts the usage of every run the driver finishes; `stream_recorder` receives
    every raw byte chunk of every event stream (what `assistants-events record`
    saves).  Use it with `async with`, or call `close()`.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        max_retries: int = 2,
        timeout: float | None = 600.0,
        connect_timeout: float | None = 10.0,
        idle_timeout: float | None = 60.0,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        organization: str | None = None,
        project: str | None = None,
        azure: bool = False,
        api_version: str | None = None,
        default_headers: Mapping[str, str] | None = None,
        usage_tracker: UsageTracker | None = None,
        stream_recorder: Callable[[bytes], object] | None = None,
        auth: RequestAuth | None = None,
        default_query: Mapping[str, str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        if auth is not None:
            key = ""  # the per-request auth replaces the key: never send both
        elif not key:
            raise e.ConfigurationError(
                "no API key: pass api_key=... or set OPENAI_API_KEY "
                "(any non-empty string works for the mock server)"
            )
        self._key = _Secret(key)
        self.auth = auth
        self.default_query = dict(default_query or {})
        self.ssl_context = ssl_context
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip(
            "/"
        )
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        self.max_retries = max_retries
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.idle_timeout = idle_timeout
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.azure = azure
        self.api_version = api_version
        self.usage_tracker = usage_tracker
        self.stream_recorder = stream_recorder
        self._headers = {"Content-Type": "application/json"}
        if organization:
            self._headers["OpenAI-Organization"] = organization
        if project:
            self._headers["OpenAI-Project"] = project
        self._headers.update(default_headers or {})
        self._session: aiohttp.ClientSession | None = None
        self.retries_made = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key='***')"

    async def __aenter__(self: TransportT) -> TransportT:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session (idempotent)."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def _describe(self, exc: BaseException) -> str:
        tokens = self.auth.secrets() if self.auth is not None else ()
        return describe_failure(exc, self._key.reveal(), tokens)

    def _scrub(self, text: str) -> str:
        tokens = self.auth.secrets() if self.auth is not None else ()
        return scrub(text, self._key.reveal(), tokens)

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            auth: dict[str, str] = {}
            if self.auth is None:
                auth = (
                    {"api-key": self._key.reveal()}
                    if self.azure
                    else {"Authorization": f"Bearer {self._key.reveal()}"}
                )
            self._session = aiohttp.ClientSession(
                headers={**self._headers, **auth},
                timeout=aiohttp.ClientTimeout(total=None, connect=self.connect_timeout),
                connector=aiohttp.TCPConnector(
                    limit=0, keepalive_timeout=30, ssl=self.ssl_context or True
                ),
            )
        return self._session

    # ------------------------------------------------------------- transport

    async def _auth_headers(self, auth: RequestAuth) -> Mapping[str, str]:
        try:
            with anyio.fail_after(self.timeout):
                return await auth.headers()
        except TimeoutError:
            raise e.AuthenticationError(
                f"the credential gave no token within {self.timeout}s; nothing was sent: "
                "check the credential (az login, managed identity) or raise timeout"
            ) from None

    def _backoff(self, attempt: int, hint: float | None) -> float:
        if hint is not None and hint <= 60:
            return hint
        delay = min(self.backoff_max, self.backoff_base * 2.0 ** min(attempt, MAX_BACKOFF_EXPONENT))
        return delay * (0.75 + random.random() / 2)  # jitter: +-25%

    async def _send(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        idempotent: bool = True,
    ) -> aiohttp.ClientResponse:
        """Send with retries; return a 2xx response whose body is not read yet.

        With `idempotent=False` a request is retried only when it surely did not
        reach the server (no connection, or an HTTP error answer); when it was sent
        and no answer came, `RequestOutcomeUnknown` is raised at once.
        """
        url = f"{self.base_url}{path}"
        query = {k: v for k, v in (params or {}).items() if v is not None}
        if self.azure and self.api_version:
            query.setdefault("api-version", self.api_version)
        query.update(self.default_query)
        data = None if body is None else json.dumps(body, separators=(",", ":"))
        session = self._get_session()
        attempt = 0
        renewed = False
        while True:
            hint = None
            sent = headers
            if self.auth is not None:  # before the request's clock: nothing is sent yet
                sent = {**(headers or {}), **await self._auth_headers(self.auth)}
            try:
                async with _time_limit(self.timeout):  # up to the headers (and an error's body)
                    response = await session.request(
                        method, url, data=data, params=query, headers=sent
                    )
                    if response.status < 400:
                        return response
                    payload = await response.read()
                    response.release()
                error: e.APIError = error_from_response(
                    response.status, payload, response.headers, method, url, self._scrub
                )
                if response.status == 401 and self.auth is not None:
                    # One fresh token and one retry at most: a refused renewal is final.
                    if not renewed and await self.auth.renew(sent or {}):
                        renewed = True
                        log.info("%s %s: credentials refused; retrying once renewed", method, path)
                        continue
                    error = e.AuthenticationError(
                        error.message, status=401, code=error.code, type=error.type,
                        request_id=error.request_id, method=method, url=url,
                        advice=self.auth.advice,
                    )  # fmt: skip
                hint = retry_after(response.headers)
                retriable = response.status in RETRY_STATUSES and not isinstance(
                    error, e.QuotaExceededError
                )
            except TimeoutError:
                if idempotent:
                    error = e.APITimeoutError(
                        f"no answer within {self.timeout}s", method=method, url=url
                    )
                else:
                    error = e.RequestOutcomeUnknown(
                        f"no answer within {self.timeout}s to a request that was sent; "
                        "the server may have applied it",
                        method=method,
                        url=url,
                    )
                retriable = idempotent
            except aiohttp.ClientConnectorError as exc:  # never reached the server
                error = e.APIConnectionError(
                    f"cannot reach the server ({self._describe(exc)})", method=method, url=url
                )
                retriable = True
            except aiohttp.ClientError as exc:
                if idempotent:
                    error = e.APIConnectionError(
                        f"cannot reach the server ({self._describe(exc)})", method=method, url=url
                    )
                else:
                    error = e.RequestOutcomeUnknown(
                        f"the connection failed after the request was sent "
                        f"({self._describe(exc)}); the server may have applied it",
                        method=method,
                        url=url,
                    )
                retriable = idempotent
            if not retriable or attempt >= self.max_retries:
                log.debug("%s %s failed after %d attempt(s): %s", method, path, attempt + 1, error)
                _raise_alone(error)
            delay = self._backoff(attempt, hint)
            attempt += 1
            self.retries_made += 1
            log.info(
                "retrying %s %s in %.2fs (attempt %d of %d): %s",
                method,
                path,
                delay,
                attempt,
                self.max_retries,
                error.status or "connection",
            )
            await anyio.sleep(delay)

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        idempotent: bool = True,
    ) -> Any:
        """One JSON request (with retries); returns the decoded JSON answer.

        `idempotent=False`: see `_send` (no blind retry once the request was sent).
        Every JSON request goes through `request_text`: override that one to see them all.
        """
        answer = await self.request_text(method, path, body, params, headers, idempotent=idempotent)
        return answer[1]

    async def request_text(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        idempotent: bool = True,
    ) -> tuple[str, Any]:
        """`request`, also giving the answer's JSON text as it came (for an event's `raw`)."""
        response = await self._send(method, path, body, params, headers, idempotent=idempotent)
        raw = await self._read_body(response, method)
        return _decode_json(raw, response, method)

    async def _read_body(self, response: aiohttp.ClientResponse, method: str) -> bytes:
        """A response's whole body, bounded by `timeout`; transport failures typed."""
        url = str(response.url)
        failure: aiohttp.ClientError | None = None
        try:
            async with _time_limit(self.timeout):
                return await response.read()
        except TimeoutError:
            raise e.APITimeoutError(
                f"no answer within {self.timeout}s", method=method, url=url
            ) from None
        except aiohttp.ClientError as exc:
            failure = exc
        finally:
            response.release()
        # Raised outside the `except` so the aiohttp exception is not its context.
        _raise_alone(
            e.APIConnectionError(
                f"the answer broke off ({self._describe(failure)})", method=method, url=url
            )
        )

    async def stream(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        idempotent: bool = True,
    ) -> RunStream:
        """Open an event stream (retried only until the response starts).

        `idempotent=False`: see `_send` (no blind retry once the request was sent).
        """
        response = await self._send(method, path, body, params, headers, idempotent=idempotent)
        content_type = response.headers.get("content-type", "")
        if "text/event-stream" not in content_type.lower():
            raw = await self._read_body(response, method)
            raise e.APIError(
                f"expected an event stream, got {content_type or 'no content type'}: {raw[:120]!r}",
                status=response.status,
                method=method,
                url=str(response.url),
            )
        return RunStream(response, self.idle_timeout, self.stream_recorder, self._describe)


def _decode_json(raw: bytes, response: aiohttp.ClientResponse, method: str) -> tuple[str, Any]:
    """The answer's text and its JSON, decoded as stream events are (`jsonlib`)."""
    try:
        try:
            text = raw.decode("utf-8")
            return text, jsonlib.loads(text)
        except ValueError:  # not UTF-8 (or a BOM): the standard library detects encodings
            payload = json.loads(raw)
            return json.dumps(payload, separators=(",", ":")), payload
    except ValueError:
        detail = f"the answer is not JSON: {raw[:120]!r}"
    except RecursionError:
        detail = "the answer nests JSON deeper than can be decoded; the server is broken"
    raise e.APIError(detail, status=response.status, method=method, url=str(response.url))
