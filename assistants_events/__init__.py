"""assistants-events: an asyncio framework for OpenAI-style assistant streams.

Two protocols, one handler model: the Assistants protocol (threads / runs / steps /
messages) and the Responses protocol; see `assistants_events.assistants` and
`assistants_events.responses`.

```python
import assistants_events as ae

class Bot(ae.EventHandler):
    @ae.on("thread.message.delta")
    async def print_text(self, event: ae.Event) -> None:
        print(event.text_delta or "", end="")
```
"""

from __future__ import annotations

from . import assistants, responses
from .assistants import models, names
from .assistants.foundry import FoundryAuth, ToolApproval
from .assistants.lifecycle import (
    MESSAGE_TRANSITIONS,
    RUN_TRANSITIONS,
    STEP_TRANSITIONS,
    TERMINAL,
    Lifecycle,
)
from .assistants.models import (
    Assistant,
    Message,
    MessageDelta,
    Run,
    RunStep,
    RunStepDelta,
    Thread,
    Usage,
)
from .assistants.names import *  # noqa: F403 - the event-name constants
from .assistants.runner import ToolOutputError, run, run_new_thread
from .client import AssistantsClient, Page, RunStream
from .dispatch import Router, UnknownEventWarning, on
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AssistantsEventsError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    ErrorObject,
    EventDecodeError,
    EventTooLarge,
    HandlerError,
    IncompleteStream,
    InternalServerError,
    InvalidTransition,
    LifecycleError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    RequestOutcomeUnknown,
    RouterError,
    RunNotStarted,
    SSEError,
    StreamError,
    StreamTimeout,
    ToolDefinitionError,
    UnprocessableEntityError,
)
from .events import Event, EventType
from .handler import EventHandler
from .lifecycle import Policy, Quirk, Violation
from .protocol import Protocol, StreamState
from .responses import ITEM_TRANSITIONS, RESPONSE_EVENTS, RESPONSE_TRANSITIONS
from .result import StreamResult
from .sse import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent, SSEDecoder, parse_sse
from .tool_calls import ToolCallRequest, ToolOutput
from .tool_schema import ToolSpec, tool
from .usage import BudgetExceeded, UsageTracker

__version__ = "0.1.0"

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "Assistant",
    "AssistantsClient",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceeded",
    "ConfigurationError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PaginationError",
    "RequestOutcomeUnknown",
    "RunNotStarted",
    "Page",
    "PermissionDeniedError",
    "QuotaExceededError",
    "RateLimitError",
    "RunStream",
    "StreamTimeout",
    "ToolOutputError",
    "UnprocessableEntityError",
    "UsageTracker",
    "run",
    "run_new_thread",
    "DEFAULT_MAX_EVENT_SIZE",
    "MESSAGE_TRANSITIONS",
    "RUN_TRANSITIONS",
    "STEP_TRANSITIONS",
    "TERMINAL",
    "AssistantsEventsError",
    "ErrorObject",
    "FoundryAuth",
    "Event",
    "EventDecodeError",
    "EventHandler",
    "EventTooLarge",
    "HandlerError",
    "IncompleteStream",
    "InvalidTransition",
    "Lifecycle",
    "LifecycleError",
    "Message",
    "MessageDelta",
    "Router",
    "RouterError",
    "Run",
    "RunStep",
    "RunStepDelta",
    "SSEDecoder",
    "SSEError",
    "ServerSentEvent",
    "StreamError",
    "StreamResult",
    "Thread",
    "ToolCallRequest",
    "ToolDefinitionError",
    "ToolApproval",
    "ToolOutput",
    "ToolSpec",
    "Usage",
    "Violation",
    "Quirk",
    "Policy",
    "Protocol",
    "StreamState",
    "EventType",
    "UnknownEventWarning",
    "assistants",
    "responses",
    "RESPONSE_EVENTS",
    "RESPONSE_TRANSITIONS",
    "ITEM_TRANSITIONS",
    "models",
    "names",
    "on",
    "parse_sse",
    "tool",
    *names.__all__,
]
