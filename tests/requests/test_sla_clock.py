"""SLA clock arithmetic (pure): pauses move deadlines, states, alerts, per-category targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.requests.sla import DEFAULT_TARGETS, SlaPolicy, SlaTarget
from services.requests.sla_clock import (
    PAUSING_STATUSES,
    AlertKind,
    Clock,
    ClockKind,
    Mode,
    SlaState,
    follow_status,
    start_clock,
    start_snapshot,
    warning_offset,
)
from services.requests.sla_settings import SlaSettings

T0 = datetime(2025, 11, 25, 9, 0, tzinfo=UTC)
STATUSES = (
    "new",
    "in_progress",
    "purchase",
    "clarification",
    "completed",
    "confirmed",
    "returned",
    "accepted",
    "cancelled",
)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def clock(kind: ClockKind = ClockKind.RESOLUTION, target_minutes: int = 100) -> Clock:
    return start_clock(kind, T0, timedelta(minutes=target_minutes))


def walk(c: Clock, *steps: tuple[str, float]) -> Clock:
    for status, minute in steps:
        c = follow_status(c, status, at(minute))
    return c


# --- the basics ------------------------------------------------------------------------------


def test_defaults_follow_the_domain_and_warn_at_eighty_percent() -> None:
    critical = DEFAULT_TARGETS["critical"]
    assert (critical.respond, critical.resolve) == (timedelta(minutes=30), timedelta(hours=4))
    assert DEFAULT_TARGETS["low"] == SlaTarget(timedelta(hours=24), timedelta(days=5))
    c = start_clock(ClockKind.RESPONSE, T0, critical.respond)
    assert c.warn_at == at(24)
    assert c.due_at == at(30)
    assert warning_offset(timedelta(seconds=1)) == timedelta(microseconds=800_000)


def test_states_follow_the_time_used() -> None:
    c = clock()
    assert c.state(at(0)) is SlaState.ON_TRACK
    assert c.state(at(79.99)) is SlaState.ON_TRACK
    assert c.state(at(80)) is SlaState.WARNING
    assert c.state(at(99.99)) is SlaState.WARNING
    assert c.state(at(100)) is SlaState.BREACHED
    assert c.stop(at(99)).state(at(500)) is SlaState.MET
    assert c.stop(at(101)).state(at(500)) is SlaState.BREACHED


def test_a_pause_moves_the_due_time_by_its_length_and_freezes_the_state() -> None:
    c = walk(clock(), ("clarification", 70))
    assert c.mode is Mode.PAUSED
    assert c.state(at(1000)) is SlaState.ON_TRACK  # 70 % used, however long the pause
    assert c.due_at == at(100)  # an unfinished pause does not move it yet
    c = walk(c, ("in_progress", 130))
    assert c.due_at == at(160)
    assert c.warn_at == at(140)
    assert c.used(at(150)) == timedelta(minutes=90)


def test_several_pauses_add_up() -> None:
    c = walk(
        clock(),
        ("purchase", 10),
        ("in_progress", 30),
        ("clarification", 40),
        ("in_progress", 45),
    )
    assert c.paused_total == timedelta(minutes=25)
    assert c.due_at == at(125)


def test_moving_between_two_pausing_statuses_keeps_one_pause() -> None:
    c = walk(clock(), ("purchase", 10), ("clarification", 20), ("in_progress", 30))
    assert c.paused_total == timedelta(minutes=20)


def test_the_response_clock_stops_at_assignment_for_good() -> None:
    c = walk(clock(ClockKind.RESPONSE, 30), ("in_progress", 20))
    assert (c.mode, c.stopped_at) == (Mode.STOPPED, at(20))
    assert c.state(at(999)) is SlaState.MET
    # Later pauses, returns and completions change nothing.
    c2 = walk(c, ("purchase", 40), ("in_progress", 60), ("completed", 70), ("in_progress", 80))
    assert c2 == c


def test_the_response_clock_pauses_while_a_new_request_waits_for_an_answer() -> None:
    c = walk(clock(ClockKind.RESPONSE, 30), ("clarification", 10), ("cancelled", 50))
    assert c.stopped_at == at(50)
    assert c.paused_total == timedelta(minutes=40)
    assert c.state(at(60)) is SlaState.MET


def test_the_resolution_clock_stops_at_completion_and_reopens_when_sent_back() -> None:
    c = walk(clock(), ("in_progress", 5), ("completed", 50))
    assert c.state(at(500)) is SlaState.MET
    reopened = walk(c, ("in_progress", 90))
    # Not resolved after all: the time since completion counts; the deadline stays.
    assert reopened.mode is Mode.RUNNING
    assert reopened.due_at == at(100)
    assert reopened.state(at(90)) is SlaState.WARNING
    returned_by_resident = walk(c, ("confirmed", 60), ("returned", 70))
    assert returned_by_resident.mode is Mode.RUNNING


def test_stopping_during_a_pause_ends_the_pause_first() -> None:
    c = walk(clock(), ("purchase", 50), ("completed", 150))
    assert c.paused_total == timedelta(minutes=100)
    assert c.due_at == at(200)
    assert c.state(at(1000)) is SlaState.MET


def test_time_running_backwards_never_makes_a_negative_pause() -> None:
    c = walk(clock(), ("purchase", 50), ("in_progress", 40))
    assert c.paused_total == timedelta(0)


def test_retargeting_keeps_the_time_used_and_a_stopped_verdict() -> None:
    c = walk(clock(), ("purchase", 10), ("in_progress", 20))
    shorter = c.retarget(timedelta(minutes=50))
    assert shorter.due_at == at(60)
    stopped = c.stop(at(30))
    assert stopped.retarget(timedelta(minutes=1)) == stopped


def test_targets_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        start_clock(ClockKind.RESPONSE, T0, timedelta(0))


# --- alerts -----------------------------------------------------------------------------------


def test_a_running_clock_warns_then_breaches_once_each() -> None:
    c = clock()
    assert c.next_alert_at == at(80)
    assert c.due_alerts(at(79)) == ()
    assert c.due_alerts(at(80)) == (AlertKind.WARNING,)
    c = c.mark_sent((AlertKind.WARNING,), at(80))
    assert c.next_alert_at == at(100)
    assert c.due_alerts(at(99)) == ()
    c = c.mark_sent(c.due_alerts(at(100)), at(100))
    assert c.breached_at == at(100)
    assert c.next_alert_at is None
    assert c.due_alerts(at(10_000)) == ()


def test_a_scheduler_that_comes_late_sends_both_in_order() -> None:
    assert clock().due_alerts(at(500)) == (AlertKind.WARNING, AlertKind.BREACH)


def test_a_paused_clock_expects_nothing_until_it_runs_again() -> None:
    c = walk(clock(), ("purchase", 50))
    assert c.next_alert_at is None
    assert c.due_alerts(at(10_000)) == ()
    c = walk(c, ("in_progress", 70))
    assert c.next_alert_at == at(100)


def test_thresholds_crossed_before_a_pause_are_still_reported() -> None:
    c = walk(clock(), ("purchase", 90))  # the scheduler missed the 80 % mark
    assert c.next_alert_at == at(80)
    assert c.due_alerts(at(95)) == (AlertKind.WARNING,)


def test_a_stopped_clock_gets_no_warning_but_a_late_stop_is_a_breach() -> None:
    in_time = walk(clock(), ("completed", 90))
    assert in_time.next_alert_at is None
    assert in_time.due_alerts(at(1000)) == ()
    late = walk(clock(), ("completed", 120))
    assert late.next_alert_at == at(100)
    assert late.due_alerts(at(1000)) == (AlertKind.BREACH,)


def test_a_reopened_clock_does_not_repeat_its_alerts() -> None:
    c = clock()
    c = c.mark_sent(c.due_alerts(at(85)), at(85))
    c = walk(c, ("completed", 90), ("in_progress", 95))
    assert c.next_alert_at == at(100)
    assert c.due_alerts(at(100)) == (AlertKind.BREACH,)


def test_both_clocks_pause_together() -> None:
    snapshot = start_snapshot(T0, timedelta(minutes=30), timedelta(hours=4))
    paused = snapshot.follow_status("clarification", at(10))
    assert paused.paused
    resumed = paused.follow_status("new", at(40))
    assert not resumed.paused
    assert resumed.response_due_at == at(60)
    assert resumed.resolution_due_at == at(270)
    assigned = resumed.follow_status("in_progress", at(45))
    assert assigned.response.mode is Mode.STOPPED
    assert assigned.resolution.mode is Mode.RUNNING


# --- properties -------------------------------------------------------------------------------

timelines = st.lists(
    st.tuples(st.sampled_from(STATUSES), st.integers(min_value=0, max_value=120)),
    max_size=12,
)


def reference_used(kind: ClockKind, steps: list[tuple[str, int]], now: int) -> int:
    """Minutes counted against a clock, straight from DOMAIN.md: time in pausing statuses is
    not counted; the response clock ends at its first stop; the resolution clock counts up to
    the stop it is in now (an earlier, reopened stop counts as running time)."""
    timeline = [("new", 0), *steps]
    stopping = (
        {s for s in STATUSES if s not in PAUSING_STATUSES and s != "new"}
        if kind is ClockKind.RESPONSE
        else {"completed", "confirmed", "accepted", "cancelled"}
    )
    end = now
    if kind is ClockKind.RESPONSE:
        end = next((t for s, t in timeline if s in stopping), now)
    elif timeline[-1][0] in stopping:
        # The start of the current run of stopping statuses.
        index = len(timeline) - 1
        while index > 0 and timeline[index - 1][0] in stopping:
            index -= 1
        end = timeline[index][1]
    used = 0
    for (status, start), (_, stop) in zip(timeline, [*timeline[1:], ("", now)], strict=True):
        lo, hi = min(start, end), min(stop, end)
        if hi > lo and status not in PAUSING_STATUSES:
            used += hi - lo
    return used


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(list(ClockKind)),
    gaps=timelines,
    extra=st.integers(min_value=0, max_value=300),
)
def test_time_used_and_state_match_the_domain_rules(
    kind: ClockKind, gaps: list[tuple[str, int]], extra: int
) -> None:
    steps, t = [], 0
    for status, gap in gaps:
        t += gap
        steps.append((status, t))
    now = t + extra
    c = walk(clock(kind, 100), *steps)
    used = reference_used(kind, steps, now)
    assert c.used(at(now)) == timedelta(minutes=used)
    assert c.due_at == T0 + timedelta(minutes=100) + c.paused_total
    expected = (
        SlaState.BREACHED
        if used >= 100
        else SlaState.MET
        if c.mode is Mode.STOPPED
        else SlaState.WARNING
        if used >= 80
        else SlaState.ON_TRACK
    )
    assert c.state(at(now)) is expected


@settings(max_examples=300, deadline=None)
@given(
    gaps=timelines,
    ticks=st.lists(st.integers(min_value=0, max_value=400), max_size=8),
)
def test_a_scheduler_ticking_at_any_times_sends_each_alert_at_most_once(
    gaps: list[tuple[str, int]], ticks: list[int]
) -> None:
    """Status changes and scheduler rounds interleaved at random: no alert twice, a warning
    only from 80 % used, and a clock that ran out always ends up reported as breached."""
    events = sorted([(t, "tick", "") for t in ticks] + _timed(gaps))
    end = max([t for t, _, _ in events], default=0) + 1000
    c = clock(ClockKind.RESOLUTION, 100)
    sent: list[AlertKind] = []
    for minute, what, status in [*events, (end, "tick", "")]:
        if what == "status":
            c = follow_status(c, status, at(minute))
            continue
        alerts = c.due_alerts(at(minute))
        if AlertKind.WARNING in alerts:
            assert c.used(at(minute)) >= timedelta(minutes=80)
        sent += alerts
        c = c.mark_sent(alerts, at(minute))
        due = c.next_alert_at
        assert due is None or c.mode is Mode.RUNNING or due <= at(minute)
    assert sent.count(AlertKind.WARNING) <= 1
    assert sent.count(AlertKind.BREACH) <= 1
    ran_out = c.used(at(end)) >= timedelta(minutes=100)
    assert (AlertKind.BREACH in sent) == ran_out


def _timed(gaps: list[tuple[str, int]]) -> list[tuple[int, str, str]]:
    out, t = [], 0
    for status, gap in gaps:
        t += gap
        out.append((t, "status", status))
    return out


# --- configuration ----------------------------------------------------------------------------


def test_category_overrides_apply_to_their_urgency_only() -> None:
    policy = SlaPolicy(
        by_category={("elevator", "critical"): SlaTarget(timedelta(minutes=15), timedelta(hours=2))}
    )
    assert policy.target("elevator", "critical").respond == timedelta(minutes=15)
    assert policy.target("elevator", "high") == DEFAULT_TARGETS["high"]
    assert policy.target("plumbing", "critical") == DEFAULT_TARGETS["critical"]


def test_settings_read_overrides_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "UKM_SLA_CATEGORY_TARGETS",
        '{"elevator": {"critical": {"respond": "PT15M", "resolve": "PT2H"}}}',
    )
    monkeypatch.setenv("UKM_SLA_POLL_SECONDS", "2")
    sla = SlaSettings()
    assert sla.poll_seconds == 2
    target = sla.policy().target("elevator", "critical")
    assert (target.respond, target.resolve) == (timedelta(minutes=15), timedelta(hours=2))


@pytest.mark.parametrize(
    "overrides",
    [
        '{"lift": {"critical": {"respond": "PT15M", "resolve": "PT2H"}}}',
        '{"elevator": {"urgent": {"respond": "PT15M", "resolve": "PT2H"}}}',
        '{"elevator": {"critical": {"respond": "PT0S", "resolve": "PT2H"}}}',
    ],
)
def test_settings_refuse_unknown_keys_and_empty_targets(
    monkeypatch: pytest.MonkeyPatch, overrides: str
) -> None:
    monkeypatch.setenv("UKM_SLA_CATEGORY_TARGETS", overrides)
    with pytest.raises(ValidationError):
        SlaSettings()
