"""SQL of the SLA clocks: what the request transactions call, and what the scheduler reads.

For the storage code (call these inside the transaction that changes the request, with the same
session, so a clock never disagrees with its request):

- `start_clocks` when a request is filed;
- `on_status_change` whenever its status changes;
- `retarget_clocks` when a manager changes its urgency or category.

Each returns the request's `SlaSnapshot`; copy `response_due_at` / `resolution_due_at` onto the
request row in the same transaction (pauses move them) so reads of the row show the real
deadlines. The scheduler (`sla_scheduler`) uses `claim_due` and `save_alerts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.requests.sla import SlaPolicy
from services.requests.sla_clock import Clock, ClockKind, SlaSnapshot, SlaState, start_snapshot
from services.requests.sla_models import sla_clocks

# A session of the caller's transaction, or a plain connection (the scheduler's).
Executor = AsyncSession | AsyncConnection

_T = sla_clocks
_KEY = (_T.c.request_number == sa.bindparam("b_number")) & (_T.c.clock == sa.bindparam("b_clock"))
# Built once: building statements costs more than running them.
_UPDATE = sa.update(_T).where(_KEY)
_INSERT = sa.insert(_T)
_BY_NUMBERS = sa.select(_T).where(
    _T.c.request_number == sa.any_(sa.bindparam("numbers", type_=sa.ARRAY(sa.Text)))
)


def clock_from_row(row: Mapping[Any, Any]) -> Clock:
    """A clock as stored."""
    return Clock(
        kind=ClockKind(row["clock"]),
        started_at=row["started_at"],
        target=row["target"],
        paused_total=row["paused_total"],
        paused_at=row["paused_at"],
        stopped_at=row["stopped_at"],
        warned_at=row["warned_at"],
        breached_at=row["breached_at"],
    )


def clock_values(clock: Clock) -> dict[str, Any]:
    """Every stored column of `clock` but the key, derived ones included."""
    return {
        "started_at": clock.started_at,
        "target": clock.target,
        "paused_total": clock.paused_total,
        "paused_at": clock.paused_at,
        "stopped_at": clock.stopped_at,
        "due_at": clock.due_at,
        "warn_at": clock.warn_at,
        "warned_at": clock.warned_at,
        "breached_at": clock.breached_at,
        "next_alert_at": clock.next_alert_at,
    }


async def start_clocks(
    session: Executor,
    number: str,
    *,
    created_at: datetime,
    urgency: str,
    category: str,
    policy: SlaPolicy,
) -> SlaSnapshot:
    """Create both clocks of a request filed at `created_at` (same targets as the deadlines
    `domain.plan_filing` put on the request, when given the same policy)."""
    target = policy.target(category, urgency)
    snapshot = start_snapshot(created_at, target.respond, target.resolve)
    await session.execute(
        _INSERT,
        [
            {"request_number": number, "clock": clock.kind.value, **clock_values(clock)}
            for clock in snapshot.clocks
        ],
    )
    return snapshot


async def on_status_change(
    session: Executor, number: str, from_status: str, to_status: str, at: datetime
) -> SlaSnapshot | None:
    """Move the request's clocks along a status change at `at` (pause, resume, stop, reopen).

    Statuses are the stored lowercase keys. Returns the clocks afterwards, or None for a
    request without clocks (filed before clocks existed and not backfilled), which is left alone.
    """
    snapshot = await _locked(session, number)
    if snapshot is None or from_status == to_status:
        return snapshot
    changed = snapshot.follow_status(to_status, at)
    await save_clocks(session, number, changed, before=snapshot)
    return changed


async def retarget_clocks(
    session: Executor, number: str, *, urgency: str, category: str, policy: SlaPolicy
) -> SlaSnapshot | None:
    """Apply the policy's targets for a new urgency or category to the running clocks (time
    already used and pauses stay; stopped clocks keep their verdict)."""
    snapshot = await _locked(session, number)
    if snapshot is None:
        return None
    target = policy.target(category, urgency)
    changed = SlaSnapshot(
        snapshot.response.retarget(target.respond), snapshot.resolution.retarget(target.resolve)
    )
    await save_clocks(session, number, changed, before=snapshot)
    return changed


async def load_clocks(session: Executor, numbers: Iterable[str]) -> dict[str, SlaSnapshot]:
    """The clocks of these requests (requests without both clocks are left out)."""
    found: dict[str, dict[ClockKind, Clock]] = {}
    rows = await session.execute(_BY_NUMBERS, {"numbers": list(numbers)})
    for row in rows.mappings():
        found.setdefault(row["request_number"], {})[ClockKind(row["clock"])] = clock_from_row(row)
    return {
        number: SlaSnapshot(clocks[ClockKind.RESPONSE], clocks[ClockKind.RESOLUTION])
        for number, clocks in found.items()
        if len(clocks) == 2
    }


async def save_clocks(
    session: Executor, number: str, snapshot: SlaSnapshot, *, before: SlaSnapshot | None = None
) -> None:
    """Write the clocks of `snapshot` (only those that differ from `before`, if given)."""
    changed = [
        clock
        for clock, old in zip(
            snapshot.clocks, before.clocks if before else (None, None), strict=True
        )
        if clock != old
    ]
    if changed:
        await session.execute(
            _UPDATE,
            [{"b_number": number, "b_clock": c.kind.value, **clock_values(c)} for c in changed],
        )


async def claim_due(connection: Executor, now: datetime, *, limit: int) -> list[tuple[str, Clock]]:
    """Up to `limit` clocks whose next alert has come, locked until the transaction ends.

    Rows another scheduler holds are skipped (it is sending their alerts), so replicas share the
    work instead of queueing behind each other.
    """
    rows = await connection.execute(
        sa.select(_T)
        .where(_T.c.next_alert_at <= now)
        .order_by(_T.c.next_alert_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [(row["request_number"], clock_from_row(row)) for row in rows.mappings()]


async def save_alerts(connection: Executor, clocks: Sequence[tuple[str, Clock]]) -> None:
    """Store what the scheduler sent (the clocks' `warned_at`/`breached_at`), in one batch."""
    if clocks:
        await connection.execute(
            _UPDATE,
            [
                {
                    "b_number": number,
                    "b_clock": clock.kind.value,
                    "warned_at": clock.warned_at,
                    "breached_at": clock.breached_at,
                    "next_alert_at": clock.next_alert_at,
                }
                for number, clock in clocks
            ],
        )


async def next_alert_at(connection: Executor) -> datetime | None:
    """When the earliest pending alert falls due (None: nothing is pending)."""
    value: datetime | None = await connection.scalar(sa.select(sa.func.min(_T.c.next_alert_at)))
    return value


async def _locked(session: Executor, number: str) -> SlaSnapshot | None:
    """The request's clocks, locked against the scheduler and concurrent transitions."""
    rows = await session.execute(
        sa.select(_T).where(_T.c.request_number == number).with_for_update()
    )
    clocks = {ClockKind(row["clock"]): clock_from_row(row) for row in rows.mappings()}
    if len(clocks) != 2:
        return None
    return SlaSnapshot(clocks[ClockKind.RESPONSE], clocks[ClockKind.RESOLUTION])


def state_condition(
    clocks: sa.FromClause,
    states: Iterable[str],
    now: datetime | sa.ColumnElement[datetime],
) -> sa.ColumnElement[bool]:
    """Rows of (an alias of) `sla_clocks` whose clock is in one of `states` at `now`: the
    verdict of `Clock.state`, spelled as plain comparisons the planner can estimate and index
    (running clocks compare `warn_at`/`due_at` with now, paused ones with `paused_at`, stopped
    ones with `stopped_at`). Tests hold the two definitions together."""
    c = clocks.c
    stopped, running = c.stopped_at.is_not(None), c.stopped_at.is_(None)
    paused, moving = c.paused_at.is_not(None), c.paused_at.is_(None)
    by_state = {
        SlaState.BREACHED: sa.or_(
            stopped & (c.stopped_at >= c.due_at),
            running & paused & (c.paused_at >= c.due_at),
            running & moving & (c.due_at <= now),
        ),
        SlaState.MET: stopped & (c.stopped_at < c.due_at),
        SlaState.WARNING: running
        & sa.or_(
            paused & (c.paused_at >= c.warn_at) & (c.paused_at < c.due_at),
            moving & (c.warn_at <= now) & (c.due_at > now),
        ),
        SlaState.ON_TRACK: running
        & sa.or_(paused & (c.paused_at < c.warn_at), moving & (c.warn_at > now)),
    }
    return sa.or_(*(by_state[SlaState(state)] for state in dict.fromkeys(states)))
