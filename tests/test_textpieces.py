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


@given(st.lists(st.text(max_size=4), max_size=600), st.text(max_size=3))
def test_spells_its_own_text_and_a_text_ending_with_it(pieces: list[str], head: str) -> None:
    text = TextPieces()
    for piece in pieces:
        text.append(piece)
    whole = "".join(pieces)
    assert text.spells(whole)
    assert text.spells(head + whole, tail=True)
    assert text.spells(head + whole) == (head == "")


@given(st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=600))
def test_does_not_spell_a_text_differing_in_one_character(pieces: list[str]) -> None:
    text = TextPieces()
    for piece in pieces:
        text.append(piece)
    whole = "".join(pieces)
    changed = whole[:-1] + ("a" if whole[-1] != "a" else "b")
    assert not text.spells(changed)
    assert not text.spells(changed, tail=True)
    assert len(text) == len(whole)
