"""Server-sent-event framing, exactly as the WHATWG HTML standard parses it.

Two I/O-free stages live in `SSEDecoder`: bytes are decoded incrementally (UTF-8,
invalid sequences replaced, a leading BOM dropped), split into lines on LF, CR or
CRLF, and each line is applied to the event being built.  `parse_sse` wraps the
decoder around any async iterable of bytes.  Nothing here knows about the
Assistants API.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterable, AsyncIterator

import attrs

from .errors import EventTooLarge

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "SSEDecoder", "ServerSentEvent", "parse_sse"]

DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024


@attrs.frozen
class ServerSentEvent:
    """One dispatched server-sent event.

    `event` is the event type (`"message"` when the stream named none), `data` the
    data lines joined with `\\n`, `id` the last event id seen so far in the stream
    (it persists across events, as in the standard) and `retry` the reconnection
    time in milliseconds when this event carried a valid `retry` field.
    """

    event: str
    data: str
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Incremental SSE decoder: `feed()` bytes, get the events they complete.

    `max_event_size` bounds the characters one event (its data and its unfinished
    line) may hold; past it `EventTooLarge` is raised instead of growing memory.
    """

    __slots__ = (
        "_bytes_seen",
        "_data",
        "_decoder",
        "_event",
        "_last_id",
        "_limit",
        "_pending_cr",
        "_retry",
        "_size",
        "_tail",
        "_tail_size",
    )

    def __init__(self, max_event_size: int = DEFAULT_MAX_EVENT_SIZE) -> None:
        if max_event_size <= 0:
            raise ValueError(f"max_event_size must be positive, got {max_event_size}")
        # utf-8-sig drops one leading BOM, even when it arrives split across chunks.
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._limit = max_event_size
        self._pending_cr = False
        self._tail: list[str] = []
        self._tail_size = 0
        self._event = ""
        self._data: list[str] = []
        self._size = 0
        self._last_id: str | None = None
        self._retry: int | None = None
        self._bytes_seen = 0

    @property
    def bytes_seen(self) -> int:
        """How many bytes have been fed so far (the offset of the next byte)."""
        return self._bytes_seen

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode one chunk; return the events it completed, in order."""
        self._bytes_seen += len(chunk)
        return self._feed_text(self._decoder.decode(chunk))

    def close(self) -> list[ServerSentEvent]:
        """End of input: flush the decoder.  A partial event is dropped (as the standard says)."""
        events = self._feed_text(self._decoder.decode(b"", True))
        self._tail = []
        self._tail_size = 0
        self._data = []
        self._event = ""
        self._size = 0
        return events

    def _feed_text(self, text: str) -> list[ServerSentEvent]:
        if not text:
            return []
        if self._pending_cr:
            # The CR ending the previous chunk already ended the line: this LF is not a second one.
            self._pending_cr = False
            if text[0] == "\n":
                text = text[1:]
                if not text:
                    return []
        if "\r" in text:
            self._pending_cr = text[-1] == "\r"
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\n" not in text:
            # Long lines arrive in many chunks: keep pieces instead of re-concatenating.
            self._tail.append(text)
            self._tail_size += len(text)
            if self._tail_size + self._size > self._limit:
                raise EventTooLarge(self._limit, self._bytes_seen)
            return []
        if self._tail:
            self._tail.append(text)
            text = "".join(self._tail)
            self._tail = []
        lines = text.split("\n")
        last = lines.pop()
        if last:
            self._tail.append(last)
        self._tail_size = len(last)
        return self._apply_lines(lines)

    def _apply_lines(self, lines: list[str]) -> list[ServerSentEvent]:
        out: list[ServerSentEvent] = []
        data = self._data
        limit = self._limit
        for line in lines:
            if not line:
                if data:
                    out.append(
                        ServerSentEvent(
                            self._event or "message",
                            data[0] if len(data) == 1 else "\n".join(data),
                            self._last_id,
                            self._retry,
                        )
                    )
                    data.clear()
                    self._size = 0
                self._event = ""
                self._retry = None
                continue
            # The common shapes first; the general rule below gives the same result.
            if line.startswith("data: "):
                value = line[6:]
                field = "data"
            elif line.startswith("event: "):
                self._event = line[7:]
                continue
            elif line[0] == ":":
                continue
            else:
                colon = line.find(":")
                if colon == -1:
                    field, value = line, ""
                else:
                    field = line[:colon]
                    value = line[colon + 1 :]
                    if value[:1] == " ":
                        value = value[1:]
            if field == "data":
                self._size += len(value) + 1
                if self._size + self._tail_size > limit:
                    raise EventTooLarge(limit, self._bytes_seen)
                data.append(value)
            elif field == "event":
                self._event = value
            elif field == "id":
                if "\0" not in value:
                    self._last_id = value
            elif field == "retry" and value.isascii() and value.isdigit():
                self._retry = int(value)
        return out


async def parse_sse(
    chunks: AsyncIterable[bytes], *, max_event_size: int = DEFAULT_MAX_EVENT_SIZE
) -> AsyncIterator[ServerSentEvent]:
    """Yield the server-sent events of a byte stream, whatever its chunking."""
    decoder = SSEDecoder(max_event_size)
    async for chunk in chunks:
        for event in decoder.feed(chunk):
            yield event
    for event in decoder.close():
        yield event
