"""The event size limit is the same whatever the chunking."""

from __future__ import annotations

import pytest

from assistants_events.errors import EventTooLarge
from assistants_events.sse import SSEDecoder


def test_an_event_at_the_limit_is_accepted_when_its_blank_line_is_split_across_chunks() -> None:
    # Whole, the frame "data: abc" (9 characters) fits a 9-character limit; split after
    # its first newline, the pending text "data: abc\n" is counted as 10 and refused.
    whole = SSEDecoder(max_event_size=9).feed(b"data: abc\n\n")
    split = SSEDecoder(max_event_size=9)
    events = split.feed(b"data: abc\n") + split.feed(b"\n")
    assert events == whole


def test_an_event_one_over_the_limit_is_refused_when_its_blank_line_is_split() -> None:
    decoder = SSEDecoder(max_event_size=9)
    with pytest.raises(EventTooLarge):
        decoder.feed(b"data: abcd\n")
        decoder.feed(b"\n")


def test_an_unterminated_event_over_the_limit_is_refused_at_close() -> None:
    decoder = SSEDecoder(max_event_size=9)
    decoder.feed(b"data: abcd")
    with pytest.raises(EventTooLarge):
        decoder.close()
