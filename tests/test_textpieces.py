"""`TextPieces` gives back every piece, in order; `TextDigest` tells a text equal to them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assistants_events.textpieces import TextDigest, TextPieces


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


def _digest(pieces: list[str]) -> TextDigest:
    digest = TextDigest()
    for piece in pieces:
        digest.append(piece)
    return digest


@given(st.lists(st.text(max_size=4), max_size=600), st.text(max_size=3))
def test_digest_spells_its_own_text_and_a_text_ending_with_it(pieces: list[str], head: str) -> None:
    digest = _digest(pieces)
    whole = "".join(pieces)
    assert digest.spells(whole)
    assert digest.spells(head + whole, tail=True)
    assert digest.spells(head + whole) == (head == "")


@given(
    st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=900),
    st.integers(min_value=0),
    st.characters(),
)
def test_digest_does_not_spell_a_text_differing_in_any_one_character(
    pieces: list[str], where: int, other: str
) -> None:
    digest = _digest(pieces)
    whole = "".join(pieces)
    at = where % len(whole)
    swap = other if other != whole[at] else chr(ord(other) ^ 1)
    changed = whole[:at] + swap + whole[at + 1 :]
    assert not digest.spells(changed)
    assert not digest.spells(changed, tail=True)
    assert len(digest) == len(whole)


def test_digest_tells_a_change_in_a_batch_it_no_longer_holds() -> None:
    pieces = [f"{i:04d}" for i in range(1_000)]  # three batches of 256 digested, 232 held
    digest = _digest(pieces)
    whole = "".join(pieces)
    assert digest.spells(whole)
    assert not digest.spells(whole.replace("0007", "0070"))
    assert not digest.spells("x" + whole[1:], tail=True)


def test_digest_of_a_text_streamed_after_a_resume_point_spells_only_the_end() -> None:
    pieces = ["ab"] * 600
    digest = _digest(pieces)
    assert digest.spells("prefix " + "ab" * 600, tail=True)
    assert not digest.spells("prefix " + "ab" * 600)
    assert not digest.spells("ab" * 599, tail=True)


def test_digest_keeps_no_more_than_a_batch_of_pieces() -> None:
    digest = _digest(["Hello "] * 200_000)
    held = sum(map(len, digest._small))
    assert held < 256 * len("Hello ")
    assert len(digest) == 1_200_000
