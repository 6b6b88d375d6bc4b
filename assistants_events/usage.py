"""Token usage summed across runs, by model and by assistant, with a budget alert."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from .assistants.models import Run, Usage

if TYPE_CHECKING:
    from .responses.models import Response

__all__ = ["BudgetExceeded", "UsageTracker", "add_usage"]


def add_usage(a: Usage | None, b: Usage | None) -> Usage | None:
    """The sum of two usages (None counts as nothing)."""
    if a is None:
        return b
    if b is None:
        return a
    return Usage(
        a.prompt_tokens + b.prompt_tokens,
        a.completion_tokens + b.completion_tokens,
        a.total_tokens + b.total_tokens,
    )


@attrs.frozen
class BudgetExceeded:
    """What the alert callback receives: the budget, the new total, the run (or
    response) that crossed it."""

    budget: int
    total_tokens: int
    run: Run | Response


class UsageTracker:
    """Sums the usage of every finished run or response it is given, once each.

    Plug it into the client (`AssistantsClient(usage_tracker=tracker)`): both drivers
    record each run / response that reaches a terminal status (a response's input and
    output tokens count as prompt and completion tokens; responses count under the
    assistant `"responses"`).  When the total crosses `budget_tokens`, `on_budget` is
    called once with a `BudgetExceeded`.
    """

    def __init__(
        self,
        budget_tokens: int | None = None,
        on_budget: Callable[[BudgetExceeded], Any] | None = None,
    ) -> None:
        self.budget_tokens = budget_tokens
        self.on_budget = on_budget
        self.total: Usage = Usage()
        self.by_model: dict[str, Usage] = {}
        self.by_assistant: dict[str, Usage] = {}
        self._seen: set[str] = set()
        self._alerted = False

    def record(self, run: Run) -> bool:
        """Count a run's usage; False if it has none or was counted already."""
        if run.usage is None:
            return False
        return self._count(run.id, run.usage, run.model, run.assistant_id or "unknown", run)

    def record_response(self, response: Response) -> bool:
        """Count a response's usage; False if it has none or was counted already."""
        usage = response.usage
        if usage is None:
            return False
        as_usage = Usage(usage.input_tokens, usage.output_tokens, usage.total_tokens)
        return self._count(response.id, as_usage, response.model, "responses", response)

    def _count(
        self, key: str, usage: Usage, model: str | None, assistant: str, source: Run | Response
    ) -> bool:
        if key in self._seen:
            return False
        self._seen.add(key)
        self.total = add_usage(self.total, usage) or usage
        model = model or "unknown"
        self.by_model[model] = add_usage(self.by_model.get(model), usage) or usage
        self.by_assistant[assistant] = add_usage(self.by_assistant.get(assistant), usage) or usage
        budget = self.budget_tokens
        if budget is not None and not self._alerted and self.total.total_tokens > budget:
            self._alerted = True
            if self.on_budget is not None:
                self.on_budget(BudgetExceeded(budget, self.total.total_tokens, source))
        return True
