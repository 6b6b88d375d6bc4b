"""Routing rules: segment-aware patterns, a typo guard, tables that follow late routers."""

from __future__ import annotations

import warnings

import pytest

import assistants_events as ae
from assistants_events.dispatch import matches
from tests.conftest import sse


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("thread.run.*", "thread.run.completed", True),
        ("thread.run.*", "thread.run.step.created", False),
        ("thread.run.**", "thread.run.step.created", True),
        ("thread.run.step.*", "thread.run.step.delta", True),
        ("response.*.delta", "response.output_text.delta", True),
        ("response.*.delta", "response.function_call_arguments.delta", True),
        ("response.*.delta", "response.reasoning_summary_text.delta", True),
        ("response.**", "response.output_item.added", True),
        ("*", "thread.run.step.delta", True),
        ("*", "error", True),
        ("thread.run.?ueued", "thread.run.queued", True),
        ("thread.run.?", "thread.run.qq", False),
    ],
)
def test_patterns_match_by_dot_segment(pattern: str, name: str, expected: bool) -> None:
    assert matches(pattern, name) is expected


async def test_a_run_wildcard_no_longer_receives_step_events(tool_call_run: bytes) -> None:
    seen: list[str] = []

    class Bot(ae.EventHandler):
        @ae.on("thread.run.*")
        def runs(self, event: ae.Event) -> None:
            seen.append(event.name)
            assert isinstance(event.data, ae.Run)

    await Bot().consume(tool_call_run)
    assert seen and all(not name.startswith("thread.run.step.") for name in seen)


def test_subscribing_to_an_unknown_exact_name_warns_of_a_typo() -> None:
    with pytest.warns(ae.UnknownEventWarning, match="thread.mesage.delta"):

        class Bot(ae.EventHandler):
            @ae.on("thread.mesage.delta")
            def typo(self, event: ae.Event) -> None: ...


def test_known_names_and_patterns_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        class Bot(ae.EventHandler):
            @ae.on("thread.message.delta", "thread.run.*", "keepalive", "error", "done")
            def fine(self, event: ae.Event) -> None: ...

        router = ae.Router()
        router.on("thread.run.step.**")(lambda event: None)


def test_a_router_subscription_with_a_typo_warns() -> None:
    router = ae.Router()
    with pytest.warns(ae.UnknownEventWarning):
        router.on("thread.run.complete")(lambda event: None)


async def test_a_router_included_in_the_class_later_reaches_dispatch() -> None:
    seen: list[str] = []

    class Bot(ae.EventHandler):
        pass

    bot = Bot()
    await bot.dispatch(ae.Event("thread.created", '{"id": "thread_1", "object": "thread"}'))
    router = ae.Router()
    router.on("thread.run.created")(lambda event: seen.append(event.name))
    Bot.include_router(router)
    run = '{"id": "run_1", "object": "thread.run", "status": "queued", "thread_id": "thread_1"}'
    await bot.dispatch(ae.Event("thread.run.created", run))
    assert seen == ["thread.run.created"]


async def test_a_subscription_added_to_an_included_router_later_is_seen() -> None:
    seen: list[str] = []
    router = ae.Router()

    class Bot(ae.EventHandler):
        pass

    bot = Bot()
    bot.include_router(router)
    await bot.consume(sse("thread.created", '{"id": "thread_1", "object": "thread"}'))
    router.on("thread.created")(lambda event: seen.append(event.name))
    await bot.consume(sse("thread.created", '{"id": "thread_2", "object": "thread"}'))
    assert seen == ["thread.created"]


async def test_invented_event_names_cannot_grow_the_class_cache_without_bound() -> None:
    class Bot(ae.EventHandler):
        @ae.on("*")
        def every(self, event: ae.Event) -> None: ...

    body = b"".join(sse(f"invented.{i}", "{}") for i in range(2000))
    await Bot().consume(body)
    assert len(Bot()._ae_table()) <= 512


async def test_a_handler_raising_a_library_error_is_wrapped_in_handler_error() -> None:
    class Bot(ae.EventHandler):
        @ae.on("thread.created")
        def fail(self, event: ae.Event) -> None:
            raise ae.ConfigurationError("misconfigured")

    with pytest.raises(ae.HandlerError) as caught:
        await Bot().consume(sse("thread.created", '{"id": "thread_1", "object": "thread"}'))
    assert isinstance(caught.value.__cause__, ae.ConfigurationError)


async def test_an_empty_event_field_dispatches_as_message_on_the_fast_path() -> None:
    seen: list[str] = []

    class Bot(ae.EventHandler):
        @ae.on("message")
        def plain(self, event: ae.Event) -> None:
            seen.append(event.raw)

    await Bot().consume(b"event: \ndata: hi\n\n")
    assert seen == ["hi"]


async def test_the_sse_id_reaches_the_event() -> None:
    ids: list[str | None] = []

    class Bot(ae.EventHandler):
        @ae.on("message")
        def plain(self, event: ae.Event) -> None:
            ids.append(event.id)

    await Bot().consume(b"id: 7\ndata: a\n\ndata: b\n\n")
    assert ids == ["7", "7"]
