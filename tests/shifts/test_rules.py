"""The pure rules of shifts (services.shifts.lifecycle and access): opening, ending, whose
history — no infrastructure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.kit.context import Caller
from services.kit.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.shifts import access, lifecycle
from services.shifts.lifecycle import ExecutorProfile, Shift

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
EXECUTOR = ExecutorProfile(
    user_id="e-1", roles=frozenset({"executor"}), status="approved", specialisations=("plumber",)
)


def open_now(profile: ExecutorProfile = EXECUTOR, **options: object) -> lifecycle.NewShift:
    values: dict[str, object] = {
        "requested_focus": (),
        "shift_type": None,
        "planned_end": None,
        "note": "",
        "now": NOW,
    }
    values.update(options)
    return lifecycle.open_adhoc(profile, **values)  # type: ignore[arg-type]


def stored(new: lifecycle.NewShift, *, status: str = lifecycle.ACTIVE) -> Shift:
    return Shift(
        id="s-1",
        executor_id=new.executor_id,
        status=status,
        type=new.type,
        focus=new.focus,
        executor_specialisations=new.executor_specialisations,
        coverage=new.coverage,
        yard_ids=(),
        building_ids=(),
        capacity=0,
        planned_start_at=new.planned_start_at,
        planned_end_at=new.planned_end_at,
        started_at=new.at,
        ended_at=None,
        template_id=None,
        note=new.note,
        end_note="",
        created_by=new.created_by,
        ended_by="",
        created_at=new.at,
        updated_at=new.at,
        version=1,
    )


def test_an_adhoc_shift_starts_now_regular_and_universal_by_default() -> None:
    new = open_now(note="  на связи до вечера  ")
    assert new.executor_id == "e-1"
    assert new.type == "regular"
    assert new.focus == ()
    assert new.coverage == ("plumber",)
    assert new.executor_specialisations == ("plumber",)
    assert new.planned_start_at == new.at == NOW
    assert new.planned_end_at is None
    assert new.note == "на связи до вечера"


def test_the_type_and_planned_end_are_taken_as_given() -> None:
    new = open_now(shift_type="emergency", planned_end=NOW + timedelta(hours=24))
    assert new.type == "emergency"
    assert new.planned_end_at == NOW + timedelta(hours=24)


@pytest.mark.parametrize(
    "planned_end", [NOW, NOW - timedelta(minutes=1), NOW + timedelta(hours=36, seconds=1)]
)
def test_a_planned_end_in_the_past_or_beyond_one_long_shift_is_refused(
    planned_end: datetime,
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        open_now(planned_end=planned_end)
    assert refused.value.violations[0].field == "planned_end_time"


@pytest.mark.parametrize(
    ("profile", "reason"),
    [
        (replace(EXECUTOR, status="blocked"), "ACCOUNT_NOT_APPROVED"),
        (replace(EXECUTOR, status="pending"), "ACCOUNT_NOT_APPROVED"),
        (replace(EXECUTOR, roles=frozenset({"applicant", "manager"})), "NOT_AN_EXECUTOR"),
    ],
)
def test_only_approved_executors_go_on_duty(profile: ExecutorProfile, reason: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        open_now(profile)
    assert refused.value.reason == reason


def test_a_focus_the_executor_does_not_hold_is_refused() -> None:
    with pytest.raises(FailedPrecondition) as refused:
        open_now(requested_focus=("plumber", "electrician"))
    assert refused.value.reason == "SPECIALIZATION_NOT_HELD"


def test_executors_end_their_own_shift_and_managers_anyones() -> None:
    shift = stored(open_now())
    lifecycle.check_may_end(shift, caller_id="e-1", manager=False)
    lifecycle.check_may_end(shift, caller_id="m-1", manager=True)
    with pytest.raises(PermissionDenied) as refused:
        lifecycle.check_may_end(shift, caller_id="e-2", manager=False)
    assert refused.value.reason == "NOT_YOUR_SHIFT"


def test_a_paused_shift_can_be_ended_but_a_finished_one_cannot() -> None:
    lifecycle.check_may_end(stored(open_now(), status="paused"), caller_id="e-1", manager=False)
    for status in ("completed", "cancelled", "planned"):
        with pytest.raises(FailedPrecondition) as refused:
            lifecycle.check_may_end(stored(open_now(), status=status), caller_id="m", manager=True)
        assert refused.value.reason == "SHIFT_NOT_ACTIVE"


def test_an_executor_learns_nothing_about_the_status_of_others_shifts() -> None:
    with pytest.raises(PermissionDenied):
        lifecycle.check_may_end(
            stored(open_now(), status="completed"), caller_id="e-2", manager=False
        )


def caller(*roles: str, user_id: str = "me", status: str = "approved") -> Caller:
    return Caller(user_id=user_id, roles=frozenset(roles), status=status)


def test_executors_read_only_their_own_history_and_managers_anyones() -> None:
    assert access.history_scope(caller("executor"), "") == "me"
    assert access.history_scope(caller("executor"), "me") == "me"
    with pytest.raises(PermissionDenied) as refused:
        access.history_scope(caller("executor"), "someone-else")
    assert refused.value.reason == "NOT_YOUR_SHIFTS"
    assert access.history_scope(caller("manager"), "") is None
    assert access.history_scope(caller("admin"), "someone-else") == "someone-else"
    # An executor who is also a manager reads as a manager.
    assert access.history_scope(caller("executor", "manager"), "") is None


def test_a_pending_manager_has_no_managers_reach() -> None:
    assert not access.is_manager(caller("manager", status="pending"))
    assert access.history_scope(caller("manager", status="pending"), "") == "me"
