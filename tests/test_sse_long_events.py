"""A long event, spanning many chunks, is framed as the whole body would frame it."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import assistants_events as ae
from assistants_events.sse import SSEDecoder


def _decode(*chunks: bytes, max_event_size: int = 1 << 20) -> list[ae.ServerSentEvent]:
    decoder = SSEDecoder(max_event_size)
    out = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    out.extend(decoder.close())
    return out


def _split(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(body) + 1) for c in cuts})
    bounds = [0, *points, len(body)]
    return [body[a:b] for a, b in itertools.pairwise(bounds)]


_DATA = st.one_of(
    st.text(alphabet=st.sampled_from(list('ab{}" é')), max_size=20),
    st.integers(0, 3000).map(lambda n: "x" * n),  # long enough to span chunks
)
_FRAME = st.one_of(
    st.builds(lambda n, d: f"event: {n}\ndata: {d}\n\n", st.sampled_from(["a", "", "b.c"]), _DATA),
    st.builds(lambda d: f"data: {d}\n\n", _DATA),
    st.builds(lambda i, d: f"event: a\nid: {i}\ndata: {d}\n\n", st.integers(0, 9), _DATA),
    st.builds(lambda d: f"event: a\ndata: {d}\ndata: {d}\n\n", _DATA),
    st.builds(lambda d: f"event: a\n\ndata: {d}\n\n", _DATA),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_FRAME, max_size=6), st.lists(st.integers(0, 20_000), max_size=40))
def test_any_chunking_of_long_events_gives_the_events_of_the_whole_body(
    frames: list[str], cuts: list[int]
) -> None:
    body = "".join(frames).encode()
    assert _decode(*_split(body, cuts)) == _decode(body)


def test_a_long_event_in_4_kib_chunks_keeps_its_name_data_and_the_last_id() -> None:
    text = "Hello " * 10_000
    body = f'id: 7\n\nevent: response.output_text.done\ndata: {{"text": "{text}"}}\n\n'.encode()
    events = _decode(*_split(body, list(range(0, len(body), 4096))))
    assert [(e.event, e.data, e.id) for e in events] == [
        ("response.output_text.done", f'{{"text": "{text}"}}', "7")
    ]


def test_a_long_event_over_the_size_limit_still_raises() -> None:
    body = b"event: a\ndata: " + b"x" * 5_000 + b"\n\n"
    with pytest.raises(ae.EventTooLarge):
        _decode(*_split(body, list(range(0, len(body), 700))), max_event_size=4_000)
