"""Every genuine recorded Responses stream passes strict mode through `consume`."""

from __future__ import annotations

from pathlib import Path

import pytest

import assistants_events as ae
from assistants_events.responses import QUIRKS

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
