"""`TextPieces` gives back every piece, in order, however many arrive."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assistants_events.textpieces import TextPieces


@given(st.lists(st.text(max_size=4), max_size=700))
def test_joined_is_the_pieces_in_arrival_order(pieces: list[str]) -> None:
    text = TextPieces()
    for piece in pieces:
        text.append(piece)
    assert text.joined() == "".join(pieces)
    assert "".join(text) == "".join(pieces)


def test_an_empty_text_is_false_and_one_piece_makes_it_true() -> None:
    text = TextPieces()
    assert not text
    text.append("")
    assert text
