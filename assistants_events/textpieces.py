"""`TextPieces`: the deltas of one streamed text, kept compactly until someone joins them.

A text streamed as 200,000 deltas of a few characters each would cost some 60 bytes
per piece as separate strings in a list; joined 256 at a time as they arrive, the
pieces cost little more than their characters, and appending stays O(1) (extending
one growing string in place is not: a realloc may move and copy it).
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["TextPieces"]

_BATCH = 256


class TextPieces:
    """Text pieces in arrival order: `append` them, iterate or `joined()` to read them."""

    __slots__ = ("_chunks", "_small")

    def __init__(self) -> None:
        self._chunks: list[str] = []
        self._small: list[str] = []

    def append(self, piece: str) -> None:
        """Add the next piece."""
        small = self._small
        small.append(piece)
        if len(small) == _BATCH:
            self._chunks.append("".join(small))
            self._small = []

    def joined(self) -> str:
        """Every piece so far, as one string."""
        return "".join([*self._chunks, *self._small])  # one copy of the text, not two

    def spells(self, text: str, *, tail: bool = False) -> bool:
        """Whether the pieces are `text` (or, with `tail`, its end), without joining them."""
        size = len(self)
        if size > len(text) or (size != len(text) and not tail):
            return False
        at = len(text) - size
        for piece in self:
            if not text.startswith(piece, at):
                return False
            at += len(piece)
        return True

    def __len__(self) -> int:
        """The characters held."""
        return sum(map(len, self._chunks)) + sum(map(len, self._small))

    def __iter__(self) -> Iterator[str]:
        yield from self._chunks
        yield from self._small

    def __bool__(self) -> bool:
        return bool(self._small or self._chunks)
