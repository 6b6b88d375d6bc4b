"""Adversarial checks of the generic handler: protocols mixed, odd subscribers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import assistants_events as ae

FIXTURES = Path(__file__).parent / "fixtures"
RESPONSES_TEXT = (FIXTURES / "genuine" / "responses" / "no_seqnum_text_2025_03.sse").read_bytes()
ASSISTANTS_TEXT = (FIXTURES / "text_run.sse").read_bytes()


def plain_wrapper(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A decorator as users write them (logging, metrics): a plain function passing on."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


async def test_a_handler_that_followed_responses_refuses_an_assistants_stream() -> None:
    bot = ae.EventHandler()
    await bot.consume(RESPONSES_TEXT)
    # Not an IncompleteStream saying "the connection was probably dropped".
    with pytest.raises(ae.ConfigurationError, match=r"assistants protocol.*reset"):
        await bot.consume(ASSISTANTS_TEXT)


async def test_a_stream_mixing_protocols_is_refused() -> None:
    body = RESPONSES_TEXT.split(b"event: response.completed")[0] + ASSISTANTS_TEXT
    with pytest.raises(ae.ConfigurationError, match="belongs to the assistants protocol"):
        await ae.EventHandler().consume(body)


async def test_reset_lets_a_handler_follow_the_other_protocol() -> None:
    bot = ae.EventHandler()
    await bot.consume(RESPONSES_TEXT)
    bot.reset()
    result = await bot.consume(ASSISTANTS_TEXT)
    assert result.done and result.run is not None and result.response is None


async def test_a_handler_that_followed_assistants_refuses_a_responses_stream() -> None:
    bot = ae.EventHandler()
    await bot.consume(ASSISTANTS_TEXT)
    with pytest.raises(ae.ConfigurationError, match="responses protocol"):
        await bot.consume(RESPONSES_TEXT)


async def test_a_coroutine_handler_behind_a_plain_decorator_is_awaited() -> None:
    class Bot(ae.EventHandler):
        def __init__(self) -> None:
            self.deltas: list[str] = []

        @ae.on("response.output_text.delta")
        @plain_wrapper
        async def show(self, event: ae.Event) -> None:
            self.deltas.append(event.text_delta or "")

    bot = Bot()
    result = await bot.consume(RESPONSES_TEXT)
    assert "".join(bot.deltas) == result.text


async def test_an_unnamed_frame_nested_too_deeply_is_an_event_decode_error() -> None:
    # OpenRouter's frames carry no `event:` line: the JSON is read to name them.
    deep = '{"type": "response.created", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(ae.EventDecodeError, match="nested too deeply"):
        await ae.EventHandler().consume(f"data: {deep}\n\n".encode())


FLAT_ERROR = (
    b'event: error\ndata: {"type": "error", "code": "server_error", '
    b'"message": "The server had an error", "param": null, "sequence_number": 0}\n\n'
)


async def test_a_flat_error_event_does_not_pass_its_event_type_for_the_error_type() -> None:
    with pytest.raises(ae.StreamError) as info:
        await ae.EventHandler().consume(FLAT_ERROR)
    error = info.value.error
    assert (error.type, error.code, error.message) == (
        None,
        "server_error",
        "The server had an error",
    )


async def test_a_nested_error_event_keeps_its_error_type() -> None:
    body = FIXTURES / "genuine" / "responses" / "error_server_error_null_code_fragment.sse"
    with pytest.raises(ae.StreamError) as info:
        await ae.EventHandler().consume(body.read_bytes())
    assert info.value.error.type == "server_error"


async def test_consuming_text_instead_of_bytes_says_to_pass_bytes() -> None:
    # Not "can't concat str to bytes" from deep inside the SSE decoder.
    with pytest.raises(TypeError, match=r"reads bytes, not str.*encode\(\)"):
        await ae.EventHandler().consume(RESPONSES_TEXT.decode())  # type: ignore[arg-type]


async def test_a_violation_after_an_error_event_raises_the_servers_error() -> None:
    quota = FIXTURES / "genuine" / "responses" / "error_insufficient_quota_then_failed.sse"
    late = (
        b'event: response.output_text.delta\ndata: {"type": "response.output_text.delta", '
        b'"item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": "x", '
        b'"sequence_number": 4}\n\n'
    )
    with pytest.raises(ae.StreamError) as info:
        await ae.EventHandler().consume(quota.read_bytes() + late)
    # Not "invalid transition ... the stream is out of order or truncated".
    assert info.value.error.code == "insufficient_quota"
    assert isinstance(info.value.__cause__, ae.InvalidTransition)
