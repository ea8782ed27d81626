"""Persistence of shifts: opening and ending them (each with its event, in one transaction),
and the reads behind "who is on duty" and the history.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.kit import keyset
from services.kit.db import session_factory, transaction
from services.kit.errors import NotFound
from services.shifts import coverage, events, lifecycle, models
from services.shifts.lifecycle import NewShift, Shift

_SHIFTS = models.shifts
_OPEN = _SHIFTS.c.status.in_(lifecycle.OPEN)


@dataclass(frozen=True)
class HistoryFilter:
    """Filters of the history listing (None: any)."""

    executor_id: str | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None


class ShiftStore:
    """SQL about shifts (the `shifts` table) for the shift servicer."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = session_factory(engine)
        # Single-statement reads need no transaction: one round trip instead of three.
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def open(self, new: NewShift) -> Shift:
        """Store `new` as the executor's active shift and announce it (`ShiftStarted`).

        The partial unique index decides between racing calls: the loser's insert does nothing
        (after the winner commits) and it is refused with `SHIFT_ALREADY_ACTIVE`.
        """
        values = {
            "id": str(uuid.uuid4()),
            "executor_id": new.executor_id,
            "status": lifecycle.ACTIVE,
            "type": new.type,
            "specialisations": list(new.focus),
            "executor_specialisations": list(new.executor_specialisations),
            "coverage": list(new.coverage),
            "planned_start_at": new.planned_start_at,
            "planned_end_at": new.planned_end_at,
            "started_at": new.at,
            "note": new.note,
            "created_by": new.created_by,
            "created_at": new.at,
            "updated_at": new.at,
        }
        statement = (
            insert(_SHIFTS)
            .values(**values)
            .on_conflict_do_nothing(
                index_elements=[_SHIFTS.c.executor_id], index_where=sa.text(models.OPEN_PREDICATE)
            )
            .returning(*_SHIFTS.c)
        )
        async with transaction(self.sessions) as session:
            row = (await session.execute(statement)).mappings().first()
            if row is None:
                current = await session.scalar(
                    sa.select(_SHIFTS.c.id).where(_SHIFTS.c.executor_id == new.executor_id, _OPEN)
                )
                raise lifecycle.already_open(str(current or ""))
            shift = to_shift(row)
            await events.emit(session, events.shift_started(shift), shift_id=shift.id)
            return shift

    async def end(
        self,
        *,
        shift_id: str | None,
        executor_id: str,
        check: Callable[[Shift], None],
        ended_by: str,
        note: str,
        now: datetime,
    ) -> Shift:
        """End shift `shift_id` (or, without one, `executor_id`'s open shift) once `check`
        (pure, raising) allows it, and announce it (`ShiftEnded`).

        The row is locked first, so of two racing ends exactly one succeeds and emits; the
        other sees the ended shift and is refused.
        """
        async with transaction(self.sessions) as session:
            shift = await self._lock(session, shift_id, executor_id)
            check(shift)
            # Replicas' clocks differ by a little; a shift never ends before it began.
            ended_at = max(now, shift.started_at) if shift.started_at else now
            row = (
                (
                    await session.execute(
                        sa.update(_SHIFTS)
                        .where(_SHIFTS.c.id == shift.id)
                        .values(
                            status=lifecycle.COMPLETED,
                            ended_at=ended_at,
                            ended_by=ended_by,
                            end_note=note,
                            updated_at=now,
                            version=_SHIFTS.c.version + 1,
                        )
                        .returning(*_SHIFTS.c)
                    )
                )
                .mappings()
                .one()
            )
            ended = to_shift(row)
            await events.emit(session, events.shift_ended(ended), shift_id=ended.id)
            return ended

    async def _lock(self, session: AsyncSession, shift_id: str | None, executor_id: str) -> Shift:
        if shift_id is not None:
            query = sa.select(_SHIFTS).where(_SHIFTS.c.id == shift_id)
        else:
            query = sa.select(_SHIFTS).where(_SHIFTS.c.executor_id == executor_id, _OPEN)
        row = (await session.execute(query.with_for_update())).mappings().first()
        if row is None:
            if shift_id is not None:
                raise NotFound("shift", shift_id)
            raise lifecycle.no_open_shift()
        return to_shift(row)

    async def active(
        self, *, executor_id: str | None = None, specialisation: str | None = None
    ) -> list[Shift]:
        """Shifts under way now, earliest start first; by executor and by what they cover."""
        conditions: list[sa.ColumnElement[bool]] = [_SHIFTS.c.status == lifecycle.ACTIVE]
        if executor_id is not None:
            conditions.append(_SHIFTS.c.executor_id == executor_id)
        if specialisation is not None:
            # The rule of coverage.covers, in SQL: the coverage holds it or the wildcard.
            conditions.append(
                _SHIFTS.c.coverage.overlap(list(coverage.matching_keys(specialisation)))
            )
        query = sa.select(_SHIFTS).where(*conditions).order_by(_SHIFTS.c.started_at, _SHIFTS.c.id)
        return await self._read(query)

    async def on_duty(self, executor_id: str) -> Shift | None:
        """The executor's active shift, if they are on duty now."""
        found = await self.active(executor_id=executor_id)
        return found[0] if found else None

    async def history(
        self, filters: HistoryFilter, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[Shift]:
        """Shifts that have started, newest first; `after` is the (started_at, id) of the
        previous page's last shift."""
        conditions: list[sa.ColumnElement[bool]] = [_SHIFTS.c.started_at.is_not(None)]
        if filters.executor_id is not None:
            conditions.append(_SHIFTS.c.executor_id == filters.executor_id)
        if filters.started_after is not None:
            conditions.append(_SHIFTS.c.started_at >= filters.started_after)
        if filters.started_before is not None:
            conditions.append(_SHIFTS.c.started_at < filters.started_before)
        if after is not None:
            conditions.append(keyset.before((_SHIFTS.c.started_at, _SHIFTS.c.id), after))
        query = (
            sa.select(_SHIFTS)
            .where(*conditions)
            .order_by(_SHIFTS.c.started_at.desc(), _SHIFTS.c.id.desc())
            .limit(limit)
        )
        return await self._read(query)

    async def _read(self, query: sa.Select[Any]) -> list[Shift]:
        async with self.reader.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [to_shift(row) for row in rows]


def to_shift(row: sa.RowMapping) -> Shift:
    """A `shifts` row as the domain record."""
    return Shift(
        id=str(row["id"]),
        executor_id=str(row["executor_id"]) if row["executor_id"] is not None else None,
        status=row["status"],
        type=row["type"],
        focus=tuple(row["specialisations"]),
        executor_specialisations=tuple(row["executor_specialisations"]),
        coverage=tuple(row["coverage"]),
        yard_ids=tuple(str(v) for v in row["yard_ids"]),
        building_ids=tuple(str(v) for v in row["building_ids"]),
        capacity=row["capacity"],
        planned_start_at=row["planned_start_at"],
        planned_end_at=row["planned_end_at"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        template_id=str(row["template_id"]) if row["template_id"] is not None else None,
        note=row["note"],
        end_note=row["end_note"],
        created_by=row["created_by"],
        ended_by=row["ended_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )
