"""Test kit: an embedded mock Assistants server, a scripted model, fault injection.

```python
from assistants_events.testing import MockAssistantsServer, Reply

async with MockAssistantsServer(script=[Reply.calls(("get_weather", {"city": "Paris"})),
                                        "It is sunny."]) as server:
    ...
```
"""

from __future__ import annotations

from .connect import connect
from .faults import Faults, HTTPFault
from .model import ModelContext, Reply, Script, ScriptedModel, ToolCallPlan, default_model
from .server import MockAssistantsServer

__all__ = [
    "Faults",
    "HTTPFault",
    "MockAssistantsServer",
    "ModelContext",
    "Reply",
    "Script",
    "ScriptedModel",
    "ToolCallPlan",
    "connect",
    "default_model",
]
