"""Foundry agent: the weather bot and an MCP approval on Azure AI Foundry classic agents.

    python examples/foundry_agent.py        # offline: the Foundry mock over HTTPS
    python examples/foundry_agent.py \\
        --endpoint https://<resource>.services.ai.azure.com/api/projects/<project> \\
        --model gpt-4o [--mcp-url https://gitmcp.io/Azure/azure-rest-api-specs]

With --endpoint it signs in with azure-identity's DefaultAzureCredential
(`pip install 'assistants-events[azure]'`, then `az login` or any other source the
credential knows).  The same `WeatherBot` as `weather_bot.py` answers the function
calls; `approve_tool_calls` decides which MCP calls may reach their server.
Foundry's classic agents retire on 2027-03-31: the Responses protocol is the way on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import assistants_events as ae
from assistants_events.testing import MockAssistantsServer

sys.path.insert(0, str(Path(__file__).parent))  # the sibling example, weather_bot.py
from weather_bot import WeatherBot, forecaster

# Which MCP tools may run, per server: everything else is denied (and logged).
ALLOWED = {"github": {"search_azure_rest_api_docs", "fetch_azure_rest_api_docs"}}


class FoundryBot(WeatherBot):
    """The weather bot, plus an approval policy for the agent's MCP calls."""

    async def approve_tool_calls(self, run: ae.Run) -> list[ae.ToolApproval]:
        answers = []
        for call in run.approval_calls:
            allowed = call.name in ALLOWED.get(call.server_label or "", set())
            verdict = self.paint("approved", "32") if allowed else self.paint("denied", "31")
            self.out.write(f"  ? {call.server_label}.{call.name}({call.arguments}) {verdict}\n")
            answers.append(ae.ToolApproval(call.id, approve=allowed))
        return answers


@contextlib.asynccontextmanager
async def foundry_client(endpoint: str | None) -> AsyncIterator[ae.AssistantsClient]:
    """A client of the given project (DefaultAzureCredential), or of the Foundry mock."""
    if endpoint is not None:
        from azure.identity.aio import DefaultAzureCredential

        async with (
            DefaultAzureCredential() as credential,
            ae.AssistantsClient.foundry(endpoint, credential) as client,
        ):
            yield client
        return
    async with (
        MockAssistantsServer(flavor="foundry", tls=True, script=forecaster) as mock,
        ae.AssistantsClient.foundry(
            mock.url, "mock-token", ssl_context=mock.client_ssl_context()
        ) as c,
    ):
        yield c


async def ask(client: ae.AssistantsClient, bot: FoundryBot, agent: Any, prompt: str) -> str:
    print(bot.paint(f"you: {prompt}", "1"))
    result = await bot.run(client, assistant_id=agent.id,
                           messages=[{"role": "user", "content": prompt}])  # fmt: skip
    return result.run.status if result.run is not None else "no run"


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", help="a Foundry project endpoint (default: the mock)")
    parser.add_argument("--model", default="gpt-4o", help="a model deployment of the project")
    parser.add_argument("--mcp-url", help="an MCP server for the approval demo (mock: none)")
    parser.add_argument("--no-color", action="store_true")
    args = parser.parse_args(argv)
    bot = FoundryBot(color=False if args.no_color else None)
    mcp_url = args.mcp_url or (None if args.endpoint else "https://example.invalid/mcp")
    tools: list[Any] = list(bot.tool_definitions())
    if mcp_url:
        tools.append({"type": "mcp", "server_label": "github", "server_url": mcp_url})
    statuses = []
    async with foundry_client(args.endpoint) as client:
        agent = await client.create_assistant(
            args.model, name="Foundry weather bot", tools=tools,
            instructions="Answer with the get_weather tool; use the github MCP tools for docs.",
        )  # fmt: skip
        try:
            statuses.append(await ask(client, bot, agent, "What's the weather in Paris and Oslo?"))
            if mcp_url:
                prompt = (
                    'search_azure_rest_api_docs {"query": "agents"}'
                    if args.endpoint is None
                    else "Search the Azure REST API docs for the agents threads API."
                )
                statuses.append(await ask(client, bot, agent, prompt))
        finally:
            await client.delete_assistant(agent.id)
    return 0 if all(s == "completed" for s in statuses) else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(asyncio.run(main()))
