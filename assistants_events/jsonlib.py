"""JSON decoding: msgspec or orjson when installed (the `fast` extra installs msgspec), else json.

Every backend gives the values `json.loads` gives, or it is not used:

- msgspec (the `fast` extra) decodes integers of any size exactly and holds no
  buffer beyond the document; what it refuses (lone surrogates, NaN) is decoded
  again by `json`.
- orjson, when installed without msgspec, turns integers past 64 bits into floats,
  so text holding a run of 20 digits goes to `json`; the scan maps the text through
  a byte table (a regex cost four times orjson's decode).  orjson reserves a
  buffer of about 13 times the document while it parses, so documents past 64 KiB
  (a completed message repeating the whole text) go to `json` too.

- json (a default install) is called through its C scanner (`JSONDecoder.scan_once`),
  the very decoder `json.loads` runs, without the Python wrapper around it (two
  regex matches and three calls: half the cost of a small delta's decode); any
  text the scanner does not take whole (surrounding whitespace, invalid JSON)
  goes to `json.loads`, which decodes it or raises its usual error.

`loads_delta` is `loads` for the small, frequent delta events; with orjson it skips
the digit scan (deltas carry strings and small `index` integers, and a huge integer
in a known field is rejected as a float by the strict converter).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["BACKEND", "loads", "loads_delta"]

_LARGE = 64 * 1024


def _msgspec_backend() -> tuple[Callable[[str], Any], Callable[[str], Any]] | None:
    try:
        import msgspec
    except ImportError:
        return None
    decode = msgspec.json.Decoder().decode
    error = msgspec.DecodeError

    def loads(text: str) -> Any:
        """Decode JSON text (msgspec first, the standard library for what it refuses)."""
        try:
            return decode(text)
        except error:
            return json.loads(text)

    return loads, loads


def _orjson_backend() -> tuple[Callable[[str], Any], Callable[[str], Any]] | None:
    try:
        import orjson
    except ImportError:
        return None
    decode = orjson.loads
    error = orjson.JSONDecodeError
    digits = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))  # digit -> "0", else " "
    twenty = b"0" * 20

    def loads(text: str) -> Any:
        """Decode JSON text (orjson first, the standard library for what it cannot do)."""
        if len(text) <= _LARGE and twenty not in text.encode("utf-8", "replace").translate(digits):
            try:
                return decode(text)
            except error:
                pass
        return json.loads(text)

    def loads_delta(text: str) -> Any:
        """`loads` for delta events: orjson without the digit scan."""
        if len(text) <= _LARGE:
            try:
                return decode(text)
            except error:
                pass
        return json.loads(text)

    return loads, loads_delta


def _json_backend() -> tuple[Callable[[str], Any], Callable[[str], Any]]:
    # The C scanner when CPython has it; an attribute typeshed does not declare.
    scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]

    def loads(text: str) -> Any:
        """Decode JSON text with the standard library's scanner (`json.loads` if not whole)."""
        try:
            value, end = scan(text, 0)
        except StopIteration:  # not JSON at its first character: json.loads says why
            return json.loads(text)
        if end != len(text):  # whitespace or garbage after the value
            return json.loads(text)
        return value

    return loads, loads


def _choose() -> tuple[str, Callable[[str], Any], Callable[[str], Any]]:
    for name, make in (("msgspec", _msgspec_backend), ("orjson", _orjson_backend)):
        pair = make()
        if pair is not None:
            return name, *pair
    return "json", *_json_backend()


BACKEND, loads, loads_delta = _choose()
