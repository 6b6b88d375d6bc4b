"""SSE framing follows the WHATWG rules, whatever the chunking."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import assistants_events as ae
from assistants_events.sse import SSEDecoder


def decode(*chunks: bytes, **kw: int) -> list[ae.ServerSentEvent]:
    decoder = SSEDecoder(**kw)
    out = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    out.extend(decoder.close())
    return out


def pairs(events: list[ae.ServerSentEvent]) -> list[tuple[str, str]]:
    return [(e.event, e.data) for e in events]


def test_event_and_data_fields_make_one_event() -> None:
    assert pairs(decode(b"event: ping\ndata: {}\n\n")) == [("ping", "{}")]


@pytest.mark.parametrize("end", [b"\n", b"\r", b"\r\n"])
def test_lf_cr_and_crlf_all_end_lines(end: bytes) -> None:
    body = b"event: a" + end + b"data: 1" + end + end
    assert pairs(decode(body)) == [("a", "1")]


def test_crlf_split_across_chunks_gives_one_line_end() -> None:
    assert pairs(decode(b"data: 1\r", b"\n\r", b"\ndata: 2\r\n\r\n")) == [
        ("message", "1"),
        ("message", "2"),
    ]


def test_leading_bom_is_dropped_even_when_split() -> None:
    assert pairs(decode(b"\xef\xbb", b"\xbfdata: x\n\n")) == [("message", "x")]


def test_only_the_first_bom_is_dropped() -> None:
    assert decode("\ufeffdata: \ufeffx\n\n".encode())[0].data == "\ufeffx"


def test_comment_lines_are_ignored() -> None:
    assert pairs(decode(b": keep-alive\ndata: x\n: more\n\n")) == [("message", "x")]


def test_field_without_colon_has_empty_value() -> None:
    assert pairs(decode(b"data\n\n")) == [("message", "")]


def test_only_one_leading_space_is_removed() -> None:
    assert decode(b"data:  two spaces\n\n")[0].data == " two spaces"
    assert decode(b"data:none\n\n")[0].data == "none"


def test_data_lines_join_with_newline() -> None:
    assert decode(b"data: a\ndata:\ndata: b\n\n")[0].data == "a\n\nb"


def test_event_without_data_is_not_dispatched() -> None:
    assert decode(b"event: lonely\n\ndata: x\n\n") == [ae.ServerSentEvent("message", "x")]


def test_lone_id_or_comment_makes_no_phantom_event() -> None:
    assert decode(b"id: 7\n\n: c\n\n") == []


def test_id_persists_as_last_event_id() -> None:
    events = decode(b"id: 7\ndata: a\n\ndata: b\n\n")
    assert [e.id for e in events] == ["7", "7"]


def test_id_with_nul_is_ignored() -> None:
    assert decode(b"id: a\x00b\ndata: x\n\n")[0].id is None


@pytest.mark.parametrize(("value", "expected"), [("1500", 1500), ("+7", None), ("1.5", None),
                                                 ("", None), ("\u0661", None)])  # fmt: skip
def test_retry_only_when_all_ascii_digits(value: str, expected: int | None) -> None:
    assert decode(f"retry: {value}\ndata: x\n\n".encode())[0].retry == expected


def test_unknown_fields_are_ignored() -> None:
    assert pairs(decode(b"foo: bar\ndata: x\n\n")) == [("message", "x")]


def test_partial_event_at_end_of_input_is_dropped() -> None:
    assert pairs(decode(b"data: one\n\ndata: two\n")) == [("message", "one")]


def test_invalid_utf8_becomes_replacement_character() -> None:
    assert decode(b"data: \xff\xfe ok\n\n")[0].data == "\ufffd\ufffd ok"


def test_utf8_character_split_across_chunks_survives() -> None:
    body = "data: é☃\n\n".encode()
    assert decode(body[:7], body[7:9], body[9:])[0].data == "é☃"


def test_line_separators_inside_data_are_preserved() -> None:
    assert decode("data: a\u2028b\u0085c\n\n".encode())[0].data == "a\u2028b\u0085c"


def test_event_type_resets_after_dispatch() -> None:
    assert pairs(decode(b"event: a\ndata: 1\n\ndata: 2\n\n")) == [("a", "1"), ("message", "2")]


def test_lines_of_hundreds_of_kib_arrive_whole() -> None:
    payload = "x" * (600 * 1024)
    body = f"data: {payload}\n\n".encode()
    chunks = [body[i : i + 4096] for i in range(0, len(body), 4096)]
    assert decode(*chunks)[0].data == payload


def test_event_over_size_limit_raises_typed_error() -> None:
    with pytest.raises(ae.EventTooLarge, match="1000-byte limit") as info:
        decode(b"data: " + b"x" * 2000 + b"\n\n", max_event_size=1000)
    assert isinstance(info.value, ae.SSEError)


def test_size_limit_counts_data_across_lines_and_chunks() -> None:
    with pytest.raises(ae.EventTooLarge):
        decode(*[b"data: " + b"y" * 100 + b"\n"] * 20, max_event_size=1000)


def test_size_limit_resets_for_each_event() -> None:
    events = decode(*[b"data: " + b"y" * 600 + b"\n\n"] * 5, max_event_size=1000)
    assert len(events) == 5


async def test_parse_sse_reads_an_async_iterable() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"event: a\nda"
        yield b"ta: 1\n\n"

    assert [e async for e in ae.parse_sse(chunks())] == [ae.ServerSentEvent("a", "1")]


def _split(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(body) + 1) for c in cuts})
    bounds = [0, *points, len(body)]
    return [body[a:b] for a, b in itertools.pairwise(bounds)]


_TEXT = st.text(alphabet=st.sampled_from(list("ab :\r\n\ufeff\u2028é")), max_size=80)


@settings(max_examples=300, deadline=None)
@given(body=_TEXT.map(lambda s: s.encode()), cuts=st.lists(st.integers(0, 200), max_size=12))
def test_any_chunking_gives_the_same_events(body: bytes, cuts: list[int]) -> None:
    assert decode(*_split(body, cuts)) == decode(body)


@settings(max_examples=50, deadline=None)
@given(cuts=st.lists(st.integers(0, 20000), max_size=30))
def test_real_stream_chunking_does_not_matter(cuts: list[int]) -> None:
    from tests.conftest import fixture_bytes

    body = fixture_bytes("tool_call_run.sse").replace(b"\n", b"\r\n")
    assert decode(*_split(body, cuts)) == decode(body)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(body: bytes) -> None:
    decode(body)
