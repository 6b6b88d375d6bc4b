"""The contenders of the in-memory benchmarks, fed the very same bytes.

- floor: split on blank lines, the JSON decoder (`json.loads`, or `orjson.loads`
  with the `fast` extra: the same decoder `assistants_events` uses), a dict lookup
  of the event name, the handler reads the value from the dicts;
- assistants-events: `handler.consume(chunks)`, the handler reads the typed model
  (or `event.snapshot`);
- openai SDK: `AsyncAssistantEventHandler` (Assistants) or `responses.stream()`
  (Responses) through an in-memory HTTP transport.

Each scenario names, per contender, what its handler reads.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import assistants_events as ae

Chunks = list[bytes]
Runner = Callable[[Chunks], Awaitable[Any]]
Reader = Callable[[Any], Any]


def chunked(body: bytes, size: int = 4096) -> Chunks:
    return [body[i : i + size] for i in range(0, len(body), size)]


def count_events(body: bytes) -> int:
    return body.count(b"\n\n")


# ------------------------------------------------------------------------ floor


def floor(loads: Callable[[Any], Any], readers: dict[str, Reader]) -> Runner:
    """Split, decode every event with `loads`, look its name up, run its reader."""

    def noop(data: Any) -> None:
        return None

    async def run(chunks: Chunks) -> int:
        buffer = b""
        count = 0
        get: Callable[[str, Reader], Reader] = readers.get
        for chunk in chunks:
            buffer += chunk
            *frames, buffer = buffer.split(b"\n\n")
            for frame in frames:
                head, _, data = frame.partition(b"\n")
                count += 1
                if data[6:] != b"[DONE]":
                    get(head[7:].decode(), noop)(loads(data[6:]))
        return count

    return run


def floor_message_text(data: Any) -> Any:
    return data["delta"]["content"][0]["text"].get("value")


def floor_step_arguments(data: Any) -> Any:
    return data["delta"]["step_details"]["tool_calls"][0]["function"]["arguments"]


def floor_delta(data: Any) -> Any:
    return data["delta"]


FLOOR_READERS: dict[str, dict[str, Reader]] = {
    "assistants text": {"thread.message.delta": floor_message_text},
    "assistants arguments": {"thread.run.step.delta": floor_step_arguments},
    # the mixed run: every delta is read (message, step), the other events decoded
    "assistants mixed": {"thread.message.delta": floor_delta, "thread.run.step.delta": floor_delta},
    "responses text": {"response.output_text.delta": floor_delta},
    "responses arguments": {"response.function_call_arguments.delta": floor_delta},
}


# ------------------------------------------------------------- assistants-events


class MessageTextReader(ae.EventHandler):
    @ae.on("thread.message.delta")
    def read(self, event: ae.Event) -> None:
        event.data.delta.content[0].text.value  # noqa: B018 - reading is the work


class StepArgumentReader(ae.EventHandler):
    @ae.on("thread.run.step.delta")
    def read(self, event: ae.Event) -> None:
        event.data.delta.step_details.tool_calls[0].function.arguments  # noqa: B018


class DeltaReader(ae.EventHandler):
    @ae.on("thread.message.delta", "thread.run.step.delta")
    def read(self, event: ae.Event) -> None:
        event.data.delta  # noqa: B018


class ResponseTextReader(ae.EventHandler):
    @ae.on("response.output_text.delta")
    def read(self, event: ae.Event) -> None:
        event.data.delta  # noqa: B018


class ResponseArgumentReader(ae.EventHandler):
    @ae.on("response.function_call_arguments.delta")
    def read(self, event: ae.Event) -> None:
        event.data.delta  # noqa: B018


class MessageSnapshotReader(ae.EventHandler):
    """The SDK's `on_text_delta(delta, snapshot)` pattern: the whole text on every delta."""

    @ae.on("thread.message.delta")
    def read(self, event: ae.Event) -> None:
        event.snapshot.content[0].text.value  # noqa: B018


class ResponseSnapshotReader(ae.EventHandler):
    @ae.on("response.output_text.delta")
    def read(self, event: ae.Event) -> None:
        event.snapshot.content[0].text  # noqa: B018


OUR_HANDLERS: dict[str, type[ae.EventHandler]] = {
    "assistants text": MessageTextReader,
    "assistants arguments": StepArgumentReader,
    "assistants mixed": DeltaReader,
    "responses text": ResponseTextReader,
    "responses arguments": ResponseArgumentReader,
    "assistants snapshot": MessageSnapshotReader,
    "responses snapshot": ResponseSnapshotReader,
}


def ours(handler_cls: type[ae.EventHandler]) -> Runner:
    async def run(chunks: Chunks) -> Any:
        return await handler_cls().consume(chunks)

    return run


# ------------------------------------------------------------------ openai SDK


def _sdk_client(current: dict[str, Chunks]) -> Any:
    import httpx2
    import openai

    class Body(httpx2.AsyncByteStream):
        async def __aiter__(self) -> Any:
            for chunk in current["chunks"]:
                yield chunk

    def answer(request: Any) -> Any:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, stream=Body())

    return openai.AsyncOpenAI(
        api_key="bench", base_url="http://bench.invalid/v1", max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(answer)),
    )  # fmt: skip


def sdk_assistants(scenario: str) -> Runner:
    """The SDK's assistant event handler; it builds its snapshots on every delta anyway."""
    from openai import AsyncAssistantEventHandler

    class Text(AsyncAssistantEventHandler):
        async def on_text_delta(self, delta: Any, snapshot: Any) -> None:
            delta.value  # noqa: B018

    class Arguments(AsyncAssistantEventHandler):
        async def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
            delta.function.arguments  # noqa: B018

    class Deltas(AsyncAssistantEventHandler):
        async def on_event(self, event: Any) -> None:
            if event.event.endswith(".delta"):
                event.data.delta  # noqa: B018

    class Snapshot(AsyncAssistantEventHandler):
        async def on_text_delta(self, delta: Any, snapshot: Any) -> None:
            snapshot.value  # noqa: B018

    handlers = {"assistants text": Text, "assistants arguments": Arguments,
                "assistants mixed": Deltas, "assistants snapshot": Snapshot}  # fmt: skip
    handler_cls = handlers[scenario]
    current: dict[str, Chunks] = {}
    client = _sdk_client(current)

    async def run(chunks: Chunks) -> Any:
        current["chunks"] = chunks
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            async with client.beta.threads.runs.stream(
                thread_id="thread_bench", assistant_id="asst_bench", event_handler=handler_cls()
            ) as stream:
                await stream.until_done()

    return run


def sdk_responses(scenario: str) -> Runner:
    """`client.responses.stream(...)`: the SDK's accumulating Responses helper."""
    kinds = {"responses text": "response.output_text.delta",
             "responses arguments": "response.function_call_arguments.delta",
             "responses snapshot": "response.output_text.delta"}  # fmt: skip
    wanted = kinds[scenario]
    snapshot = scenario == "responses snapshot"
    current: dict[str, Chunks] = {}
    client = _sdk_client(current)

    async def run(chunks: Chunks) -> Any:
        current["chunks"] = chunks
        async with client.responses.stream(model="gpt-4o", input="bench") as stream:
            async for event in stream:
                if event.type == wanted:
                    event.snapshot if snapshot else event.delta  # noqa: B018

    return run


def sdk(scenario: str) -> Runner:
    return sdk_responses(scenario) if scenario.startswith("responses") else sdk_assistants(scenario)


def check_same_text(body: bytes) -> str:
    """What every contender must have read: used to prove the inputs are identical."""
    return "".join(
        json.loads(frame.partition(b"\n")[2][6:])["delta"]["content"][0]["text"]["value"]
        for frame in body.split(b"\n\n")
        if frame.startswith(b"event: thread.message.delta")
    )
