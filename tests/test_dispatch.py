"""Who receives an event, in what order, and how including routers is guarded."""

from __future__ import annotations

import pytest

import assistants_events as ae
from tests.conftest import sse

RUN = '{"id":"run_1","status":"queued","thread_id":"thread_1"}'


def created() -> bytes:
    return sse("thread.run.created", RUN) + sse("done", "[DONE]")


async def test_async_and_plain_methods_both_receive_events() -> None:
    seen: list[str] = []

    class Bot(ae.EventHandler):
        @ae.on("thread.run.created")
        async def a(self, event: ae.Event) -> None:
            seen.append("async")

        @ae.on("thread.run.created")
        def b(self, event: ae.Event) -> None:
            seen.append("plain")

    await Bot().consume(created())
    assert seen == ["async", "plain"]


async def test_wildcards_and_several_patterns_match() -> None:
    seen: list[tuple[str, str]] = []

    class Bot(ae.EventHandler):
        @ae.on("thread.run.*")
        def runs(self, event: ae.Event) -> None:
            seen.append(("runs", event.name))

        @ae.on("done", "error")
        def ends(self, event: ae.Event) -> None:
            seen.append(("ends", event.name))

        @ae.on("*")
        def everything(self, event: ae.Event) -> None:
            seen.append(("all", event.name))

    await Bot().consume(created())
    assert seen == [("runs", "thread.run.created"), ("all", "thread.run.created"),
                    ("ends", "done"), ("all", "done")]  # fmt: skip


async def test_subclass_override_replaces_the_parent_handler() -> None:
    seen: list[str] = []

    class Base(ae.EventHandler):
        @ae.on("thread.run.created")
        def handle(self, event: ae.Event) -> None:
            seen.append("base")

    class Child(Base):
        @ae.on("thread.run.created")
        def handle(self, event: ae.Event) -> None:
            seen.append("child")

    await Child().consume(created())
    await Base().consume(created())
    assert seen == ["child", "base"]


async def test_marks_do_not_leak_between_sibling_classes() -> None:
    seen: list[str] = []

    class A(ae.EventHandler):
        @ae.on("thread.run.created")
        def a(self, event: ae.Event) -> None:
            seen.append("a")

    class B(ae.EventHandler):
        pass

    await B().consume(created())
    assert seen == []
    await A().consume(created())
    assert seen == ["a"]


async def test_order_is_base_then_subclass_then_routers() -> None:
    seen: list[str] = []
    router = ae.Router()

    @router.on("thread.run.created")
    def from_router(event: ae.Event, handler: ae.EventHandler) -> None:
        seen.append("router")

    class Base(ae.EventHandler):
        @ae.on("thread.run.created")
        def first(self, event: ae.Event) -> None:
            seen.append("base")

    class Child(Base):
        @ae.on("thread.run.created")
        def second(self, event: ae.Event) -> None:
            seen.append("child")

    Child.include_router(router)
    await Child().consume(created())
    assert seen == ["base", "child", "router"]


async def test_router_functions_get_the_handler_when_they_ask() -> None:
    got: list[object] = []
    router = ae.Router()

    @router.on("thread.run.created")
    async def two(event: ae.Event, handler: ae.EventHandler) -> None:
        got.append(handler)

    @router.on("thread.run.created")
    def one(event: ae.Event) -> None:
        got.append(event.name)

    class Bot(ae.EventHandler):
        pass

    bot = Bot()
    bot.include_router(router)
    await bot.consume(created())
    assert got == [bot, "thread.run.created"]


async def test_instance_router_serves_only_that_instance() -> None:
    seen: list[str] = []
    router = ae.Router()
    router.on("thread.run.created")(lambda event: seen.append("x"))

    class Bot(ae.EventHandler):
        pass

    first, second = Bot(), Bot()
    first.include_router(router)
    await second.consume(created())
    await first.consume(created())
    assert seen == ["x"]


async def test_nested_routers_follow_their_parent() -> None:
    seen: list[str] = []
    parent, child = ae.Router("parent"), ae.Router("child")
    parent.on("done")(lambda event: seen.append("parent"))
    child.on("done")(lambda event: seen.append("child"))
    parent.include_router(child)

    class Bot(ae.EventHandler):
        pass

    Bot.include_router(parent)
    await Bot().consume(created())
    assert seen == ["parent", "child"]


def test_router_cannot_include_itself() -> None:
    router = ae.Router("r")
    with pytest.raises(ae.RouterError, match="itself"):
        router.include_router(router)


def test_router_cannot_have_two_parents() -> None:
    child = ae.Router("child")
    ae.Router("a").include_router(child)
    with pytest.raises(ae.RouterError, match="already included"):
        ae.Router("b").include_router(child)


def test_router_cycle_is_refused() -> None:
    a, b = ae.Router("a"), ae.Router("b")
    a.include_router(b)
    with pytest.raises(ae.RouterError, match="cycle"):
        b.include_router(a)


def test_router_included_twice_in_a_handler_is_refused() -> None:
    router = ae.Router("r")

    class Bot(ae.EventHandler):
        pass

    Bot.include_router(router)
    with pytest.raises(ae.RouterError, match="run twice"):
        Bot.include_router(router)
    with pytest.raises(ae.RouterError, match="run twice"):
        Bot().include_router(router)


def test_on_needs_a_pattern() -> None:
    with pytest.raises(TypeError, match="at least one"):
        ae.on()


async def test_dispatch_table_is_computed_once_per_name() -> None:
    calls = 0

    class Bot(ae.EventHandler):
        @ae.on("thread.message.delta")
        def delta(self, event: ae.Event) -> None:
            pass

    bot = Bot()
    original = bot._ae_resolve

    def counting(name: str):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return original(name)

    bot._ae_resolve = counting  # type: ignore[method-assign]
    from tests.conftest import fixture_bytes

    await bot.consume(fixture_bytes("text_run.sse"))
    assert calls == len({"thread.run.created", "thread.run.queued", "thread.run.in_progress",
                         "thread.run.step.created", "thread.run.step.in_progress",
                         "thread.message.created", "thread.message.in_progress",
                         "thread.message.delta", "thread.message.completed",
                         "thread.run.step.completed", "thread.run.completed", "done"})  # fmt: skip


def test_subscribers_lists_the_call_order() -> None:
    class Bot(ae.EventHandler):
        @ae.on("done")
        def x(self, event: ae.Event) -> None:
            pass

    bot = Bot()
    assert bot.subscribers("done") == [bot.x]
    assert bot.subscribers("error") == []


async def test_unknown_names_cannot_grow_the_dispatch_table_without_bound() -> None:
    seen: list[str] = []

    class Bot(ae.EventHandler):
        @ae.on("*")
        def any_event(self, event: ae.Event) -> None:
            seen.append(event.name)

    bot = Bot()
    body = b"".join(sse(f"brand.new.{i}", "{}") for i in range(2000))
    await bot.consume(body)
    assert len(seen) == 2000 and len(bot._ae_table()) <= 512


async def test_instances_of_one_handler_class_share_one_dispatch_table() -> None:
    class Bot(ae.EventHandler):
        @ae.on("thread.created")
        def created(self, event: ae.Event) -> None:
            pass

    first, second = Bot(), Bot()
    await first.consume(sse("thread.created", '{"id": "thread_1", "object": "thread"}'))
    assert first._ae_table() is second._ae_table()
    assert "thread.created" in second._ae_table()


async def test_a_consumed_handler_is_freed_without_the_garbage_collector() -> None:
    import gc
    import weakref

    from tests.conftest import fixture_bytes

    class Bot(ae.EventHandler):
        @ae.on("*")
        def every(self, event: ae.Event) -> None:
            pass

    gc.collect()
    gc.disable()
    try:
        bot = Bot()
        await bot.consume(fixture_bytes("text_run.sse"))
        freed = weakref.ref(bot)
        del bot
        assert freed() is None  # no reference cycle through its table or its hooks
    finally:
        gc.enable()


async def test_static_methods_can_subscribe() -> None:
    seen: list[str] = []

    class Bot(ae.EventHandler):
        @ae.on("thread.created")
        @staticmethod
        def plain(event: ae.Event) -> None:
            seen.append("static")

    await Bot().consume(sse("thread.created", '{"id": "thread_1", "object": "thread"}'))
    assert seen == ["static"]


async def test_a_violation_still_reaches_the_handler_hook() -> None:
    violations: list[ae.Violation] = []

    class Lenient(ae.EventHandler):
        strict = False

        def on_violation(self, violation: ae.Violation) -> None:
            violations.append(violation)

    await Lenient().consume(sse("thread.message.delta", '{"id": "msg_1", "delta": {}}'))
    assert len(violations) == 1
