"""SLA clocks: pause/resume arithmetic, states and alerts of one clock (pure logic, no I/O).

A request has two clocks (DOMAIN.md "Deadlines (SLA)"): the *response* clock stops at the first
assignment, the *resolution* clock when the work is reported done (COMPLETED). Both pause while
the request waits for someone outside the company (CLARIFICATION, PURCHASE) and run again
afterwards; a pause moves the due time by its length. A clock is in WARNING from 80 % of its
time used and BREACHED from 100 %; one stopped before its due time was MET.

Alerts (`SlaWarning`, `SlaBreached`) are sent once per clock: the clock records when each was
sent (`warned_at`, `breached_at`) and `next_alert_at` tells the scheduler when to look again.

Times are timezone-aware datetimes; durations never go negative even if two replicas' clocks
disagree a little (a pause that "ends before it began" counts as zero).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

_ZERO = timedelta(0)


class ClockKind(StrEnum):
    """Which deadline a clock measures (`SlaClock` in the events, lowercase in the database)."""

    RESPONSE = "response"
    RESOLUTION = "resolution"


class SlaState(StrEnum):
    """Where a clock stands (the proto `SlaState`, lowercase keys)."""

    ON_TRACK = "on_track"
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"


class AlertKind(StrEnum):
    """What the scheduler tells the world about a clock."""

    WARNING = "warning"
    BREACH = "breach"


class Mode(StrEnum):
    """Whether time counts against a clock right now."""

    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


def warning_offset(target: timedelta) -> timedelta:
    """80 % of `target`, exact to the microsecond (integer arithmetic, no float rounding)."""
    return (target * 4) // 5


@dataclass(frozen=True)
class Clock:
    """One SLA clock of one request.

    `paused_total` is the length of every finished pause; during a pause `paused_at` is when it
    began. `stopped_at` is set while the clock is stopped (the resolution clock can start again
    when the work is sent back, see `reopen`).
    """

    kind: ClockKind
    started_at: datetime
    target: timedelta
    paused_total: timedelta = _ZERO
    paused_at: datetime | None = None
    stopped_at: datetime | None = None
    warned_at: datetime | None = None
    breached_at: datetime | None = None

    @property
    def due_at(self) -> datetime:
        """When 100 % of the target is used, counting every finished pause."""
        return self.started_at + self.target + self.paused_total

    @property
    def warn_at(self) -> datetime:
        """When 80 % of the target is used, counting every finished pause."""
        return self.started_at + warning_offset(self.target) + self.paused_total

    @property
    def mode(self) -> Mode:
        """Running, paused or stopped."""
        if self.stopped_at is not None:
            return Mode.STOPPED
        if self.paused_at is not None:
            return Mode.PAUSED
        return Mode.RUNNING

    def reference(self, now: datetime) -> datetime:
        """The moment up to which time counts: `now` while running, else when it paused or
        stopped. Comparing it with `warn_at`/`due_at` gives the state."""
        return self.stopped_at or self.paused_at or now

    def used(self, now: datetime) -> timedelta:
        """How much of the target is used at `now` (pauses excluded)."""
        return self.reference(now) - self.started_at - self.paused_total

    def state(self, now: datetime) -> SlaState:
        """ON_TRACK / WARNING while running or paused, BREACHED from the due time on (also when
        it stopped late), MET when it stopped in time."""
        reference = self.reference(now)
        if reference >= self.due_at:
            return SlaState.BREACHED
        if self.stopped_at is not None:
            return SlaState.MET
        if reference >= self.warn_at:
            return SlaState.WARNING
        return SlaState.ON_TRACK

    # -- changes -------------------------------------------------------------------------------

    def pause(self, at: datetime) -> Clock:
        """Start a pause (no change if already paused or stopped)."""
        if self.mode is not Mode.RUNNING:
            return self
        return replace(self, paused_at=at)

    def resume(self, at: datetime) -> Clock:
        """End the current pause; the due time moves by its length."""
        if self.paused_at is None:
            return self
        pause = max(at - self.paused_at, _ZERO)
        return replace(self, paused_at=None, paused_total=self.paused_total + pause)

    def stop(self, at: datetime) -> Clock:
        """Stop the clock (a pause in progress ends first, so it does not count)."""
        if self.stopped_at is not None:
            return self
        running = self.resume(at)
        return replace(running, stopped_at=max(at, running.started_at))

    def reopen(self) -> Clock:
        """Run a stopped clock again, as if it had never stopped.

        Used when finished work is sent back: the request was not resolved after all, so the
        time since it was reported done counts, and the due time stays where it was. Alerts
        already sent are not repeated.
        """
        if self.stopped_at is None:
            return self
        return replace(self, stopped_at=None)

    def retarget(self, target: timedelta) -> Clock:
        """A new target (urgency or category changed); a stopped clock keeps its verdict."""
        if self.stopped_at is not None:
            return self
        return replace(self, target=target)

    # -- alerts --------------------------------------------------------------------------------

    def due_alerts(self, now: datetime) -> tuple[AlertKind, ...]:
        """The alerts to send at `now`, in order (a warning before a breach).

        A warning is for a clock still able to use it: never for a stopped one. A breach is a
        fact and is reported even when it is noticed late (the clock stopped or paused after
        its due time before the scheduler came by).
        """
        reference = self.reference(now)
        alerts: list[AlertKind] = []
        if self.warned_at is None and self.stopped_at is None and reference >= self.warn_at:
            alerts.append(AlertKind.WARNING)
        if self.breached_at is None and reference >= self.due_at:
            alerts.append(AlertKind.BREACH)
        return tuple(alerts)

    def mark_sent(self, alerts: tuple[AlertKind, ...], at: datetime) -> Clock:
        """Record that `alerts` were sent at `at`."""
        return replace(
            self,
            warned_at=at if AlertKind.WARNING in alerts else self.warned_at,
            breached_at=at if AlertKind.BREACH in alerts else self.breached_at,
        )

    @property
    def next_alert_at(self) -> datetime | None:
        """The earliest time at which `due_alerts` will return something, if nothing else
        changes; None when no alert can come until a status change (paused, stopped, done)."""
        candidates: list[datetime] = []
        if self.warned_at is None and self.stopped_at is None:
            candidates.append(self.warn_at)
        if self.breached_at is None:
            candidates.append(self.due_at)
        frozen_at = self.stopped_at or self.paused_at
        if frozen_at is not None:
            # A paused or stopped clock no longer moves: only thresholds it had already
            # reached are left to report (at once).
            candidates = [c for c in candidates if c <= frozen_at]
        return min(candidates, default=None)


def start_clock(kind: ClockKind, at: datetime, target: timedelta) -> Clock:
    """A new running clock."""
    if target <= _ZERO:
        raise ValueError(f"an SLA target must be positive, not {target}")
    return Clock(kind=kind, started_at=at, target=target)


# Statuses are the lowercase keys the database stores (`services.kit.enums.EnumKeys`).
PAUSING_STATUSES = frozenset({"clarification", "purchase"})
# The resolution clock counts while somebody at the company owes the resident the work…
_RESOLUTION_RUNNING = frozenset({"new", "in_progress", "returned"})
# …and the response clock only until someone is assigned (IN_PROGRESS ⟺ an executor is set).
_RESPONSE_RUNNING = frozenset({"new"})


def mode_in(kind: ClockKind, status: str) -> Mode:
    """How a clock of `kind` behaves while a request is in `status`.

    Response: runs in NEW, pauses in CLARIFICATION/PURCHASE, stops for good on entering any
    other status (assignment, completion or cancellation all end the wait for a response).
    Resolution: runs in NEW, IN_PROGRESS and RETURNED, pauses in CLARIFICATION/PURCHASE, stops in
    COMPLETED, CONFIRMED, ACCEPTED and CANCELLED.
    """
    if status in PAUSING_STATUSES:
        return Mode.PAUSED
    running = _RESPONSE_RUNNING if kind is ClockKind.RESPONSE else _RESOLUTION_RUNNING
    return Mode.RUNNING if status in running else Mode.STOPPED


def follow_status(clock: Clock, to_status: str, at: datetime) -> Clock:
    """`clock` after its request entered `to_status` at `at`.

    The response clock never starts again once stopped (the first response happened); the
    resolution clock does (`Clock.reopen`) when the work is sent back.
    """
    wanted = mode_in(clock.kind, to_status)
    if clock.mode is Mode.STOPPED:
        if wanted is Mode.STOPPED or clock.kind is ClockKind.RESPONSE:
            return clock
        clock = clock.reopen()
    if wanted is Mode.RUNNING:
        return clock.resume(at)
    if wanted is Mode.PAUSED:
        return clock.pause(at)
    return clock.stop(at)


@dataclass(frozen=True)
class SlaSnapshot:
    """Both clocks of one request."""

    response: Clock
    resolution: Clock

    @property
    def clocks(self) -> tuple[Clock, Clock]:
        """Response, then resolution."""
        return self.response, self.resolution

    @property
    def response_due_at(self) -> datetime:
        """The response deadline, moved by every finished pause."""
        return self.response.due_at

    @property
    def resolution_due_at(self) -> datetime:
        """The resolution deadline, moved by every finished pause."""
        return self.resolution.due_at

    @property
    def paused(self) -> bool:
        """Whether the request's clocks wait (the proto's `Sla.paused`)."""
        return any(clock.mode is Mode.PAUSED for clock in self.clocks)

    def with_clock(self, clock: Clock) -> SlaSnapshot:
        """This snapshot with `clock` replacing the one of its kind."""
        if clock.kind is ClockKind.RESPONSE:
            return replace(self, response=clock)
        return replace(self, resolution=clock)

    def follow_status(self, to_status: str, at: datetime) -> SlaSnapshot:
        """Both clocks after the request entered `to_status` at `at`."""
        return SlaSnapshot(
            follow_status(self.response, to_status, at),
            follow_status(self.resolution, to_status, at),
        )


def start_snapshot(at: datetime, respond: timedelta, resolve: timedelta) -> SlaSnapshot:
    """Both clocks of a request filed at `at`, running."""
    return SlaSnapshot(
        start_clock(ClockKind.RESPONSE, at, respond),
        start_clock(ClockKind.RESOLUTION, at, resolve),
    )
