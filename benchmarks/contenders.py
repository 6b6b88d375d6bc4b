"""The three contenders of the in-memory benchmarks, fed the very same bytes.

- raw floor: split on blank lines, `json.loads`, a dict lookup, the handler reads the value;
- assistants-events: `handler.consume(chunks)`, the handler reads the typed model;
- openai SDK: `AsyncAssistantEventHandler` through an in-memory HTTP transport.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

import assistants_events as ae

Chunks = list[bytes]


def chunked(body: bytes, size: int = 4096) -> Chunks:
    return [body[i : i + size] for i in range(0, len(body), size)]


# ------------------------------------------------------------------- raw floor


def raw_floor(reader: Callable[[Any], Any], name: str) -> Callable[[Chunks], Any]:
    def noop(data: Any) -> None:
        return None

    handlers: dict[str, Callable[[Any], Any]] = {name: reader}

    async def run(chunks: Chunks) -> int:
        buffer = b""
        count = 0
        for chunk in chunks:
            buffer += chunk
            *frames, buffer = buffer.split(b"\n\n")
            for frame in frames:
                head, _, data = frame.partition(b"\n")
                count += 1
                if data[6:] != b"[DONE]":
                    read: Callable[[Any], Any] = handlers.get(head[7:].decode(), noop)
                    read(json.loads(data[6:]))
        return count

    return run


def floor_text(data: Any) -> Any:
    return data["delta"]["content"][0]["text"]["value"]


def floor_arguments(data: Any) -> Any:
    return data["delta"]["step_details"]["tool_calls"][0]["function"]["arguments"]


# ----------------------------------------------------------- assistants-events


class TextReader(ae.EventHandler):
    @ae.on("thread.message.delta")
    def read(self, event: ae.Event) -> None:
        event.data.delta.content[0].text.value  # noqa: B018 - reading is the work


class ArgumentReader(ae.EventHandler):
    @ae.on("thread.run.step.delta")
    def read(self, event: ae.Event) -> None:
        event.data.delta.step_details.tool_calls[0].function.arguments  # noqa: B018


def ours(handler_cls: type[ae.EventHandler]) -> Callable[[Chunks], Any]:
    async def run(chunks: Chunks) -> Any:
        return await handler_cls().consume(chunks)

    return run


# ------------------------------------------------------------------ openai SDK


def sdk(kind: str) -> Callable[[Chunks], Any]:
    import httpx2
    import openai
    from openai import AsyncAssistantEventHandler

    class SDKText(AsyncAssistantEventHandler):
        async def on_text_delta(self, delta: Any, snapshot: Any) -> None:
            delta.value  # noqa: B018

    class SDKArguments(AsyncAssistantEventHandler):
        async def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
            delta.function.arguments  # noqa: B018

    handler_cls = SDKText if kind == "text" else SDKArguments
    current: dict[str, Chunks] = {}

    class Body(httpx2.AsyncByteStream):
        async def __aiter__(self) -> Any:
            for chunk in current["chunks"]:
                yield chunk

    def answer(request: Any) -> Any:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, stream=Body())

    client = openai.AsyncOpenAI(
        api_key="bench", base_url="http://bench.invalid/v1", max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(answer)),
    )  # fmt: skip

    async def run(chunks: Chunks) -> Any:
        current["chunks"] = chunks
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            async with client.beta.threads.runs.stream(
                thread_id="thread_bench", assistant_id="asst_bench", event_handler=handler_cls()
            ) as stream:
                await stream.until_done()

    return run


def count_events(body: bytes) -> int:
    return body.count(b"\n\n")


def check_same_text(body: bytes) -> str:
    """What every contender must have read: used to prove the inputs are identical."""
    return "".join(
        json.loads(frame.partition(b"\n")[2][6:])["delta"]["content"][0]["text"]["value"]
        for frame in body.split(b"\n\n")
        if frame.startswith(b"event: thread.message.delta")
    )
