"""Typed models of the Assistants API objects carried by stream events.

Frozen, slotted attrs classes whose field names mirror the API's JSON.  Fields the
API may omit default to `None`; unknown fields are ignored on input, and a part
whose `type` we do not know is kept as its plain decoded JSON (a `dict`), so a new
server feature never breaks an old client.  Structuring lives in `convert`.
"""

from __future__ import annotations

from typing import Any, Literal, Union

import attrs

from ..errors import ErrorObject as ErrorObject

JSON = dict[str, Any]

# ----------------------------------------------------------------- shared parts


@attrs.frozen
class PromptTokensDetails:
    """How the prompt tokens break down: `cached_tokens` served from the prompt cache."""

    cached_tokens: int | None = None


@attrs.frozen
class CompletionTokensDetails:
    """How the completion tokens break down: `reasoning_tokens` spent thinking."""

    reasoning_tokens: int | None = None


@attrs.frozen
class Usage:
    """Token counts of a run or a run step.

    The details arrive as `prompt_token_details` on Assistants servers (api.openai.com
    and Azure, 2025) and as `prompt_tokens_details` elsewhere; both are kept, and
    `cached_tokens` reads whichever came.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_token_details: PromptTokensDetails | None = None
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None

    @property
    def cached_tokens(self) -> int | None:
        """Prompt tokens served from the cache, if the server said."""
        details = self.prompt_token_details or self.prompt_tokens_details
        return details.cached_tokens if details is not None else None

    @property
    def reasoning_tokens(self) -> int | None:
        """Completion tokens spent on reasoning, if the server said."""
        details = self.completion_tokens_details
        return details.reasoning_tokens if details is not None else None


@attrs.frozen
class LastError:
    """Why a run or step failed."""

    code: str
    message: str


@attrs.frozen
class IncompleteDetails:
    """Why a run or message ended `incomplete`."""

    reason: str | None = None


@attrs.frozen
class FunctionDefinition:
    """A function the assistant may call: name, description and JSON schema."""

    name: str
    description: str | None = None
    parameters: JSON | None = None
    strict: bool | None = None


@attrs.frozen
class FunctionTool:
    type: Literal["function"]
    function: FunctionDefinition


@attrs.frozen
class CodeInterpreterTool:
    type: Literal["code_interpreter"]


@attrs.frozen
class FileSearchTool:
    type: Literal["file_search"]
    file_search: JSON | None = None


Tool = Union[FunctionTool, CodeInterpreterTool, FileSearchTool, JSON]

# ------------------------------------------------------------------------ runs


@attrs.frozen
class FunctionCall:
    """The function and JSON-encoded arguments of a tool call the run waits for."""

    name: str
    arguments: str


@attrs.frozen
class RequiredActionToolCall:
    id: str
    type: Literal["function"]
    function: FunctionCall


@attrs.frozen
class SubmitToolOutputs:
    tool_calls: list[RequiredActionToolCall]


@attrs.frozen
class RequiredAction:
    """What a `requires_action` run waits for: outputs for these tool calls."""

    type: Literal["submit_tool_outputs"]
    submit_tool_outputs: SubmitToolOutputs


@attrs.frozen
class ToolApprovalCall:
    """A tool call the run asks to have approved before it runs (Azure MCP: `type="mcp"`).

    `name`, `arguments` (JSON-encoded) and `server_label` sit at the top level of
    the call, not under `function`.
    """

    id: str
    type: str
    name: str | None = None
    arguments: str | None = None
    server_label: str | None = None


@attrs.frozen
class SubmitToolApproval:
    tool_calls: list[ToolApprovalCall] = attrs.field(factory=list)


@attrs.frozen
class SubmitToolApprovalAction:
    """What a `requires_action` run waits for: approval (or not) of these tool calls.

    Azure AI Foundry agents send it for MCP tools with `require_approval`.
    """

    type: Literal["submit_tool_approval"]
    submit_tool_approval: SubmitToolApproval


AnyRequiredAction = Union[RequiredAction, SubmitToolApprovalAction, JSON]
"""A run's `required_action`: an action this library knows, or the plain JSON of a newer one."""


RunStatus = Union[
    Literal[
        "queued", "in_progress", "requires_action", "cancelling", "cancelled", "failed",
        "completed", "incomplete", "expired",
    ],
    str,
]  # fmt: skip
"""A run's status: the documented values, or a newer one (a plain string)."""

StepStatus = Union[Literal["in_progress", "cancelled", "failed", "completed", "expired"], str]
"""A run step's status: the documented values, or a newer one (a plain string)."""

MessageStatus = Union[Literal["in_progress", "incomplete", "completed"], str]
"""A message's status: the documented values, or a newer one (a plain string)."""


@attrs.frozen
class Run:
    """A run of an assistant on a thread (`thread.run.*` events)."""

    id: str
    status: RunStatus
    thread_id: str
    object: str = "thread.run"
    created_at: int | None = None
    assistant_id: str | None = None
    started_at: int | None = None
    expires_at: int | None = None
    cancelled_at: int | None = None
    failed_at: int | None = None
    completed_at: int | None = None
    required_action: AnyRequiredAction | None = None
    last_error: LastError | None = None
    model: str | None = None
    instructions: str | None = None
    tools: list[Tool] = attrs.field(factory=list)
    metadata: dict[str, str] | None = None
    incomplete_details: IncompleteDetails | None = None
    usage: Usage | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_completion_tokens: int | None = None
    max_prompt_tokens: int | None = None
    truncation_strategy: JSON | None = None
    response_format: Any = None
    tool_choice: Any = None
    parallel_tool_calls: bool | None = None
    tool_resources: JSON | None = None
    reasoning_effort: str | None = None

    @property
    def tool_calls(self) -> list[RequiredActionToolCall]:
        """The tool calls whose outputs this run waits for (empty unless it waits for outputs)."""
        if isinstance(self.required_action, RequiredAction):
            return self.required_action.submit_tool_outputs.tool_calls
        return []

    @property
    def approval_calls(self) -> list[ToolApprovalCall]:
        """The tool calls this run waits to have approved (`submit_tool_approval`), else empty."""
        if isinstance(self.required_action, SubmitToolApprovalAction):
            return self.required_action.submit_tool_approval.tool_calls
        return []


@attrs.frozen
class Thread:
    """A conversation thread (`thread.created`)."""

    id: str
    object: str = "thread"
    created_at: int | None = None
    metadata: dict[str, str] | None = None
    tool_resources: JSON | None = None


# ------------------------------------------------------------------- run steps


@attrs.frozen
class MessageCreation:
    message_id: str


@attrs.frozen
class MessageCreationDetails:
    """A step that wrote a message."""

    type: Literal["message_creation"]
    message_creation: MessageCreation


@attrs.frozen
class FunctionCallDetails:
    name: str | None = None
    arguments: str = ""
    output: str | None = None


@attrs.frozen
class FunctionToolCall:
    id: str
    type: Literal["function"]
    function: FunctionCallDetails


@attrs.frozen
class CodeImage:
    file_id: str


@attrs.frozen
class CodeLogsOutput:
    type: Literal["logs"]
    logs: str


@attrs.frozen
class CodeImageOutput:
    type: Literal["image"]
    image: CodeImage


CodeOutput = Union[CodeLogsOutput, CodeImageOutput, JSON]


@attrs.frozen
class CodeInterpreterDetails:
    input: str = ""
    outputs: list[CodeOutput] = attrs.field(factory=list)


@attrs.frozen
class CodeInterpreterToolCall:
    id: str
    type: Literal["code_interpreter"]
    code_interpreter: CodeInterpreterDetails


@attrs.frozen
class FileSearchToolCall:
    id: str
    type: Literal["file_search"]
    file_search: JSON = attrs.field(factory=dict)


ToolCall = Union[FunctionToolCall, CodeInterpreterToolCall, FileSearchToolCall, JSON]


@attrs.frozen
class ToolCallsDetails:
    """A step that called tools."""

    type: Literal["tool_calls"]
    tool_calls: list[ToolCall] = attrs.field(factory=list)


StepDetails = Union[MessageCreationDetails, ToolCallsDetails, JSON]


@attrs.frozen
class RunStep:
    """One step of a run (`thread.run.step.*` events)."""

    id: str
    status: StepStatus
    step_details: StepDetails
    object: str = "thread.run.step"
    type: str | None = None
    created_at: int | None = None
    run_id: str | None = None
    assistant_id: str | None = None
    thread_id: str | None = None
    cancelled_at: int | None = None
    completed_at: int | None = None
    expired_at: int | None = None
    failed_at: int | None = None
    last_error: LastError | None = None
    usage: Usage | None = None
    metadata: dict[str, str] | None = None
    # When the step will expire (sent by api.openai.com and Azure); `expired_at` is when it did.
    expires_at: int | None = None

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The tool calls of a `tool_calls` step (empty for a message creation step)."""
        if isinstance(self.step_details, ToolCallsDetails):
            return self.step_details.tool_calls
        return []


# ---------------------------------------------------------------- step deltas


@attrs.frozen
class FunctionCallDelta:
    name: str | None = None
    arguments: str | None = None
    output: str | None = None


@attrs.frozen
class FunctionToolCallDelta:
    index: int
    type: Literal["function"]
    id: str | None = None
    function: FunctionCallDelta | None = None


@attrs.frozen
class CodeLogsOutputDelta:
    index: int
    type: Literal["logs"]
    logs: str | None = None


@attrs.frozen
class CodeImageOutputDelta:
    index: int
    type: Literal["image"]
    image: CodeImage | None = None


CodeOutputDelta = Union[CodeLogsOutputDelta, CodeImageOutputDelta, JSON]


@attrs.frozen
class CodeInterpreterDelta:
    input: str | None = None
    outputs: list[CodeOutputDelta] | None = None


@attrs.frozen
class CodeInterpreterToolCallDelta:
    index: int
    type: Literal["code_interpreter"]
    id: str | None = None
    code_interpreter: CodeInterpreterDelta | None = None


@attrs.frozen
class FileSearchToolCallDelta:
    index: int
    type: Literal["file_search"]
    id: str | None = None
    file_search: JSON | None = None


ToolCallDelta = Union[
    FunctionToolCallDelta, CodeInterpreterToolCallDelta, FileSearchToolCallDelta, JSON
]


@attrs.frozen
class ToolCallsDetailsDelta:
    type: Literal["tool_calls"]
    tool_calls: list[ToolCallDelta] | None = None


StepDetailsDelta = Union[MessageCreationDetails, ToolCallsDetailsDelta, JSON]


@attrs.frozen
class RunStepDeltaBody:
    step_details: StepDetailsDelta | None = None


@attrs.frozen
class RunStepDelta:
    """A piece of a run step (`thread.run.step.delta`)."""

    id: str
    delta: RunStepDeltaBody
    object: str = "thread.run.step.delta"


# -------------------------------------------------------------------- messages


@attrs.frozen
class FileCitation:
    file_id: str
    quote: str | None = None


@attrs.frozen
class FilePath:
    file_id: str


@attrs.frozen
class FileCitationAnnotation:
    type: Literal["file_citation"]
    text: str
    file_citation: FileCitation
    start_index: int
    end_index: int


@attrs.frozen
class FilePathAnnotation:
    type: Literal["file_path"]
    text: str
    file_path: FilePath
    start_index: int
    end_index: int


Annotation = Union[FileCitationAnnotation, FilePathAnnotation, JSON]


@attrs.frozen
class Text:
    value: str
    annotations: list[Annotation] = attrs.field(factory=list)


@attrs.frozen
class TextContent:
    type: Literal["text"]
    text: Text


@attrs.frozen
class ImageFile:
    file_id: str
    detail: str | None = None


@attrs.frozen
class ImageFileContent:
    type: Literal["image_file"]
    image_file: ImageFile


@attrs.frozen
class ImageURL:
    url: str
    detail: str | None = None


@attrs.frozen
class ImageURLContent:
    type: Literal["image_url"]
    image_url: ImageURL


@attrs.frozen
class RefusalContent:
    type: Literal["refusal"]
    refusal: str


Content = Union[TextContent, ImageFileContent, ImageURLContent, RefusalContent, JSON]


@attrs.frozen
class Attachment:
    file_id: str | None = None
    tools: list[JSON] = attrs.field(factory=list)


@attrs.frozen
class Message:
    """A message in a thread (`thread.message.*` events)."""

    id: str
    status: MessageStatus | None = None
    object: str = "thread.message"
    role: str = "assistant"
    content: list[Content] = attrs.field(factory=list)
    created_at: int | None = None
    thread_id: str | None = None
    assistant_id: str | None = None
    run_id: str | None = None
    attachments: list[Attachment] | None = None
    metadata: dict[str, str] | None = None
    incomplete_details: IncompleteDetails | None = None
    completed_at: int | None = None
    incomplete_at: int | None = None

    @property
    def text(self) -> str:
        """All text content of the message, concatenated."""
        return "".join(p.text.value for p in self.content if isinstance(p, TextContent))


# -------------------------------------------------------------- message deltas


@attrs.frozen
class FileCitationDelta:
    file_id: str | None = None
    quote: str | None = None


@attrs.frozen
class FilePathDelta:
    file_id: str | None = None


@attrs.frozen
class FileCitationAnnotationDelta:
    index: int
    type: Literal["file_citation"]
    text: str | None = None
    file_citation: FileCitationDelta | None = None
    start_index: int | None = None
    end_index: int | None = None


@attrs.frozen
class FilePathAnnotationDelta:
    index: int
    type: Literal["file_path"]
    text: str | None = None
    file_path: FilePathDelta | None = None
    start_index: int | None = None
    end_index: int | None = None


AnnotationDelta = Union[FileCitationAnnotationDelta, FilePathAnnotationDelta, JSON]


@attrs.frozen
class TextDelta:
    value: str | None = None
    annotations: list[AnnotationDelta] | None = None


@attrs.frozen
class TextDeltaBlock:
    index: int
    type: Literal["text"]
    text: TextDelta | None = None


@attrs.frozen
class ImageFileDelta:
    file_id: str | None = None
    detail: str | None = None


@attrs.frozen
class ImageFileDeltaBlock:
    index: int
    type: Literal["image_file"]
    image_file: ImageFileDelta | None = None


@attrs.frozen
class ImageURLDelta:
    url: str | None = None
    detail: str | None = None


@attrs.frozen
class ImageURLDeltaBlock:
    index: int
    type: Literal["image_url"]
    image_url: ImageURLDelta | None = None


@attrs.frozen
class RefusalDeltaBlock:
    index: int
    type: Literal["refusal"]
    refusal: str | None = None


ContentDelta = Union[
    TextDeltaBlock, ImageFileDeltaBlock, ImageURLDeltaBlock, RefusalDeltaBlock, JSON
]


@attrs.frozen
class MessageDeltaBody:
    role: str | None = None
    content: list[ContentDelta] | None = None


@attrs.frozen
class MessageDelta:
    """A piece of a message (`thread.message.delta`)."""

    id: str
    delta: MessageDeltaBody
    object: str = "thread.message.delta"


EventData = Union[Thread, Run, RunStep, RunStepDelta, Message, MessageDelta, ErrorObject]


@attrs.frozen
class Assistant:
    """An assistant: model, instructions and tools."""

    id: str
    object: str = "assistant"
    created_at: int | None = None
    name: str | None = None
    description: str | None = None
    model: str | None = None
    instructions: str | None = None
    tools: list[Tool] = attrs.field(factory=list)
    metadata: dict[str, str] | None = None
    temperature: float | None = None
    top_p: float | None = None
    response_format: Any = None
    tool_resources: JSON | None = None


@attrs.frozen
class Deleted:
    """The answer to a delete: which object, and whether it is gone."""

    id: str
    deleted: bool
    object: str = ""
