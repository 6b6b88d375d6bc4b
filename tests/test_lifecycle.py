"""The lifecycle accepts the API's status changes and names every other one."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

import assistants_events as ae
from assistants_events.assistants.lifecycle import QUIRKS


def run_through(*steps: tuple[str, str]) -> ae.Lifecycle:
    lifecycle = ae.Lifecycle()
    for name, status in steps:
        lifecycle.check(name, "run_1", status)
    return lifecycle


def test_created_then_queued_repeats_the_status_without_error() -> None:
    lifecycle = run_through(("thread.run.created", "queued"), ("thread.run.queued", "queued"))
    assert lifecycle.status("run", "run_1") == "queued"


def test_full_run_with_tool_round_trip_is_valid() -> None:
    run_through(
        ("thread.run.created", "queued"),
        ("thread.run.in_progress", "in_progress"),
        ("thread.run.requires_action", "requires_action"),
        ("thread.run.queued", "queued"),
        ("thread.run.in_progress", "in_progress"),
        ("thread.run.completed", "completed"),
    )


def test_queued_to_completed_is_invalid_and_names_everything() -> None:
    with pytest.raises(ae.InvalidTransition) as info:
        run_through(("thread.run.created", "queued"), ("thread.run.completed", "completed"))
    error = info.value
    assert (error.kind, error.object_id, error.from_status, error.to_status, error.event) == (
        "run", "run_1", "queued", "completed", "thread.run.completed",
    )  # fmt: skip
    assert "'queued' -> 'completed'" in str(error) and "run_1" in str(error)


def test_nothing_is_valid_after_a_terminal_status() -> None:
    with pytest.raises(ae.InvalidTransition, match="terminal"):
        run_through(
            ("thread.run.created", "queued"),
            ("thread.run.cancelling", "cancelling"),
            ("thread.run.cancelled", "cancelled"),
            ("thread.run.cancelled", "cancelled"),
        )


def test_late_cancel_may_still_complete() -> None:
    run_through(
        ("thread.run.created", "queued"),
        ("thread.run.in_progress", "in_progress"),
        ("thread.run.cancelling", "cancelling"),
        ("thread.run.completed", "completed"),
    )


def test_run_created_must_start_queued() -> None:
    with pytest.raises(ae.InvalidTransition, match="starts 'queued'"):
        run_through(("thread.run.created", "in_progress"))


def quirky(*steps: tuple[str, str, str | None]) -> tuple[ae.Lifecycle, list[ae.Quirk]]:
    """A strict lifecycle fed (event, object id, status) rows; the quirks it reported."""
    seen: list[ae.Quirk] = []
    lifecycle = ae.Lifecycle(on_quirk=seen.append)
    for name, object_id, status in steps:
        lifecycle.check(name, object_id, status)
    return lifecycle, seen


def test_run_completed_whose_data_says_incomplete_ends_incomplete_as_a_quirk() -> None:
    lifecycle, quirks = quirky(
        ("thread.run.created", "r", "queued"),
        ("thread.run.in_progress", "r", "in_progress"),
        ("thread.run.completed", "r", "incomplete"),
    )
    assert lifecycle.status("run", "r") == "incomplete"
    assert [(q.code, q.event, q.object_id) for q in quirks] == [
        ("status-differs-from-name", "thread.run.completed", "r")
    ]


def test_run_ended_incomplete_under_a_completed_name_is_not_called_truncated() -> None:
    lifecycle, _ = quirky(
        ("thread.run.created", "r", "queued"),
        ("thread.run.in_progress", "r", "in_progress"),
        ("thread.run.completed", "r", "incomplete"),
    )
    lifecycle.finish(done=False)  # a finished run: no IncompleteStream


def test_message_completed_whose_data_says_in_progress_is_a_quirk() -> None:
    lifecycle, quirks = quirky(
        ("thread.message.created", "m", "in_progress"),
        ("thread.message.completed", "m", "in_progress"),
    )
    assert lifecycle.status("message", "m") == "in_progress"
    assert [q.code for q in quirks] == ["status-differs-from-name"]


def test_a_mismatched_name_does_not_excuse_a_status_going_backwards() -> None:
    with pytest.raises(ae.InvalidTransition, match="'in_progress' -> 'queued'"):
        quirky(
            ("thread.run.created", "r", "queued"),
            ("thread.run.in_progress", "r", "in_progress"),
            ("thread.run.completed", "r", "queued"),
        )


def test_step_created_again_after_in_progress_is_a_quirk() -> None:
    lifecycle, quirks = quirky(
        ("thread.run.step.created", "s", "in_progress"),
        ("thread.run.step.in_progress", "s", "in_progress"),
        ("thread.run.step.created", "s", "in_progress"),
        ("thread.run.step.completed", "s", "completed"),
    )
    assert lifecycle.status("step", "s") == "completed"
    assert [q.code for q in quirks] == ["created-again"]


def test_step_created_twice_back_to_back_is_a_quirk() -> None:
    _, quirks = quirky(
        ("thread.run.step.created", "s", "in_progress"),
        ("thread.run.step.created", "s", "in_progress"),
    )
    assert [q.code for q in quirks] == ["created-again"]


def test_run_created_again_after_requires_action_and_queued_is_a_quirk() -> None:
    lifecycle, quirks = quirky(
        ("thread.run.created", "r", "queued"),
        ("thread.run.in_progress", "r", "in_progress"),
        ("thread.run.requires_action", "r", "requires_action"),
        ("thread.run.queued", "r", "queued"),
        ("thread.run.created", "r", "queued"),
        ("thread.run.in_progress", "r", "in_progress"),
    )
    assert lifecycle.status("run", "r") == "in_progress"
    assert [q.code for q in quirks] == ["created-again"]


def test_created_again_after_a_terminal_status_is_a_violation() -> None:
    with pytest.raises(ae.InvalidTransition, match="step created again"):
        quirky(
            ("thread.run.step.created", "s", "in_progress"),
            ("thread.run.step.completed", "s", "completed"),
            ("thread.run.step.created", "s", "in_progress"),
        )


def test_message_created_twice_stays_a_violation() -> None:
    with pytest.raises(ae.InvalidTransition, match="message created twice"):
        quirky(
            ("thread.message.created", "m", "in_progress"),
            ("thread.message.created", "m", "in_progress"),
        )


def test_step_delta_after_the_step_completed_is_a_quirk() -> None:
    _, quirks = quirky(
        ("thread.run.step.created", "s", "in_progress"),
        ("thread.run.step.completed", "s", "completed"),
        ("thread.run.step.delta", "s", None),
    )
    assert [(q.code, q.object_id) for q in quirks] == [("delta-after-completed", "s")]


def test_step_delta_after_the_step_failed_is_a_violation() -> None:
    with pytest.raises(ae.InvalidTransition, match="delta for a failed step"):
        quirky(
            ("thread.run.step.created", "s", "in_progress"),
            ("thread.run.step.failed", "s", "failed"),
            ("thread.run.step.delta", "s", None),
        )


def test_submit_stream_opening_with_an_older_step_completed_is_a_quirk() -> None:
    _, quirks = quirky(
        ("thread.run.step.completed", "s_old", "completed"),
        ("thread.run.queued", "r", "queued"),
    )
    assert [(q.code, q.object_id) for q in quirks] == [("first-seen-finished", "s_old")]


def test_unknown_status_from_a_newer_server_is_a_quirk_and_kept() -> None:
    lifecycle, quirks = quirky(
        ("thread.run.created", "r", "queued"),
        ("thread.run.queued", "r", "sleeping"),
        ("thread.run.in_progress", "r", "in_progress"),
    )
    assert [q.code for q in quirks] == ["unknown-status"]
    assert "sleeping" in quirks[0].detail
    assert lifecycle.status("run", "r") == "in_progress"


def test_quirks_are_reported_in_non_strict_mode_too_and_are_not_violations() -> None:
    quirks: list[ae.Quirk] = []
    violations: list[ae.Violation] = []
    lifecycle = ae.Lifecycle(strict=False, on_violation=violations.append, on_quirk=quirks.append)
    lifecycle.check("thread.run.step.created", "s", "in_progress")
    lifecycle.check("thread.run.step.created", "s", "in_progress")
    assert ([q.code for q in quirks], violations) == (["created-again"], [])


def test_every_reported_quirk_code_is_in_the_table() -> None:
    codes = set(QUIRKS)
    assert codes == {
        "status-differs-from-name", "created-again", "delta-after-completed",
        "first-seen-finished", "unknown-status",
    }  # fmt: skip
    source = Path(ae.assistants.lifecycle.__file__).read_text()
    assert set(re.findall(r'_quirk\(\s*"([a-z-]+)"', source)) == codes


def test_object_first_seen_mid_stream_is_accepted_in_any_status() -> None:
    lifecycle = ae.Lifecycle()
    lifecycle.check("thread.run.step.completed", "step_1", "completed")
    lifecycle.check("thread.run.queued", "run_1", "queued")
    assert lifecycle.status("step", "step_1") == "completed"


def test_delta_for_unknown_message_is_invalid() -> None:
    with pytest.raises(ae.InvalidTransition, match="unknown message"):
        ae.Lifecycle().check("thread.message.delta", "msg_x", None)


def test_delta_after_completion_is_invalid() -> None:
    lifecycle = ae.Lifecycle()
    lifecycle.check("thread.message.created", "msg_1", "in_progress")
    lifecycle.check("thread.message.completed", "msg_1", "completed")
    with pytest.raises(ae.InvalidTransition, match="delta for a completed message"):
        lifecycle.check("thread.message.delta", "msg_1", None)


def test_step_may_fail_cancel_or_expire() -> None:
    for end in ("failed", "cancelled", "expired", "completed"):
        lifecycle = ae.Lifecycle()
        lifecycle.check("thread.run.step.created", "s", "in_progress")
        lifecycle.check(f"thread.run.step.{end}", "s", end)


def test_message_incomplete_is_terminal() -> None:
    lifecycle = ae.Lifecycle()
    lifecycle.check("thread.message.created", "m", "in_progress")
    lifecycle.check("thread.message.incomplete", "m", "incomplete")
    with pytest.raises(ae.InvalidTransition):
        lifecycle.check("thread.message.completed", "m", "completed")


def test_unknown_event_names_are_not_checked() -> None:
    ae.Lifecycle().check("thread.run.teleported", "r", "teleported")


def test_finish_without_done_while_running_is_incomplete() -> None:
    lifecycle = run_through(
        ("thread.run.created", "queued"), ("thread.run.in_progress", "in_progress")
    )
    with pytest.raises(ae.IncompleteStream, match="run_1") as info:
        lifecycle.finish(done=False)
    assert info.value.status == "in_progress"


def test_finish_while_waiting_for_tool_outputs_is_fine() -> None:
    run_through(
        ("thread.run.created", "queued"),
        ("thread.run.in_progress", "in_progress"),
        ("thread.run.requires_action", "requires_action"),
    ).finish(done=False)


def test_non_strict_reports_violations_and_goes_on() -> None:
    seen: list[ae.Violation] = []
    lifecycle = ae.Lifecycle(strict=False, on_violation=seen.append)
    lifecycle.check("thread.run.created", "r", "queued")
    lifecycle.check("thread.run.completed", "r", "completed")
    lifecycle.finish(done=False)
    assert [type(v.error) for v in seen] == [ae.InvalidTransition]
    assert lifecycle.status("run", "r") == "completed"


def test_terminal_statuses_map_to_nothing() -> None:
    for kind, table in (("run", ae.RUN_TRANSITIONS), ("step", ae.STEP_TRANSITIONS),
                        ("message", ae.MESSAGE_TRANSITIONS)):  # fmt: skip
        assert {s for s, nxt in table.items() if not nxt} == ae.TERMINAL[kind]


def test_readme_prints_the_transition_tables_as_the_code_has_them() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for title, table in (("Run", ae.RUN_TRANSITIONS), ("Step", ae.STEP_TRANSITIONS),
                         ("Message", ae.MESSAGE_TRANSITIONS)):  # fmt: skip
        after = readme.split(f"#### {title} transitions", 1)[1].lstrip("\n").splitlines()
        section = "\n".join(itertools.takewhile(lambda line: line.startswith("|"), after))
        rows = dict(re.findall(r"^\| `(\w+)` \| (.*?) \|$", section, re.M))
        assert rows.keys() == table.keys(), title
        for status, targets in table.items():
            assert set(re.findall(r"`(\w+)`", rows[status])) == set(targets), (title, status)


async def test_strict_handler_ends_a_run_incomplete_when_completed_says_so() -> None:
    run = '{"id": "run_1", "object": "thread.run", "status": "%s", "thread_id": "t"}'
    body = "".join(
        f"event: thread.run.{name}\ndata: {run % status}\n\n"
        for name, status in (("created", "queued"), ("in_progress", "in_progress"),
                             ("completed", "incomplete"))
    ) + "event: done\ndata: [DONE]\n\n"  # fmt: skip
    quirks: list[ae.Quirk] = []

    class Strict(ae.EventHandler):
        strict = True

        def on_quirk(self, quirk: ae.Quirk) -> None:
            quirks.append(quirk)

    result = await Strict().consume(body.encode())
    assert result.run is not None and result.run.status == "incomplete"
    assert [str(q) for q in quirks] == [
        "thread.run.completed run_1: the event name says 'completed', the data says "
        "'incomplete' [status-differs-from-name]"
    ]
