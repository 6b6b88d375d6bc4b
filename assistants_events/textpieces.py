"""The deltas of one streamed text: kept compactly (`TextPieces`), or only checked (`TextDigest`).

A text streamed as 200,000 deltas of a few characters each would cost some 60 bytes
per piece as separate strings in a list; joined 256 at a time as they arrive, the
pieces cost little more than their characters, and appending stays O(1) (extending
one growing string in place is not: a realloc may move and copy it).

Whoever only has to tell whether a full text, sent at the end, is the pieces (the
Responses lifecycle's `.done` check) needs no copy of them: `TextDigest` keeps the
length and hash of each batch of 256 pieces instead, and compares the full text
batch by batch.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

__all__ = ["TextDigest", "TextPieces"]

_BATCH = 256


class _Batched:
    """Pieces gathered 256 at a time; each full batch is joined and handed to `_batch`."""

    __slots__ = ("_small",)

    def __init__(self) -> None:
        self._small: list[str] = []

    def append(self, piece: str) -> None:
        """Add the next piece."""
        small = self._small
        small.append(piece)
        if len(small) == _BATCH:
            self._small = []
            self._batch("".join(small))

    def _batch(self, batch: str) -> None:
        raise NotImplementedError


class TextPieces(_Batched):
    """Text pieces in arrival order: `append` them, iterate or `joined()` to read them."""

    __slots__ = ("_chunks",)

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[str] = []

    def _batch(self, batch: str) -> None:
        self._chunks.append(batch)

    def joined(self) -> str:
        """Every piece so far, as one string."""
        return "".join([*self._chunks, *self._small])  # one copy of the text, not two

    def __len__(self) -> int:
        """The characters held."""
        return sum(map(len, self._chunks)) + sum(map(len, self._small))

    def __iter__(self) -> Iterator[str]:
        yield from self._chunks
        yield from self._small

    def __bool__(self) -> bool:
        return bool(self._small or self._chunks)


class TextDigest(_Batched):
    """Tells whether a text is the pieces appended, keeping their lengths and hashes only.

    Every 256 pieces are joined and reduced to their length and `hash()` (SipHash,
    64 bits, keyed per process); the last, unfinished batch is kept as it is.  So
    `spells` is exact on the length and on that last batch, and misses a difference
    elsewhere only when two different batch texts of the same length collide in
    64 bits: about 2**-64 per differing batch, never for a text of another length.
    """

    __slots__ = ("_hashes", "_lengths", "_size")

    def __init__(self) -> None:
        super().__init__()
        self._lengths = array("q")
        self._hashes = array("q")
        self._size = 0  # the characters of the batches digested

    def _batch(self, batch: str) -> None:
        self._lengths.append(len(batch))
        self._hashes.append(hash(batch))
        self._size += len(batch)

    def spells(self, text: str, *, tail: bool = False) -> bool:
        """Whether the pieces are `text` (or, with `tail`, its end)."""
        size = len(self)
        if size > len(text) or (size != len(text) and not tail):
            return False
        at = len(text) - size
        for length, digest in zip(self._lengths, self._hashes, strict=True):
            if hash(text[at : at + length]) != digest:
                return False
            at += length
        for piece in self._small:
            if not text.startswith(piece, at):
                return False
            at += len(piece)
        return True

    def __len__(self) -> int:
        """The characters appended."""
        return self._size + sum(map(len, self._small))
