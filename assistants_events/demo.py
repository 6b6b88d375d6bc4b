"""The weather bot: streamed text and tool calls, against the embedded mock server.

`assistants-events demo` runs it, and so does `python examples/weather_bot.py`; it
ships inside the package so the demo works from an installed wheel. With no
`--base-url` a `MockAssistantsServer` is started whose scripted model asks for the
weather of the cities named in the prompt, then answers from the tool outputs.
The same bot speaks both protocols: `--api responses` (the default; OpenAI's live
API) or `--api assistants` (Azure Foundry classic agents, compatible servers).
"""

from __future__ import annotations

import argparse
import sys
from typing import Literal, TextIO

import assistants_events as ae
from assistants_events.cli import HelpFormatter
from assistants_events.testing import ModelContext, Reply, connect

__all__ = ["FORECASTS", "WeatherBot", "add_arguments", "forecaster", "main", "run"]

FORECASTS = {"paris": 18, "tokyo": 22, "oslo": 4}
DEFAULT_PROMPT = "What's the weather in Paris and Tokyo?"


class WeatherBot(ae.EventHandler):
    """Prints the answer as it streams, shows each tool call, ends with status and usage."""

    def __init__(self, out: TextIO | None = None, color: bool | None = None) -> None:
        self.out = sys.stdout if out is None else out
        self.color = self.out.isatty() if color is None else color

    def paint(self, text: str, code: str) -> str:
        """`text` in ANSI colour `code` when colour is on."""
        return f"\033[{code}m{text}\033[0m" if self.color else text

    @ae.tool
    async def get_weather(self, city: str, unit: Literal["c", "f"] = "c") -> str:
        """The current temperature in a city."""
        celsius = FORECASTS.get(city.lower())
        if celsius is None:
            return f"no forecast for {city}"
        value = celsius if unit == "c" else round(celsius * 9 / 5 + 32)
        return f"{value}°{unit.upper()} and clear in {city}"

    @ae.on("thread.message.delta", "response.output_text.delta")
    def print_text(self, event: ae.Event) -> None:
        """Write each piece of text as it arrives."""
        self.out.write(event.text_delta or "")
        self.out.flush()

    @ae.on("thread.message.completed", "response.output_text.done")
    def end_line(self, event: ae.Event) -> None:
        """End the message's line."""
        self.out.write("\n")

    async def call_tools(self, calls: list[ae.ToolCallRequest]) -> list[ae.ToolOutput]:
        """Answer the calls as usual (either protocol), and show each call with its output."""
        outputs = await super().call_tools(calls)
        for call, output in zip(calls, outputs, strict=True):
            line = f"  ⚙ {call.name}({call.arguments}) → {output.output}"
            self.out.write(self.paint(line, "36") + "\n")
        return outputs

    @ae.on("thread.run.completed", "thread.run.failed", "thread.run.expired",
           "thread.run.cancelled", "thread.run.incomplete")  # fmt: skip
    def summary(self, event: ae.Event) -> None:
        """The run's final status and token usage."""
        run: ae.Run = event.data
        usage = run.usage
        tokens = f"{usage.total_tokens} tokens ({usage.prompt_tokens} in, " \
                 f"{usage.completion_tokens} out)" if usage else "no usage reported"  # fmt: skip
        colour = "32" if run.status == "completed" else "31"
        self.out.write(self.paint(f"run {run.status}", colour) + f" · {tokens}\n")

    @ae.on("response.completed", "response.failed", "response.incomplete")
    def response_summary(self, event: ae.Event) -> None:
        """The final response's status and token usage (not one the tool loop goes on from)."""
        response = event.data.response
        if response.status == "completed" and response.function_calls:
            return  # the driver answers its calls: the next response tells the end
        usage = response.usage
        tokens = f"{usage.total_tokens} tokens ({usage.input_tokens} in, " \
                 f"{usage.output_tokens} out)" if usage else "no usage reported"  # fmt: skip
        colour = "32" if response.status == "completed" else "31"
        self.out.write(self.paint(f"response {response.status}", colour) + f" · {tokens}\n")


def forecaster(context: ModelContext) -> Reply:
    """The mock model: ask for each known city named in the question, then answer."""
    if context.tool_outputs:
        return Reply(
            text="Right now: " + "; ".join(out for _, _, out in context.tool_outputs) + "."
        )
    words = context.last_user_text.replace("?", " ").replace(",", " ").split()
    cities = [w for w in words if w.lower() in FORECASTS]
    if not cities:
        return Reply(text="Ask me about the weather in Paris, Tokyo or Oslo.")
    return Reply.calls(*[("get_weather", {"city": c}) for c in cities])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options, shared by `assistants-events demo` and the example script."""
    parser.add_argument("--api", choices=("responses", "assistants"), default="responses",
                        help="the protocol: OpenAI's Responses API, or the Assistants API "
                        "(Azure Foundry classic agents, compatible servers)")  # fmt: skip
    parser.add_argument("--base-url", help="a real server (default: embedded mock)")
    parser.add_argument("--api-key", help="the API key (default: $OPENAI_API_KEY)")
    parser.add_argument("--model", default="gpt-4o", help="the model that answers")
    parser.add_argument("--prompt", default=DEFAULT_PROMPT, help="what to ask")
    parser.add_argument("--no-color", action="store_true", help="never colour the output")


INSTRUCTIONS = "Answer with the get_weather tool."


async def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Ask the bot `args.prompt`; 0 when the response (or run) completed, else 1."""
    bot = WeatherBot(out, color=False if args.no_color else None)
    async with connect(args.base_url, args.api_key, script=forecaster) as client:
        bot.out.write(bot.paint(f"you: {args.prompt}", "1") + "\n")
        if getattr(args, "api", "responses") == "responses":
            answer = await bot.respond(client, model=args.model, input=args.prompt,
                                       instructions=INSTRUCTIONS)  # fmt: skip
            return 0 if answer.response is not None and answer.response.status == "completed" \
                else 1  # fmt: skip
        assistant = await client.create_assistant(
            args.model, name="Weather bot", instructions=INSTRUCTIONS,
            tools=bot.tool_definitions(),
        )  # fmt: skip
        result = await bot.run(
            client, assistant_id=assistant.id, messages=[{"role": "user", "content": args.prompt}]
        )
    return 0 if result.run is not None and result.run.status == "completed" else 1


async def main(argv: list[str] | None = None) -> int:
    """`python -m assistants_events.demo [options]`: parse `argv`, then `run`."""
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        formatter_class=HelpFormatter,
    )
    add_arguments(parser)
    return await run(parser.parse_args(argv))


if __name__ == "__main__":
    import asyncio
    import contextlib

    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(asyncio.run(main()))
