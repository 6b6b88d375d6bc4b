"""The names of every Responses API stream event, as constants, and their groupings.

`RESPONSE_EVENTS` is exactly the `type` tags of the `openai` SDK's
`ResponseStreamEvent` union (a test keeps them equal).  `KEEPALIVE` is not among
them: genuine servers send it on long requests although no schema lists it.  The
groupings below are data the lifecycle checker and the accumulator read.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CONTENT_PART_EVENTS",
    "DELTA_EVENTS",
    "ERROR",
    "ITEM_EVENTS",
    "ITEM_STATUS_EVENTS",
    "KEEPALIVE",
    "RESPONSE_AUDIO_DELTA",
    "RESPONSE_AUDIO_DONE",
    "RESPONSE_AUDIO_TRANSCRIPT_DELTA",
    "RESPONSE_AUDIO_TRANSCRIPT_DONE",
    "RESPONSE_CODE_INTERPRETER_CALL_CODE_DELTA",
    "RESPONSE_CODE_INTERPRETER_CALL_CODE_DONE",
    "RESPONSE_CODE_INTERPRETER_CALL_COMPLETED",
    "RESPONSE_CODE_INTERPRETER_CALL_INTERPRETING",
    "RESPONSE_CODE_INTERPRETER_CALL_IN_PROGRESS",
    "RESPONSE_COMPACTION_COMPACTING",
    "RESPONSE_COMPLETED",
    "RESPONSE_CONTENT_PART_ADDED",
    "RESPONSE_CONTENT_PART_DONE",
    "RESPONSE_CREATED",
    "RESPONSE_CUSTOM_TOOL_CALL_INPUT_DELTA",
    "RESPONSE_CUSTOM_TOOL_CALL_INPUT_DONE",
    "RESPONSE_EVENTS",
    "RESPONSE_FAILED",
    "RESPONSE_FILE_SEARCH_CALL_COMPLETED",
    "RESPONSE_FILE_SEARCH_CALL_IN_PROGRESS",
    "RESPONSE_FILE_SEARCH_CALL_SEARCHING",
    "RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA",
    "RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE",
    "RESPONSE_IMAGE_GENERATION_CALL_COMPLETED",
    "RESPONSE_IMAGE_GENERATION_CALL_GENERATING",
    "RESPONSE_IMAGE_GENERATION_CALL_IN_PROGRESS",
    "RESPONSE_IMAGE_GENERATION_CALL_PARTIAL_IMAGE",
    "RESPONSE_INCOMPLETE",
    "RESPONSE_IN_PROGRESS",
    "RESPONSE_LIFECYCLE_EVENTS",
    "RESPONSE_MCP_CALL_ARGUMENTS_DELTA",
    "RESPONSE_MCP_CALL_ARGUMENTS_DONE",
    "RESPONSE_MCP_CALL_COMPLETED",
    "RESPONSE_MCP_CALL_FAILED",
    "RESPONSE_MCP_CALL_IN_PROGRESS",
    "RESPONSE_MCP_LIST_TOOLS_COMPLETED",
    "RESPONSE_MCP_LIST_TOOLS_FAILED",
    "RESPONSE_MCP_LIST_TOOLS_IN_PROGRESS",
    "RESPONSE_OUTPUT_ITEM_ADDED",
    "RESPONSE_OUTPUT_ITEM_DONE",
    "RESPONSE_OUTPUT_TEXT_ANNOTATION_ADDED",
    "RESPONSE_OUTPUT_TEXT_DELTA",
    "RESPONSE_OUTPUT_TEXT_DONE",
    "RESPONSE_QUEUED",
    "RESPONSE_REASONING_SUMMARY_PART_ADDED",
    "RESPONSE_REASONING_SUMMARY_PART_DONE",
    "RESPONSE_REASONING_SUMMARY_TEXT_DELTA",
    "RESPONSE_REASONING_SUMMARY_TEXT_DONE",
    "RESPONSE_REASONING_TEXT_DELTA",
    "RESPONSE_REASONING_TEXT_DONE",
    "RESPONSE_REFUSAL_DELTA",
    "RESPONSE_REFUSAL_DONE",
    "RESPONSE_SHELL_CALL_COMMAND_ADDED",
    "RESPONSE_SHELL_CALL_COMMAND_DELTA",
    "RESPONSE_SHELL_CALL_COMMAND_DONE",
    "RESPONSE_SHELL_CALL_OUTPUT_CONTENT_DELTA",
    "RESPONSE_SHELL_CALL_OUTPUT_CONTENT_DONE",
    "RESPONSE_WEB_SEARCH_CALL_COMPLETED",
    "RESPONSE_WEB_SEARCH_CALL_IN_PROGRESS",
    "RESPONSE_WEB_SEARCH_CALL_SEARCHING",
    "SUMMARY_PART_EVENTS",
    "TERMINAL_RESPONSE_EVENTS",
]

# ------------------------------------------------------------- the response itself
RESPONSE_CREATED: Final = "response.created"
RESPONSE_QUEUED: Final = "response.queued"
RESPONSE_IN_PROGRESS: Final = "response.in_progress"
RESPONSE_COMPLETED: Final = "response.completed"
RESPONSE_FAILED: Final = "response.failed"
RESPONSE_INCOMPLETE: Final = "response.incomplete"
ERROR: Final = "error"

# ----------------------------------------------------------- output items and parts
RESPONSE_OUTPUT_ITEM_ADDED: Final = "response.output_item.added"
RESPONSE_OUTPUT_ITEM_DONE: Final = "response.output_item.done"
RESPONSE_CONTENT_PART_ADDED: Final = "response.content_part.added"
RESPONSE_CONTENT_PART_DONE: Final = "response.content_part.done"

# ------------------------------------------------------------------------- text
RESPONSE_OUTPUT_TEXT_DELTA: Final = "response.output_text.delta"
RESPONSE_OUTPUT_TEXT_DONE: Final = "response.output_text.done"
RESPONSE_OUTPUT_TEXT_ANNOTATION_ADDED: Final = "response.output_text.annotation.added"
RESPONSE_REFUSAL_DELTA: Final = "response.refusal.delta"
RESPONSE_REFUSAL_DONE: Final = "response.refusal.done"

# --------------------------------------------------------------------- reasoning
RESPONSE_REASONING_SUMMARY_PART_ADDED: Final = "response.reasoning_summary_part.added"
RESPONSE_REASONING_SUMMARY_PART_DONE: Final = "response.reasoning_summary_part.done"
RESPONSE_REASONING_SUMMARY_TEXT_DELTA: Final = "response.reasoning_summary_text.delta"
RESPONSE_REASONING_SUMMARY_TEXT_DONE: Final = "response.reasoning_summary_text.done"
RESPONSE_REASONING_TEXT_DELTA: Final = "response.reasoning_text.delta"
RESPONSE_REASONING_TEXT_DONE: Final = "response.reasoning_text.done"

# ------------------------------------------------------------------ function calls
RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA: Final = "response.function_call_arguments.delta"
RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE: Final = "response.function_call_arguments.done"
RESPONSE_CUSTOM_TOOL_CALL_INPUT_DELTA: Final = "response.custom_tool_call_input.delta"
RESPONSE_CUSTOM_TOOL_CALL_INPUT_DONE: Final = "response.custom_tool_call_input.done"

# ------------------------------------------------------------------ built-in tools
RESPONSE_FILE_SEARCH_CALL_IN_PROGRESS: Final = "response.file_search_call.in_progress"
RESPONSE_FILE_SEARCH_CALL_SEARCHING: Final = "response.file_search_call.searching"
RESPONSE_FILE_SEARCH_CALL_COMPLETED: Final = "response.file_search_call.completed"
RESPONSE_WEB_SEARCH_CALL_IN_PROGRESS: Final = "response.web_search_call.in_progress"
RESPONSE_WEB_SEARCH_CALL_SEARCHING: Final = "response.web_search_call.searching"
RESPONSE_WEB_SEARCH_CALL_COMPLETED: Final = "response.web_search_call.completed"
RESPONSE_CODE_INTERPRETER_CALL_IN_PROGRESS: Final = "response.code_interpreter_call.in_progress"
RESPONSE_CODE_INTERPRETER_CALL_INTERPRETING: Final = "response.code_interpreter_call.interpreting"
RESPONSE_CODE_INTERPRETER_CALL_COMPLETED: Final = "response.code_interpreter_call.completed"
RESPONSE_CODE_INTERPRETER_CALL_CODE_DELTA: Final = "response.code_interpreter_call_code.delta"
RESPONSE_CODE_INTERPRETER_CALL_CODE_DONE: Final = "response.code_interpreter_call_code.done"
RESPONSE_IMAGE_GENERATION_CALL_IN_PROGRESS: Final = "response.image_generation_call.in_progress"
RESPONSE_IMAGE_GENERATION_CALL_GENERATING: Final = "response.image_generation_call.generating"
RESPONSE_IMAGE_GENERATION_CALL_PARTIAL_IMAGE: Final = "response.image_generation_call.partial_image"
RESPONSE_IMAGE_GENERATION_CALL_COMPLETED: Final = "response.image_generation_call.completed"
RESPONSE_MCP_CALL_IN_PROGRESS: Final = "response.mcp_call.in_progress"
RESPONSE_MCP_CALL_COMPLETED: Final = "response.mcp_call.completed"
RESPONSE_MCP_CALL_FAILED: Final = "response.mcp_call.failed"
RESPONSE_MCP_CALL_ARGUMENTS_DELTA: Final = "response.mcp_call_arguments.delta"
RESPONSE_MCP_CALL_ARGUMENTS_DONE: Final = "response.mcp_call_arguments.done"
RESPONSE_MCP_LIST_TOOLS_IN_PROGRESS: Final = "response.mcp_list_tools.in_progress"
RESPONSE_MCP_LIST_TOOLS_COMPLETED: Final = "response.mcp_list_tools.completed"
RESPONSE_MCP_LIST_TOOLS_FAILED: Final = "response.mcp_list_tools.failed"
RESPONSE_SHELL_CALL_COMMAND_ADDED: Final = "response.shell_call_command.added"
RESPONSE_SHELL_CALL_COMMAND_DELTA: Final = "response.shell_call_command.delta"
RESPONSE_SHELL_CALL_COMMAND_DONE: Final = "response.shell_call_command.done"
RESPONSE_SHELL_CALL_OUTPUT_CONTENT_DELTA: Final = "response.shell_call_output_content.delta"
RESPONSE_SHELL_CALL_OUTPUT_CONTENT_DONE: Final = "response.shell_call_output_content.done"
RESPONSE_COMPACTION_COMPACTING: Final = "response.compaction.compacting"

# ------------------------------------------------------------------------- audio
RESPONSE_AUDIO_DELTA: Final = "response.audio.delta"
RESPONSE_AUDIO_DONE: Final = "response.audio.done"
RESPONSE_AUDIO_TRANSCRIPT_DELTA: Final = "response.audio.transcript.delta"
RESPONSE_AUDIO_TRANSCRIPT_DONE: Final = "response.audio.transcript.done"

KEEPALIVE: Final = "keepalive"
"""A heartbeat genuine servers send on long requests; in no schema, never checked."""

# -------------------------------------------------------------------- groupings

RESPONSE_LIFECYCLE_EVENTS: Final = (
    RESPONSE_CREATED, RESPONSE_QUEUED, RESPONSE_IN_PROGRESS,
    RESPONSE_COMPLETED, RESPONSE_FAILED, RESPONSE_INCOMPLETE,
)  # fmt: skip
"""The events whose data carries the whole `response` object."""

TERMINAL_RESPONSE_EVENTS: Final = frozenset(
    {RESPONSE_COMPLETED, RESPONSE_FAILED, RESPONSE_INCOMPLETE}
)
"""The events that end a response's stream."""

ITEM_EVENTS: Final = (RESPONSE_OUTPUT_ITEM_ADDED, RESPONSE_OUTPUT_ITEM_DONE)
CONTENT_PART_EVENTS: Final = (RESPONSE_CONTENT_PART_ADDED, RESPONSE_CONTENT_PART_DONE)
SUMMARY_PART_EVENTS: Final = (
    RESPONSE_REASONING_SUMMARY_PART_ADDED,
    RESPONSE_REASONING_SUMMARY_PART_DONE,
)

ITEM_STATUS_EVENTS: Final = {
    RESPONSE_FILE_SEARCH_CALL_IN_PROGRESS: "in_progress",
    RESPONSE_FILE_SEARCH_CALL_SEARCHING: "searching",
    RESPONSE_FILE_SEARCH_CALL_COMPLETED: "completed",
    RESPONSE_WEB_SEARCH_CALL_IN_PROGRESS: "in_progress",
    RESPONSE_WEB_SEARCH_CALL_SEARCHING: "searching",
    RESPONSE_WEB_SEARCH_CALL_COMPLETED: "completed",
    RESPONSE_CODE_INTERPRETER_CALL_IN_PROGRESS: "in_progress",
    RESPONSE_CODE_INTERPRETER_CALL_INTERPRETING: "interpreting",
    RESPONSE_CODE_INTERPRETER_CALL_COMPLETED: "completed",
    RESPONSE_IMAGE_GENERATION_CALL_IN_PROGRESS: "in_progress",
    RESPONSE_IMAGE_GENERATION_CALL_GENERATING: "generating",
    RESPONSE_IMAGE_GENERATION_CALL_COMPLETED: "completed",
    RESPONSE_MCP_CALL_IN_PROGRESS: "in_progress",
    RESPONSE_MCP_CALL_COMPLETED: "completed",
    RESPONSE_MCP_CALL_FAILED: "failed",
    RESPONSE_MCP_LIST_TOOLS_IN_PROGRESS: "in_progress",
    RESPONSE_MCP_LIST_TOOLS_COMPLETED: "completed",
    RESPONSE_MCP_LIST_TOOLS_FAILED: "failed",
}
"""Built-in tool progress events -> the item status each one announces."""

DELTA_EVENTS: Final = frozenset({
    RESPONSE_OUTPUT_TEXT_DELTA, RESPONSE_REFUSAL_DELTA,
    RESPONSE_REASONING_SUMMARY_TEXT_DELTA, RESPONSE_REASONING_TEXT_DELTA,
    RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA, RESPONSE_CUSTOM_TOOL_CALL_INPUT_DELTA,
    RESPONSE_MCP_CALL_ARGUMENTS_DELTA, RESPONSE_CODE_INTERPRETER_CALL_CODE_DELTA,
    RESPONSE_SHELL_CALL_COMMAND_DELTA, RESPONSE_SHELL_CALL_OUTPUT_CONTENT_DELTA,
    RESPONSE_AUDIO_DELTA, RESPONSE_AUDIO_TRANSCRIPT_DELTA,
})  # fmt: skip
"""Every event whose data carries a piece (`delta`) of something longer."""

RESPONSE_EVENTS: Final = frozenset({
    RESPONSE_CREATED, RESPONSE_QUEUED, RESPONSE_IN_PROGRESS, RESPONSE_COMPLETED,
    RESPONSE_FAILED, RESPONSE_INCOMPLETE, ERROR,
    RESPONSE_OUTPUT_ITEM_ADDED, RESPONSE_OUTPUT_ITEM_DONE,
    RESPONSE_CONTENT_PART_ADDED, RESPONSE_CONTENT_PART_DONE,
    RESPONSE_OUTPUT_TEXT_DELTA, RESPONSE_OUTPUT_TEXT_DONE, RESPONSE_OUTPUT_TEXT_ANNOTATION_ADDED,
    RESPONSE_REFUSAL_DELTA, RESPONSE_REFUSAL_DONE,
    RESPONSE_REASONING_SUMMARY_PART_ADDED, RESPONSE_REASONING_SUMMARY_PART_DONE,
    RESPONSE_REASONING_SUMMARY_TEXT_DELTA, RESPONSE_REASONING_SUMMARY_TEXT_DONE,
    RESPONSE_REASONING_TEXT_DELTA, RESPONSE_REASONING_TEXT_DONE,
    RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA, RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE,
    RESPONSE_CUSTOM_TOOL_CALL_INPUT_DELTA, RESPONSE_CUSTOM_TOOL_CALL_INPUT_DONE,
    RESPONSE_CODE_INTERPRETER_CALL_CODE_DELTA, RESPONSE_CODE_INTERPRETER_CALL_CODE_DONE,
    RESPONSE_MCP_CALL_ARGUMENTS_DELTA, RESPONSE_MCP_CALL_ARGUMENTS_DONE,
    *ITEM_STATUS_EVENTS,
    RESPONSE_IMAGE_GENERATION_CALL_PARTIAL_IMAGE,
    RESPONSE_SHELL_CALL_COMMAND_ADDED, RESPONSE_SHELL_CALL_COMMAND_DELTA,
    RESPONSE_SHELL_CALL_COMMAND_DONE, RESPONSE_SHELL_CALL_OUTPUT_CONTENT_DELTA,
    RESPONSE_SHELL_CALL_OUTPUT_CONTENT_DONE, RESPONSE_COMPACTION_COMPACTING,
    RESPONSE_AUDIO_DELTA, RESPONSE_AUDIO_DONE,
    RESPONSE_AUDIO_TRANSCRIPT_DELTA, RESPONSE_AUDIO_TRANSCRIPT_DONE,
})  # fmt: skip
"""All 59 event names of the SDK's `ResponseStreamEvent` (keepalive excluded)."""
