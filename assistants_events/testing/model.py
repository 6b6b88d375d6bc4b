"""The mock server's scripted model: what an assistant "says" for a run.

The default model is deterministic: when the run has function tools and the
latest user message reads `tool_name {json args}`, the run asks for that call;
after tool outputs it quotes each output; otherwise it echoes the user's text
word by word, prefixed with `Echo: `.  Tests pass their own script instead: a
list of replies (used in turn) or a callable.

The same model plays Assistants runs and Responses responses: for a response,
`ModelContext.messages` are the context's message items in the Assistants shape
(`{"role", "content": [{"type": "text", "text": {"value"}}]}`), `run` is the
response object, `tool_outputs` the `function_call_output` items of this request,
and `round` the number of tool rounds since the user's latest message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Union

import attrs

__all__ = ["ModelContext", "Reply", "Script", "ScriptedModel", "ToolCallPlan", "default_model"]


@attrs.frozen
class ToolCallPlan:
    """One function call the model makes: the tool's name and its arguments."""

    name: str
    arguments: dict[str, Any] | str = attrs.field(factory=dict)

    def arguments_json(self) -> str:
        """The arguments as the API sends them: a JSON string."""
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments)


@attrs.frozen
class Reply:
    """What the model does in one turn: stream `text`, or call `tool_calls`."""

    text: str = ""
    tool_calls: tuple[ToolCallPlan, ...] = ()

    @classmethod
    def calls(cls, *calls: tuple[str, dict[str, Any] | str] | ToolCallPlan) -> Reply:
        """A reply that calls tools: `Reply.calls(("get_weather", {"city": "Paris"}))`."""
        plans = tuple(c if isinstance(c, ToolCallPlan) else ToolCallPlan(*c) for c in calls)
        return cls(tool_calls=plans)


@attrs.frozen
class ModelContext:
    """What the model sees: the thread's messages, the run, and tool outputs so far."""

    messages: Sequence[dict[str, Any]]
    run: dict[str, Any]
    function_names: frozenset[str]
    tool_outputs: Sequence[tuple[str, str, str]] = ()  # (tool name, arguments, output)
    round: int = 0

    @property
    def last_user_text(self) -> str:
        """The text of the latest user message ("" when there is none)."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return "".join(
                    part["text"]["value"]
                    for part in message.get("content", [])
                    if part.get("type") == "text"
                )
        return ""


# A runtime alias (it is used in isinstance-free annotations only, but must import on 3.10).
Script = Union[Sequence[object], Callable[[ModelContext], Union[Reply, str]]]  # noqa: UP007
"""A list of replies (`Reply` or `str`, used in turn; the last repeats) or a callable.

List items are typed `object` so that `script = [Reply.calls(...), "text"]` (which a
type checker infers as `list[object]`) is accepted; each item is checked when the
server is built, with a `TypeError` naming the one that is neither.
"""


def default_model(context: ModelContext) -> Reply:
    """Echo, call the tool named in the message, or quote tool outputs (see module doc)."""
    if context.tool_outputs:
        quoted = "; ".join(f"{name} said {output}" for name, _, output in context.tool_outputs)
        return Reply(text=f"Tool results: {quoted}")
    text = context.last_user_text.strip()
    name, _, rest = text.partition(" ")
    if name in context.function_names:
        try:
            arguments = json.loads(rest) if rest.strip() else {}
        except ValueError:
            arguments = None
        if isinstance(arguments, dict):
            return Reply.calls((name, arguments))
    return Reply(text=f"Echo: {text}")


class ScriptedModel:
    """Turns a script (list or callable) into one reply per model turn."""

    def __init__(self, script: Script | None = None) -> None:
        if script is not None and not callable(script):
            for index, item in enumerate(script):
                if not isinstance(item, (Reply, str)):
                    raise TypeError(
                        f"script[{index}] is a {type(item).__name__}; a script lists Reply "
                        "objects or strings (or is a callable returning one)"
                    )
        self._script = script
        self._turn = 0

    def reply(self, context: ModelContext) -> Reply:
        """The next reply."""
        script = self._script
        if script is None:
            answer: Reply | str = default_model(context)
        elif callable(script):
            answer = script(context)
        else:
            if not script:
                raise ValueError("the mock model's script is empty")
            item = script[min(self._turn, len(script) - 1)]
            assert isinstance(item, (Reply, str))  # checked in __init__
            answer = item
        self._turn += 1
        return Reply(text=answer) if isinstance(answer, str) else answer
