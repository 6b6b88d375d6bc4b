"""Typed models of the Responses API objects and stream event payloads.

Frozen, slotted attrs classes whose field names mirror the API's JSON.  Fields the
API may omit default to `None` (or an empty list); keys this library does not
know are ignored (the event's `json` still has them).  Output items are told apart
by their `type`: an item type newer than this library becomes an `UnknownItem`
holding the raw JSON, and an unknown content part or annotation stays a plain
dict, so a new server feature never breaks an old client.

Statuses.  The API documents closed sets of statuses, and the aliases below
(`ResponseStatus`, `ItemStatus`) spell them out as `Literal`s for readers and
type checkers, joined with `str`: genuine servers add statuses before any schema
lists them, and a status we do not know must still decode (the lifecycle checker
reports it; it never fails structuring).  Compare with the literal values; do
not assume the set is closed.  `status` is optional on items: genuine streams
carry items without one.

Structuring lives in `convert`.
"""

from __future__ import annotations

from typing import Any, Literal, Union

import attrs

JSON = dict[str, Any]

ResponseStatus = Union[
    Literal["queued", "in_progress", "completed", "failed", "incomplete", "cancelled"], str
]
"""A response's status: the documented values, or a newer one (a plain string)."""

ItemStatus = Union[
    Literal[
        "in_progress", "searching", "interpreting", "generating", "calling",
        "completed", "incomplete", "failed",
    ],
    str,
]  # fmt: skip
"""An output item's status: the documented values, or a newer one (a plain string)."""

# ------------------------------------------------------------------------- usage


@attrs.frozen
class InputTokensDetails:
    """How many input tokens came from the prompt cache."""

    cached_tokens: int = 0


@attrs.frozen
class OutputTokensDetails:
    """How many output tokens the model spent reasoning."""

    reasoning_tokens: int = 0


@attrs.frozen
class ResponseUsage:
    """Token counts of one response; `a + b` sums two (a tool loop's responses)."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_tokens_details: InputTokensDetails = InputTokensDetails()
    output_tokens_details: OutputTokensDetails = OutputTokensDetails()

    def __add__(self, other: ResponseUsage) -> ResponseUsage:
        if not isinstance(other, ResponseUsage):
            return NotImplemented
        return ResponseUsage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.total_tokens + other.total_tokens,
            InputTokensDetails(
                self.input_tokens_details.cached_tokens + other.input_tokens_details.cached_tokens
            ),
            OutputTokensDetails(
                self.output_tokens_details.reasoning_tokens
                + other.output_tokens_details.reasoning_tokens
            ),
        )


# ---------------------------------------------------------- annotations and parts


@attrs.frozen
class FileCitation:
    """A citation of an uploaded file (file_search)."""

    type: Literal["file_citation"]
    file_id: str
    index: int | None = None
    filename: str | None = None


@attrs.frozen
class UrlCitation:
    """A citation of a web page (web_search)."""

    type: Literal["url_citation"]
    url: str
    title: str | None = None
    start_index: int | None = None
    end_index: int | None = None


@attrs.frozen
class ContainerFileCitation:
    """A citation of a file in a code-interpreter container."""

    type: Literal["container_file_citation"]
    container_id: str
    file_id: str
    filename: str | None = None
    start_index: int | None = None
    end_index: int | None = None


@attrs.frozen
class FilePath:
    """A file the model produced (code interpreter)."""

    type: Literal["file_path"]
    file_id: str
    index: int | None = None


Annotation = Union[FileCitation, UrlCitation, ContainerFileCitation, FilePath, JSON]


@attrs.frozen
class OutputText:
    """Text the model wrote, with its annotations."""

    type: Literal["output_text"]
    text: str
    annotations: list[Annotation] = attrs.field(factory=list)
    logprobs: list[Any] | None = None


@attrs.frozen
class Refusal:
    """The model's refusal to answer."""

    type: Literal["refusal"]
    refusal: str


@attrs.frozen
class ReasoningText:
    """Raw reasoning text (reasoning models that expose it)."""

    type: Literal["reasoning_text"]
    text: str


@attrs.frozen
class SummaryText:
    """One part of a reasoning summary."""

    type: Literal["summary_text"]
    text: str


MessageContent = Union[OutputText, Refusal, JSON]
ContentPart = Union[OutputText, Refusal, ReasoningText, JSON]
SummaryPart = Union[SummaryText, JSON]
ReasoningContent = Union[ReasoningText, JSON]

# ------------------------------------------------------------------ output items


@attrs.frozen
class OutputMessage:
    """An assistant message: output text and refusal parts."""

    type: Literal["message"]
    id: str
    content: list[MessageContent] = attrs.field(factory=list)
    role: str = "assistant"
    status: ItemStatus | None = None
    phase: str | None = None

    @property
    def text(self) -> str:
        """The message's output text, parts joined."""
        return "".join(p.text for p in self.content if isinstance(p, OutputText))


@attrs.frozen
class FunctionCall:
    """A call of one of your functions: answer it with a `function_call_output` for `call_id`."""

    type: Literal["function_call"]
    call_id: str
    name: str
    arguments: str = ""
    id: str | None = None
    status: ItemStatus | None = None
    namespace: str | None = None


@attrs.frozen
class CustomToolCall:
    """A call of a custom (free-form input) tool."""

    type: Literal["custom_tool_call"]
    call_id: str
    name: str
    input: str = ""
    id: str | None = None
    status: ItemStatus | None = None
    namespace: str | None = None


@attrs.frozen
class ReasoningItem:
    """The model's reasoning: summary parts, raw content where exposed, or encrypted."""

    type: Literal["reasoning"]
    id: str
    summary: list[SummaryPart] = attrs.field(factory=list)
    content: list[ReasoningContent] | None = None
    encrypted_content: str | None = None
    status: ItemStatus | None = None

    @property
    def summary_text(self) -> str:
        """The summary parts' text, separated by blank lines."""
        return "\n\n".join(p.text for p in self.summary if isinstance(p, SummaryText))


@attrs.frozen
class FileSearchCall:
    """A file_search tool call run by the server."""

    type: Literal["file_search_call"]
    id: str
    queries: list[str] = attrs.field(factory=list)
    status: ItemStatus | None = None
    results: list[JSON] | None = None


@attrs.frozen
class WebSearchCall:
    """A web_search tool call run by the server."""

    type: Literal["web_search_call"]
    id: str
    status: ItemStatus | None = None
    action: JSON | None = None


@attrs.frozen
class CodeInterpreterCall:
    """A code_interpreter tool call run by the server: its code and outputs."""

    type: Literal["code_interpreter_call"]
    id: str
    status: ItemStatus | None = None
    code: str | None = None
    container_id: str | None = None
    outputs: list[JSON] | None = None


@attrs.frozen
class ImageGenerationCall:
    """An image_generation tool call: `result` is the base64 image once done."""

    type: Literal["image_generation_call"]
    id: str
    status: ItemStatus | None = None
    result: str | None = None
    revised_prompt: str | None = None
    size: str | None = None
    quality: str | None = None
    output_format: str | None = None
    background: str | None = None


@attrs.frozen
class McpCall:
    """A call of a tool on a remote MCP server, run by the API."""

    type: Literal["mcp_call"]
    id: str
    name: str
    server_label: str
    arguments: str = ""
    output: str | None = None
    error: Any = None
    status: ItemStatus | None = None
    approval_request_id: str | None = None


@attrs.frozen
class McpListTools:
    """The tools an MCP server offers."""

    type: Literal["mcp_list_tools"]
    id: str
    server_label: str
    tools: list[JSON] = attrs.field(factory=list)
    error: str | None = None
    status: ItemStatus | None = None


@attrs.frozen
class McpApprovalRequest:
    """The API asks for approval before calling an MCP tool."""

    type: Literal["mcp_approval_request"]
    id: str
    name: str
    server_label: str
    arguments: str = ""
    status: ItemStatus | None = None


@attrs.frozen
class UnknownItem:
    """An output item of a type this library does not model; `raw` is its JSON."""

    type: str
    raw: JSON
    id: str | None = None
    status: ItemStatus | None = None


OutputItem = Union[
    OutputMessage, FunctionCall, CustomToolCall, ReasoningItem, FileSearchCall,
    WebSearchCall, CodeInterpreterCall, ImageGenerationCall, McpCall, McpListTools,
    McpApprovalRequest, UnknownItem,
]  # fmt: skip
"""Every output item; `UnknownItem` for types newer than this library."""

KNOWN_ITEMS: tuple[type[Any], ...] = (
    OutputMessage, FunctionCall, CustomToolCall, ReasoningItem, FileSearchCall,
    WebSearchCall, CodeInterpreterCall, ImageGenerationCall, McpCall, McpListTools,
    McpApprovalRequest,
)  # fmt: skip

# ---------------------------------------------------------------------- response


@attrs.frozen
class ResponseError:
    """Why a response failed."""

    message: str | None = None
    code: str | None = None
    type: str | None = None
    param: str | None = None


@attrs.frozen
class IncompleteDetails:
    """Why a response ended `incomplete` (e.g. `max_output_tokens`)."""

    reason: str | None = None


@attrs.frozen
class Conversation:
    """The conversation a response belongs to."""

    id: str


@attrs.frozen
class Response:
    """A model response: its status, output items and usage (`response.*` events)."""

    id: str
    object: str = "response"
    status: ResponseStatus | None = None
    model: str | None = None
    created_at: float | None = None
    completed_at: float | None = None
    output: list[OutputItem] = attrs.field(factory=list)
    usage: ResponseUsage | None = None
    error: ResponseError | None = None
    incomplete_details: IncompleteDetails | None = None
    previous_response_id: str | None = None
    conversation: Conversation | None = None
    background: bool | None = None
    instructions: Any = None
    metadata: JSON | None = None
    parallel_tool_calls: bool | None = None
    tool_choice: Any = None
    tools: list[JSON] = attrs.field(factory=list)
    temperature: float | None = None
    top_p: float | None = None
    max_output_tokens: int | None = None
    max_tool_calls: int | None = None
    reasoning: JSON | None = None
    text: JSON | None = None
    truncation: str | None = None
    service_tier: str | None = None
    store: bool | None = None
    user: str | None = None
    safety_identifier: str | None = None
    prompt_cache_key: str | None = None
    prompt_cache_retention: str | None = None
    top_logprobs: int | None = None
    prompt: JSON | None = None
    moderation: JSON | None = None
    tool_usage: Any = None
    image: Any = None
    input_transformations: list[Any] | None = None
    prompt_cache_options: Any = None
    prompt_cache_diagnostics: Any = None
    access_programs: Any = None

    @property
    def output_text(self) -> str:
        """The output text of every message item, in order (like the SDK's property)."""
        return "".join(i.text for i in self.output if isinstance(i, OutputMessage))

    @property
    def function_calls(self) -> list[FunctionCall]:
        """The function calls the response asks you to answer, in output order."""
        return [i for i in self.output if isinstance(i, FunctionCall)]


# ---------------------------------------------------------------- event payloads


@attrs.frozen
class ResponseEvent:
    """`response.created|queued|in_progress|completed|failed|incomplete`."""

    type: str
    response: Response
    sequence_number: int | None = None


@attrs.frozen
class OutputItemEvent:
    """`response.output_item.added|done`: the item as it stands."""

    type: str
    output_index: int
    item: OutputItem
    sequence_number: int | None = None


@attrs.frozen
class ContentPartEvent:
    """`response.content_part.added|done`: a part of a message item."""

    type: str
    item_id: str
    output_index: int
    content_index: int
    part: ContentPart
    sequence_number: int | None = None


@attrs.frozen
class OutputTextDeltaEvent:
    """`response.output_text.delta`: a piece of text for (item_id, content_index)."""

    type: str
    item_id: str
    output_index: int
    content_index: int
    delta: str
    logprobs: list[Any] | None = None
    sequence_number: int | None = None
    obfuscation: str | None = None


@attrs.frozen
class OutputTextDoneEvent:
    """`response.output_text.done`: the part's full text."""

    type: str
    item_id: str
    output_index: int
    content_index: int
    text: str
    logprobs: list[Any] | None = None
    sequence_number: int | None = None


@attrs.frozen
class OutputTextAnnotationAddedEvent:
    """`response.output_text.annotation.added`."""

    type: str
    item_id: str
    output_index: int
    content_index: int
    annotation_index: int
    annotation: Annotation | None = None
    sequence_number: int | None = None


@attrs.frozen
class ContentDeltaEvent:
    """`response.refusal.delta`, `response.reasoning_text.delta`: a piece for a content part."""

    type: str
    item_id: str
    output_index: int
    content_index: int
    delta: str
    sequence_number: int | None = None
    obfuscation: str | None = None


@attrs.frozen
class RefusalDoneEvent:
    """`response.refusal.done`: the full refusal."""

    type: str
    item_id: str
    output_index: int
    content_index: int
    refusal: str
    sequence_number: int | None = None


@attrs.frozen
class ReasoningTextDoneEvent:
    """`response.reasoning_text.done`: the full reasoning text of a content part."""

    type: str
    item_id: str
    output_index: int
    content_index: int
    text: str
    sequence_number: int | None = None


@attrs.frozen
class ReasoningSummaryPartEvent:
    """`response.reasoning_summary_part.added|done`."""

    type: str
    item_id: str
    output_index: int
    summary_index: int
    part: SummaryPart
    sequence_number: int | None = None
    status: str | None = None


@attrs.frozen
class ReasoningSummaryTextDeltaEvent:
    """`response.reasoning_summary_text.delta`: a piece for (item_id, summary_index)."""

    type: str
    item_id: str
    output_index: int
    summary_index: int
    delta: str
    sequence_number: int | None = None
    obfuscation: str | None = None


@attrs.frozen
class ReasoningSummaryTextDoneEvent:
    """`response.reasoning_summary_text.done`: the summary part's full text."""

    type: str
    item_id: str
    output_index: int
    summary_index: int
    text: str
    sequence_number: int | None = None


@attrs.frozen
class ItemDeltaEvent:
    """A piece of an item's single text field: function-call or MCP arguments,
    custom-tool input, code-interpreter code."""

    type: str
    item_id: str
    output_index: int
    delta: str
    sequence_number: int | None = None
    obfuscation: str | None = None


@attrs.frozen
class ArgumentsDoneEvent:
    """`response.function_call_arguments.done`, `response.mcp_call_arguments.done`."""

    type: str
    item_id: str
    output_index: int
    arguments: str
    sequence_number: int | None = None
    name: str | None = None


@attrs.frozen
class CustomToolCallInputDoneEvent:
    """`response.custom_tool_call_input.done`: the full input."""

    type: str
    item_id: str
    output_index: int
    input: str
    sequence_number: int | None = None


@attrs.frozen
class CodeDoneEvent:
    """`response.code_interpreter_call_code.done`: the full code."""

    type: str
    item_id: str
    output_index: int
    code: str
    sequence_number: int | None = None


@attrs.frozen
class ItemProgressEvent:
    """A built-in tool's progress (`response.web_search_call.searching`, ...)."""

    type: str
    item_id: str
    output_index: int
    sequence_number: int | None = None


@attrs.frozen
class ImagePartialEvent:
    """`response.image_generation_call.partial_image`: a preview, base64."""

    type: str
    item_id: str
    output_index: int
    partial_image_index: int
    partial_image_b64: str
    sequence_number: int | None = None


@attrs.frozen
class ShellCallCommandEvent:
    """`response.shell_call_command.added|delta|done`."""

    type: str
    output_index: int
    command_index: int
    command: str | None = None
    delta: str | None = None
    sequence_number: int | None = None


@attrs.frozen
class ShellCallOutputContentEvent:
    """`response.shell_call_output_content.delta|done`."""

    type: str
    item_id: str
    output_index: int
    command_index: int
    delta: Any = None
    output: list[Any] | None = None
    sequence_number: int | None = None


@attrs.frozen
class AudioEvent:
    """`response.audio.delta|done`, `response.audio.transcript.delta|done`."""

    type: str
    delta: str | None = None
    sequence_number: int | None = None


@attrs.frozen
class ErrorEvent:
    """The `error` event, flat (`{"type": "error", "message": ...}`) or nested
    (`{"type": "error", "error": {...}}`, as genuine servers send it): either way
    `message`, `code`, `param` and the error's own `type` are read here."""

    message: str | None = None
    code: str | None = None
    param: str | None = None
    type: str | None = None
    sequence_number: int | None = None
