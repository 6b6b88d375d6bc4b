"""`flat_maker` builds what the converter builds, and leaves everything else to it."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistants_events.errors import EventDecodeError
from assistants_events.flatmodel import _without_none, flat_decoder, flat_maker
from assistants_events.responses import convert

FLAT = {name: cls for name, cls in convert.EVENT_MODELS.items() if flat_maker(cls) is not None}

values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False),
    st.text(max_size=3), st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.text(max_size=2), st.none(), max_size=1),
)  # fmt: skip


def test_the_responses_delta_events_are_flat() -> None:
    assert "response.output_text.delta" in FLAT
    assert "response.function_call_arguments.delta" in FLAT


@pytest.mark.parametrize("name", sorted(FLAT))
@settings(max_examples=60)
@given(data=st.data())
def test_flat_maker_agrees_with_the_converter(name: str, data: st.DataObject) -> None:
    cls = FLAT[name]
    maker = flat_maker(cls)
    assert maker is not None
    hints = typing.get_type_hints(cls)
    payload: dict[str, Any] = {}
    for field in cls.__attrs_attrs__:
        hint, _ = _without_none(hints[field.name])
        kind = (list,) if typing.get_origin(hint) is list else (hint,)
        typed = {
            str: st.text(max_size=3),
            int: st.integers(-3, 3),
            float: st.floats(-1, 1),
            bool: st.booleans(),
            list: st.lists(st.integers(0, 3), max_size=2),
        }[kind[0]]
        # mostly well typed, sometimes absent or anything at all
        choice = data.draw(st.sampled_from(["typed"] * 6 + ["absent", "any"]))
        if choice != "absent":
            payload[field.name] = data.draw(typed if choice == "typed" else values)
    try:
        expected = convert.structure(payload, cls, event=name)
    except EventDecodeError:
        assert maker(payload) is None
        return
    built = maker(payload)
    assert built is None or built == expected


def test_a_well_typed_delta_is_built_by_the_flat_maker() -> None:
    maker = flat_maker(FLAT["response.output_text.delta"])
    assert maker is not None
    payload = {"type": "response.output_text.delta", "item_id": "msg", "output_index": 0,
               "content_index": 0, "delta": "Hi", "logprobs": [], "sequence_number": 5}  # fmt: skip
    assert maker(payload) == convert.structure(payload, FLAT["response.output_text.delta"])


def test_a_bool_where_an_int_goes_is_left_to_the_converter() -> None:
    maker = flat_maker(FLAT["response.function_call_arguments.delta"])
    assert maker is not None
    payload = {"type": "response.function_call_arguments.delta", "item_id": "fc",
               "output_index": True, "delta": "{"}  # fmt: skip
    assert maker(payload) is None


def test_a_flat_decoder_walks_a_flat_class_and_falls_back_on_a_misfit() -> None:
    cls = FLAT["response.output_text.delta"]
    fallback_saw: list[Any] = []

    def fallback(payload: Any) -> Any:
        fallback_saw.append(payload)
        return "fallback"

    decode = flat_decoder(cls, fallback)
    plain = {"type": "response.output_text.delta", "item_id": "m", "output_index": 0,
             "content_index": 0, "delta": "Hi", "sequence_number": 3}  # fmt: skip
    assert isinstance(decode(plain), cls) and fallback_saw == []
    assert decode({**plain, "delta": 5}) == "fallback" and fallback_saw == [{**plain, "delta": 5}]


def test_a_flat_decoder_of_a_nested_class_is_the_fallback_itself() -> None:
    nested = convert.EVENT_MODELS["response.completed"]

    def fallback(payload: Any) -> Any:
        return payload

    assert flat_maker(nested) is None and flat_decoder(nested, fallback) is fallback
