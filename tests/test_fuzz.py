"""Mangled real streams: consume() raises only our typed errors, and never hangs."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assistants_events as ae
from tests.conftest import fixture_bytes

STREAMS = [
    fixture_bytes("tool_call_run.sse") + fixture_bytes("after_tool_outputs.sse"),
    fixture_bytes("code_interpreter_run.sse"),
    b"\n\n".join([*fixture_bytes("text_run.sse").split(b"\n\n")[:12], b"event: done\ndata: [DONE]"])
    + b"\n\n",
]


class ReadsEverything(ae.EventHandler):
    """Touches every lazy part of every event, as a demanding handler would."""

    @ae.on("*")
    def read(self, event: ae.Event) -> None:
        _ = event.data, event.snapshot, event.text_delta, event.object_id


def consume(body: bytes, handler: ae.EventHandler | None = None) -> None:
    async def go() -> None:
        bot = handler or ReadsEverything()
        await asyncio.wait_for(bot.consume([body[i : i + 97] for i in range(0, len(body), 97)]), 10)
        _ = bot.result

    # typed, named errors are the expected outcome of garbage; anything else fails the test
    with contextlib.suppress(ae.AssistantsEventsError):
        asyncio.run(go())


_edits = st.lists(
    st.tuples(st.sampled_from(["delete", "insert", "flip", "duplicate", "truncate"]),
              st.integers(0, 10**6), st.integers(1, 40), st.binary(min_size=1, max_size=12)),
    min_size=1, max_size=6,
)  # fmt: skip


def apply_bytes(body: bytes, edits: list[tuple[str, int, int, bytes]]) -> bytes:
    for kind, position, length, noise in edits:
        at = position % (len(body) + 1)
        if kind == "delete":
            body = body[:at] + body[at + length :]
        elif kind == "insert":
            body = body[:at] + noise + body[at:]
        elif kind == "flip" and at < len(body):
            body = body[:at] + bytes([body[at] ^ noise[0]]) + body[at + 1 :]
        elif kind == "duplicate":
            body = body[:at] + body[at : at + length * 10] + body[at:]
        elif kind == "truncate":
            body = body[:at]
    return body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream=st.sampled_from(STREAMS), edits=_edits)
def test_byte_mangled_streams_raise_only_typed_errors(stream: bytes, edits: Any) -> None:
    consume(apply_bytes(stream, edits))


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            out += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            out += _paths(inner, (*prefix, i))
    return out


@st.composite
def json_mangled(draw: st.DrawFn) -> bytes:
    frames = [f for f in draw(st.sampled_from(STREAMS)).split(b"\n\n") if f]
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(frames) - 1))
        head, _, data = frames[i].partition(b"\ndata: ")
        if data == b"[DONE]":
            continue
        payload = json.loads(data)
        path = draw(st.sampled_from(_paths(payload)))
        action = draw(st.sampled_from(["replace", "delete", "swap", "repeat"]))
        if action == "swap":
            j = draw(st.integers(0, len(frames) - 1))
            frames[i], frames[j] = frames[j], frames[i]
            continue
        if action == "repeat":
            frames.insert(i, frames[i])
            continue
        if not path:
            payload = draw(_json_values)
        else:
            parent = payload
            for key in path[:-1]:
                parent = parent[key]
            if action == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(_json_values)
        frames[i] = head + b"\ndata: " + json.dumps(payload).encode()
    return b"\n\n".join(frames) + b"\n\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_mangled())
def test_json_mangled_streams_raise_only_typed_errors(body: bytes) -> None:
    consume(body)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_mangled())
def test_a_lenient_handler_survives_mangled_streams_too(body: bytes) -> None:
    class Lenient(ReadsEverything):
        strict = False

        def on_violation(self, violation: ae.Violation) -> None:
            pass

    consume(body, Lenient())


class ReadsNothing(ae.EventHandler):
    """No subscriber: only the lifecycle and the accumulator see the garbage."""


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_mangled())
def test_mangled_streams_with_no_reader_raise_only_typed_errors(body: bytes) -> None:
    consume(body, ReadsNothing())


class ReadsSnapshots(ae.EventHandler):
    @ae.on("thread.run.step.delta", "thread.message.delta")
    def snap(self, event: ae.Event) -> None:
        _ = event.snapshot


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_mangled())
def test_mangled_streams_read_through_snapshots_raise_only_typed_errors(body: bytes) -> None:
    consume(body, ReadsSnapshots())


def _first_of_each_event(stream: bytes) -> list[tuple[int, bytes]]:
    frames = stream.split(b"\n\n")
    seen: set[bytes] = set()
    out = []
    for i, frame in enumerate(frames):
        head = frame.partition(b"\n")[0]
        if head not in seen and b"[DONE]" not in frame and frame:
            seen.add(head)
            out.append((i, frame))
    return out


@pytest.mark.slow
def test_every_field_of_every_event_retyped_raises_only_typed_errors() -> None:
    replacements: list[Any] = [None, 1, "x", [], {}, [{}], {"index": "0"}]
    tried = 0
    for stream in STREAMS[:2]:
        frames = stream.split(b"\n\n")
        for i, frame in _first_of_each_event(stream):
            head, _, data = frame.partition(b"\ndata: ")
            for path in _paths(json.loads(data)):
                for value in replacements:
                    payload = json.loads(data)
                    if path:
                        parent = payload
                        for key in path[:-1]:
                            parent = parent[key]
                        parent[path[-1]] = value
                    else:
                        payload = value
                    mangled = head + b"\ndata: " + json.dumps(payload).encode()
                    body = b"\n\n".join([*frames[:i], mangled, *frames[i + 1 :]])
                    for handler in (ReadsNothing(), ReadsSnapshots()):
                        consume(body, handler)
                        tried += 1
    assert tried > 2000
