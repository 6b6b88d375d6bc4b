"""Every genuine recorded Responses stream passes strict mode through `consume`."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import assistants_events as ae
from assistants_events.responses import QUIRKS, ResponsesState

GENUINE = Path(__file__).parent.parent / "fixtures" / "genuine" / "responses"
RECORDINGS = sorted(GENUINE.glob("*.sse"))
BODIES = {path.stem: path.read_bytes() for path in RECORDINGS}
# Streams that end in an `error` event: `consume` raises StreamError after dispatching all.
ERRORS = {"error_insufficient_quota_then_failed", "error_server_error_null_code_fragment"}


class Strict(ae.EventHandler):
    def __init__(self) -> None:
        self.quirks: list[ae.Quirk] = []
        self.names: list[str] = []

    @ae.on("*")
    def seen(self, event: ae.Event) -> None:
        self.names.append(event.name)
        _ = event.data  # every payload decodes into its model
        _ = event.snapshot

    def on_quirk(self, quirk: ae.Quirk) -> None:
        self.quirks.append(quirk)


def test_there_are_genuine_recordings() -> None:
    assert len(RECORDINGS) >= 15


@pytest.mark.parametrize("stem", sorted(BODIES))
async def test_a_genuine_stream_passes_strict_mode(stem: str) -> None:
    bot = Strict()
    if stem in ERRORS:
        with pytest.raises(ae.StreamError):
            await bot.consume(BODIES[stem])
        assert bot.names[-1] in ("error", "response.failed")
        return
    result = await bot.consume(BODIES[stem])
    assert result.done
    assert result.response is not None
    assert result.response.status in ae.RESPONSE_TRANSITIONS
    assert all(q.code in QUIRKS for q in bot.quirks)


async def _consume(body: bytes | list[bytes], error: bool) -> ae.StreamResult:
    bot = Strict()
    if error:
        with pytest.raises(ae.StreamError):
            await bot.consume(body)
        return bot.result
    return await bot.consume(body)


@pytest.mark.parametrize("stem", sorted(BODIES))
async def test_a_genuine_stream_gives_the_same_result_in_one_byte_chunks(stem: str) -> None:
    body = BODIES[stem]
    error = stem in ERRORS
    whole = await _consume(body, error)
    chunked = await _consume([body[i : i + 1] for i in range(len(body))], error)
    assert (chunked.text, chunked.response, chunked.usage, chunked.done) == (
        whole.text,
        whole.response,
        whole.usage,
        whole.done,
    )


async def test_an_openrouter_stream_without_event_lines_is_named_by_its_json_type() -> None:
    bot = Strict()
    await bot.consume(BODIES["openrouter_reasoning_text_out_of_order_done"])
    assert bot.names[0] == "response.created"
    assert bot.names[-1] == "message"  # data: [DONE]


async def test_a_body_ending_without_its_blank_line_keeps_its_last_event() -> None:
    result = await Strict().consume(
        BODIES["function_call_followup_after_output_no_final_blank_line"]
    )
    assert result.done


async def test_a_body_cut_inside_its_last_event_is_incomplete() -> None:
    body = BODIES["function_call_followup_after_output_no_final_blank_line"]
    with pytest.raises(ae.IncompleteStream):
        await Strict().consume(body[:-40])


def _frames(body: bytes) -> list[bytes]:
    return [frame for frame in body.split(b"\n\n") if frame.strip()]


NUMBERED = [stem for stem in sorted(BODIES) if b'"sequence_number"' in BODIES[stem]]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(NUMBERED), st.floats(min_value=0.0, max_value=1.0))
async def test_a_genuine_stream_dropped_anywhere_and_resumed_gives_the_same_result(
    stem: str, where: float
) -> None:
    frames = _frames(BODIES[stem])
    cut = int(where * len(frames))
    error = stem in ERRORS
    whole = await _consume(BODIES[stem], error)
    bot = Strict()
    with contextlib.suppress(ae.IncompleteStream, ae.StreamError):
        await bot.consume(b"\n\n".join(frames[:cut]) + b"\n\n")
    resumed = bot.result
    if not resumed.done:  # the connection dropped before the terminal event: resume
        state = bot.state
        if isinstance(state, ResponsesState) and state.last_sequence_number is not None:
            state.resume_after(state.last_sequence_number)
        try:
            resumed = await bot.consume(b"\n\n".join(frames[cut:]) + b"\n\n")
        except ae.StreamError:
            assert error
            resumed = bot.result
    assert (resumed.text, resumed.response, resumed.usage, resumed.done) == (
        whole.text,
        whole.response,
        whole.usage,
        whole.done,
    )


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(BODIES)), st.floats(min_value=0.0, max_value=1.0))
async def test_a_genuine_stream_cut_at_any_byte_raises_only_incomplete_stream(
    stem: str, where: float
) -> None:
    body = BODIES[stem]
    bot = Strict()
    try:
        result = await bot.consume(body[: int(where * len(body))])
    except ae.IncompleteStream:
        return
    except ae.StreamError:
        assert stem in ERRORS
        return
    assert result.done or bot.state is None
