"""`Transport`: one aiohttp session with auth, retries, timeouts and typed errors.

It knows HTTP and SSE bodies, not endpoints: each protocol's endpoint methods
(`assistants/client.py`, `responses/client.py`) are built on `request` and `stream`.

Requests are retried on 429, 500, 502, 503, 504 and connection errors with
exponential backoff, jitter and the server's `Retry-After` / `retry-after-ms`,
but only until the first byte of a response body is read: a stream is never
retried once it started (that would start a second run or submit outputs twice),
and `insufficient_quota` is never retried.  The API key is held in a wrapper that
never shows it in a repr, a str, an error or a log line.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Callable, Mapping
from types import TracebackType
from typing import Any, Generic, TypeVar

import aiohttp
import anyio
import attrs

from . import errors as e
from .usage import UsageTracker

__all__ = ["DEFAULT_BASE_URL", "Page", "RunStream", "Transport"]

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
T = TypeVar("T")
TransportT = TypeVar("TransportT", bound="Transport")


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


@attrs.frozen
class Page(Generic[T]):
    """One page of a list endpoint."""

    data: list[T]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


def error_from_response(
    status: int, body: bytes, headers: Mapping[str, str], method: str, url: str
) -> e.APIError:
    """The typed error for an HTTP error response."""
    message, code, type_, param = (
        body.decode("utf-8", "replace")[:500] or "(empty body)",
        None,
        None,
        None,
    )
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        err = payload.get("error", payload)
        if isinstance(err, dict):
            message = str(err.get("message") or message)
            code = err.get("code") if isinstance(err.get("code"), str) else None
            type_ = err.get("type") if isinstance(err.get("type"), str) else None
            param = err.get("param") if isinstance(err.get("param"), str) else None
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
    `StreamTimeout`; a dropped connection raises `APIConnectionError`.  Neither is
    retried: the run may have moved on server-side.
    """

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        idle_timeout: float | None,
        recorder: Callable[[bytes], object] | None = None,
    ) -> None:
        self.response = response
        self.idle_timeout = idle_timeout
        self.recorder = recorder
        self.bytes_read = 0

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
        while True:
            try:
                with anyio.fail_after(self.idle_timeout):
                    chunk = await content.readany()
            except TimeoutError:
                raise e.StreamTimeout(
                    f"the stream sent nothing for {self.idle_timeout}s "
                    f"after {self.bytes_read} bytes; raise idle_timeout if the server is slow",
                    method=method,
                    url=url,
                ) from None
            except aiohttp.ClientError as exc:
                raise e.APIConnectionError(
                    f"the stream broke after {self.bytes_read} bytes: {exc!r}",
                    method=method,
                    url=url,
                ) from exc
            if not chunk:
                return
            self.bytes_read += len(chunk)
            if self.recorder is not None:
                self.recorder(chunk)
            yield chunk


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
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        if not key:
            raise e.ConfigurationError(
                "no API key: pass api_key=... or set OPENAI_API_KEY "
                "(any non-empty string works for the mock server)"
            )
        self._key = _Secret(key)
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

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            auth = (
                {"api-key": self._key.reveal()}
                if self.azure
                else {"Authorization": f"Bearer {self._key.reveal()}"}
            )
            self._session = aiohttp.ClientSession(
                headers={**self._headers, **auth},
                timeout=aiohttp.ClientTimeout(total=None, connect=self.connect_timeout),
                connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=30),
            )
        return self._session

    # ------------------------------------------------------------- transport

    def _backoff(self, attempt: int, hint: float | None) -> float:
        if hint is not None and hint <= 60:
            return hint
        delay = min(self.backoff_max, self.backoff_base * 2.0**attempt)
        return delay * (0.75 + random.random() / 2)  # jitter: +-25%

    async def _send(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        """Send with retries; return a 2xx response whose body is not read yet."""
        url = f"{self.base_url}{path}"
        query = {k: v for k, v in (params or {}).items() if v is not None}
        if self.azure and self.api_version:
            query.setdefault("api-version", self.api_version)
        data = None if body is None else json.dumps(body, separators=(",", ":"))
        session = self._get_session()
        attempt = 0
        while True:
            hint = None
            try:
                with anyio.fail_after(self.timeout):  # up to the headers (and an error's body)
                    response = await session.request(
                        method, url, data=data, params=query, headers=headers
                    )
                    if response.status < 400:
                        return response
                    payload = await response.read()
                    response.release()
                error: e.APIError = error_from_response(
                    response.status, payload, response.headers, method, url
                )
                hint = retry_after(response.headers)
                retriable = response.status in RETRY_STATUSES and not isinstance(
                    error, e.QuotaExceededError
                )
            except TimeoutError:
                error = e.APITimeoutError(
                    f"no answer within {self.timeout}s", method=method, url=url
                )
                retriable = True
            except aiohttp.ClientError as exc:
                error = e.APIConnectionError(
                    f"cannot reach the server: {exc!r}", method=method, url=url
                )
                retriable = True
            if not retriable or attempt >= self.max_retries:
                log.debug("%s %s failed after %d attempt(s): %s", method, path, attempt + 1, error)
                raise error
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
    ) -> Any:
        """One JSON request (with retries); returns the decoded JSON answer."""
        response = await self._send(method, path, body, params, headers)
        try:
            with anyio.fail_after(self.timeout):
                raw = await response.read()
        except TimeoutError:
            raise e.APITimeoutError(
                f"no answer within {self.timeout}s", method=method, url=str(response.url)
            ) from None
        except aiohttp.ClientError as exc:
            raise e.APIConnectionError(
                f"the answer broke off: {exc!r}", method=method, url=str(response.url)
            ) from exc
        finally:
            response.release()
        try:
            return json.loads(raw)
        except ValueError:
            raise e.APIError(
                f"the answer is not JSON: {raw[:120]!r}",
                status=response.status,
                method=method,
                url=str(response.url),
            ) from None

    async def stream(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> RunStream:
        """Open an event stream (retried only until the response starts)."""
        response = await self._send(method, path, body, params, headers)
        content_type = response.headers.get("content-type", "")
        if "text/event-stream" not in content_type:
            raw = await response.read()
            response.release()
            raise e.APIError(
                f"expected an event stream, got {content_type or 'no content type'}: {raw[:120]!r}",
                status=response.status,
                method=method,
                url=str(response.url),
            )
        return RunStream(response, self.idle_timeout, self.stream_recorder)
