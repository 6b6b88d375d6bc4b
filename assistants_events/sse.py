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
_Fields = tuple[str, str, "str | None", "int | None"]


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

    `max_event_size` bounds the characters one event (its lines, finished or not) may
    hold; past it `EventTooLarge` is raised instead of growing memory.
    """

    __slots__ = (
        "_bytes_seen",
        "_decoder",
        "_last_id",
        "_limit",
        "_pending_cr",
        "_tail",
        "_tail_size",
        "_unterminated",
    )

    def __init__(self, max_event_size: int = DEFAULT_MAX_EVENT_SIZE) -> None:
        if max_event_size <= 0:
            raise ValueError(f"max_event_size must be positive, got {max_event_size}")
        # utf-8-sig drops one leading BOM, even when it arrives split across chunks.
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._limit = max_event_size
        self._pending_cr = False
        self._tail: list[str] = []  # the unfinished event's text, in pieces
        self._tail_size = 0
        self._unterminated: _Fields | None = None
        self._last_id: str | None = None
        self._bytes_seen = 0

    @property
    def bytes_seen(self) -> int:
        """How many bytes have been fed so far (the offset of the next byte)."""
        return self._bytes_seen

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode one chunk; return the events it completed, in order."""
        return [ServerSentEvent(*fields) for fields in self.feed_fields(chunk)]

    def close(self) -> list[ServerSentEvent]:
        """End of input: flush the decoder.  A partial event is dropped (as the standard says)."""
        return [ServerSentEvent(*fields) for fields in self.close_fields()]

    def feed_fields(self, chunk: bytes) -> list[tuple[str, str, str | None, int | None]]:
        """`feed`, as plain (event, data, id, retry) tuples: the hot path of `consume`."""
        self._bytes_seen += len(chunk)
        return self._feed_text(self._decoder.decode(chunk))

    def close_fields(self) -> list[tuple[str, str, str | None, int | None]]:
        """`close`, as plain tuples."""
        events = self._feed_text(self._decoder.decode(b"", True))
        tail = "".join(self._tail)
        self._tail = []  # an unfinished event is dropped, as the standard says
        self._tail_size = 0
        if len(tail) - tail.endswith("\n") > self._limit:
            raise EventTooLarge(self._limit, self._bytes_seen)
        self._unterminated = self._apply_lines(tail.split("\n")) if tail else None
        return events

    def unterminated_fields(self) -> _Fields | None:
        """After `close`: the event the input ended in without its blank line.

        `close` drops it, as the standard says; a caller that can tell a whole event
        from a cut one (complete JSON) may take it: genuine servers end bodies so.
        """
        return self._unterminated

    def _feed_text(self, text: str) -> list[_Fields]:
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
        tail = self._tail
        # An event ends at a blank line, "\n\n" -- possibly split across chunks.
        if "\n\n" not in text and not (tail and tail[-1][-1] == "\n" and text[0] == "\n"):
            # Long events arrive in many chunks: keep the pieces, join once.
            tail.append(text)
            self._tail_size += len(text)
            self._bound_pending()
            return []
        leading = None
        if len(tail) > 1:  # a long event, that took more than two chunks
            leading = self._spanned_frame(tail, text)
            if leading is not None:
                tail.clear()
                text = leading[1]
        if tail:
            tail.append(text)
            text = "".join(tail)
            tail.clear()  # a big event would otherwise be held three times at once
        frames = text.split("\n\n")
        del text
        last = frames.pop()
        self._tail = [last] if last else []
        self._tail_size = len(last)
        self._bound_pending()
        if leading is not None:
            return [leading[0], *self._apply_frames(frames)]
        return self._apply_frames(frames)

    def _bound_pending(self) -> None:
        """`EventTooLarge` once the unfinished event is past the limit.

        It may end in its blank line's first "\n", which the event's size does not
        count; the exact check is made when the event is framed (or at close).
        """
        if self._tail_size > self._limit + 1:
            raise EventTooLarge(self._limit, self._bytes_seen)

    def _spanned_frame(self, pieces: list[str], text: str) -> tuple[_Fields, str] | None:
        """The event that `pieces` began and `text` ends, if of the common shape, and
        the text after it.

        A long event's data is joined straight from its pieces: joining the whole
        event, then slicing its data out, would make one more copy of it, and the heap
        would keep the room of that copy (the RSS of a stream repeating a long text
        four times).  Anything else (the blank line split between two chunks, a header
        cut by a chunk, a second line of data) takes the general path.
        """
        end = text.find("\n\n")
        if end == -1 or self._tail_size + end > self._limit:
            return None  # the blank line split between chunks, or an event too large
        first, middle = pieces[0], pieces[1:]
        newline = first.find("\n")
        if not (newline != -1 and first.startswith("event: ")
                and first.startswith("data: ", newline + 1)):  # fmt: skip
            return None
        if first.find("\n", newline + 1) != -1 or text.find("\n", 0, end) != -1:
            return None
        if any("\n" in piece for piece in middle):
            return None
        data = "".join([first[newline + 7 :], *middle, text[:end]])
        return (first[7:newline] or "message", data, self._last_id, None), text[end + 2 :]

    def _apply_frames(self, frames: list[str]) -> list[_Fields]:
        out: list[_Fields] = []
        limit = self._limit
        for frame in frames:
            if len(frame) > limit:
                raise EventTooLarge(limit, self._bytes_seen)
            # The common shape first: exactly "event: NAME" and "data: JSON".
            if frame.startswith("event: "):
                newline = frame.find("\n")
                if newline != -1 and frame.startswith("data: ", newline + 1):
                    data = frame[newline + 7 :]
                    if "\n" not in data:
                        out.append((frame[7:newline] or "message", data, self._last_id, None))
                        continue
            fields = self._apply_lines(frame.split("\n"))
            if fields is not None:
                out.append(fields)
        return out

    def _apply_lines(self, lines: list[str]) -> _Fields | None:
        """The WHATWG field rules for the lines of one frame; the event, if it has data."""
        event = ""
        data: list[str] = []
        retry: int | None = None
        for line in lines:
            if not line:
                # A blank line inside a frame: a leading "\n" left by "\n\n\n".
                event, data, retry = "", [], None
                continue
            if line[0] == ":":
                continue
            colon = line.find(":")
            if colon == -1:
                field, value = line, ""
            else:
                field = line[:colon]
                value = line[colon + 1 :]
                if value[:1] == " ":
                    value = value[1:]
            if field == "data":
                data.append(value)
            elif field == "event":
                event = value
            elif field == "id":
                if "\0" not in value:
                    self._last_id = value
            elif field == "retry" and value.isascii() and value.isdigit():
                retry = int(value)
        if not data:
            return None
        return (event or "message", "\n".join(data), self._last_id, retry)


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
