"""Test kit: an embedded mock Assistants + Responses server, a scripted model, faults.

```python
from assistants_events.testing import MockAssistantsServer, Reply

async with MockAssistantsServer(script=[Reply.calls(("get_weather", {"city": "Paris"})),
                                        "It is sunny."]) as server:
    ...
```
"""

from __future__ import annotations

from .assistants_routes import ASSISTANTS_PARAMS, AssistantsRoutes
from .connect import connect
from .core import ServerCore, WireStyle
from .faults import Faults, HTTPFault
from .model import ModelContext, Reply, Script, ScriptedModel, ToolCallPlan, default_model
from .responses_routes import RESPONSES_PARAMS, ResponsesRoutes
from .server import MockAssistantsServer, MockServer

__all__ = [
    "ASSISTANTS_PARAMS",
    "RESPONSES_PARAMS",
    "AssistantsRoutes",
    "Faults",
    "HTTPFault",
    "MockAssistantsServer",
    "MockServer",
    "ModelContext",
    "Reply",
    "Script",
    "ResponsesRoutes",
    "ScriptedModel",
    "ServerCore",
    "ToolCallPlan",
    "WireStyle",
    "connect",
    "default_model",
]
