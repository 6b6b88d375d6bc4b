"""Every JSON backend decodes what `json.loads` decodes, to the same values."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistants_events import jsonlib

BACKENDS: dict[str, Callable[[], Any]] = {
    "json": jsonlib._json_backend,
    "msgspec": jsonlib._msgspec_backend,
    "orjson": jsonlib._orjson_backend,
}
PAIRS = {name: make() for name, make in BACKENDS.items()}
LOADERS = {
    f"{name}.{which}": pair[i]
    for name, pair in PAIRS.items()
    if pair is not None
    for i, which in enumerate(("loads", "loads_delta"))
}

# Huge integers have their own test: orjson's loads_delta turns them into floats on purpose.
documents = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def test_the_fast_backends_are_installed_for_the_tests() -> None:
    assert set(LOADERS) == {f"{b}.{w}" for b in BACKENDS for w in ("loads", "loads_delta")}


@pytest.mark.parametrize("name", sorted(LOADERS))
@given(document=documents)
def test_backend_decodes_like_the_standard_library(name: str, document: Any) -> None:
    text = json.dumps(document, ensure_ascii=False)
    assert repr(LOADERS[name](text)) == repr(json.loads(text))


@pytest.mark.parametrize("name", sorted(LOADERS))
@pytest.mark.parametrize(
    "text",
    ['"\\ud800"', "NaN", "[Infinity]", '{"a": 1e400}'],
)
def test_backend_hands_what_it_refuses_to_the_standard_library(name: str, text: str) -> None:
    assert repr(LOADERS[name](text)) == repr(json.loads(text))


@pytest.mark.parametrize("name", sorted(n for n in LOADERS if n != "orjson.loads_delta"))
def test_huge_integers_outside_deltas_stay_exact(name: str) -> None:
    text = '{"created_at": 123456789012345678901234567890, "n": [18446744073709551616]}'
    assert LOADERS[name](text) == json.loads(text)


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_a_large_document_decodes_like_the_standard_library(name: str) -> None:
    text = json.dumps({"content": [{"text": {"value": "Hello " * 20_000}}], "n": 3})
    assert LOADERS[name](text) == json.loads(text)


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_invalid_json_is_a_value_error(name: str) -> None:
    with pytest.raises(ValueError):
        LOADERS[name]("{nope")


@pytest.mark.parametrize(
    "text", [" {}", "{} ", "\n[1]\n", '\t"x"', "{}}", "[1] [2]", "", " ", "nul", '{"a": }']
)
def test_the_json_scanner_path_answers_like_json_loads(text: str) -> None:
    loads = LOADERS["json.loads"]
    try:
        expected: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        with pytest.raises(json.JSONDecodeError) as raised:
            loads(text)
        assert str(raised.value) == str(exc)
    else:
        assert loads(text) == expected


def test_a_default_install_decodes_with_the_json_scanner() -> None:
    hide_extras = "import sys; sys.modules['msgspec'] = sys.modules['orjson'] = None; "
    show = (
        "from assistants_events import jsonlib; print(jsonlib.BACKEND, jsonlib.loads.__qualname__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", hide_extras + show], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["json", "_json_backend.<locals>.loads"]
