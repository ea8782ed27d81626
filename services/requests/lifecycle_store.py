"""Changing requests: each workflow step or edit in one transaction, under the request's row
lock, and reading their history.

The row lock serialises changes of one request (two managers assigning at once: the second
waits, then meets the first one's version), while the pure decision runs inside the
transaction on the state as locked, so it never acts on a stale read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.kit.db import session_factory, transaction
from services.kit.errors import NotFound
from services.requests import events, history, models
from services.requests.lifecycle_codec import state_of
from services.requests.lifecycle_edit import Edit
from services.requests.lifecycle_writes import (
    ChangeHook,
    Dispatch,
    EditHook,
    FiledHook,
    publish,
    record_filing,
    write_outcome,
)
from services.requests.mapping import to_proto
from services.requests.store import AfterFiling
from services.requests.workflow import Outcome, RequestState

Row = sa.RowMapping
# The decision on the locked state: the engine's outcome (or its refusal, raised).
Decide = Callable[[RequestState], Outcome]
# The edit of the locked row (or its refusal, raised).
PlanEdit = Callable[[Row], Edit]
# What follows an edit in the same transaction (e.g. moving to the new category's pool).
FollowEdit = Callable[[RequestState, Row], Outcome | None]

_LOCKED = (
    sa.select(models.requests)
    .where(models.requests.c.number == sa.bindparam("number"))
    .with_for_update()
)


class LifecycleStore:
    """All SQL of workflow steps, edits and history reads."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        hooks: Sequence[ChangeHook] = (),
        on_filed: Sequence[FiledHook] = (),
        on_edit: Sequence[EditHook] = (),
    ) -> None:
        """`hooks` run in every workflow step's transaction, `on_filed` in every filing's and
        `on_edit` in every edit's (see `lifecycle_writes` for when exactly)."""
        self.sessions = session_factory(engine)
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.hooks = tuple(hooks)
        self.on_filed = tuple(on_filed)
        self.on_edit = tuple(on_edit)

    def after_filing(self, *, filed_by: str | None, dispatch: Dispatch) -> AfterFiling:
        """What `RequestStore.file` does in its transaction once the row exists: the creation
        step in the history, the filing hooks, and the first dispatch."""

        async def then(session: AsyncSession, row: Row) -> Row:
            return await record_filing(
                session,
                row,
                filed_by=filed_by,
                dispatch=dispatch,
                on_filed=self.on_filed,
                hooks=self.hooks,
            )

        return then

    async def transition(self, number: str, decide: Decide) -> Row:
        """Apply the outcome `decide` gives for the locked request; the request afterwards."""
        async with transaction(self.sessions) as session:
            before = state_of(await _lock(session, number))
            return await write_outcome(session, before, decide(before), self.hooks)

    async def edit(
        self,
        number: str,
        plan: PlanEdit,
        *,
        editor: str | None,
        reason: str | None,
        now: datetime,
        follow: FollowEdit,
    ) -> Row:
        """Apply a manager's edit (a new version, its history row and `RequestUpdated`), then
        what follows from it; the request afterwards (unchanged when the edit changes nothing)."""
        async with transaction(self.sessions) as session:
            row = await _lock(session, number)
            edit = plan(row)
            if not edit.columns:
                return row
            table = models.requests
            version = row["version"] + 1
            edited = (
                (
                    await session.execute(
                        sa.update(table)
                        .where(table.c.number == number)
                        .values(**edit.columns, version=version, updated_at=now)
                        .returning(*table.c)
                    )
                )
                .mappings()
                .one()
            )
            written = edited
            for hook in self.on_edit:
                if (changed := await hook(session, row, written)) is not None:
                    edited = changed
            shown = history.update_details(edit.changes)
            await session.execute(
                sa.insert(models.history).values(
                    request_number=number,
                    version=version,
                    change=history.UPDATED,
                    actor_id=editor,
                    from_status=row["status"],
                    to_status=row["status"],
                    reason=reason,
                    details=shown,
                    payload=edit.payload(),
                    occurred_at=now,
                )
            )
            message = events.request_updated(
                to_proto(edited), shown, updated_by=editor, reason=reason
            )
            await publish(session, message, number)
            after = state_of(edited)
            outcome = follow(after, row)
            if outcome is None:
                return edited
            return await write_outcome(session, after, outcome, self.hooks)

    async def history(self, number: str) -> list[Row]:
        """Every step of the request's life, oldest first (NotFound for an unknown request)."""
        table = models.history
        query = sa.select(table).where(table.c.request_number == number).order_by(table.c.version)
        async with self.reader.connect() as connection:
            rows = list((await connection.execute(query)).mappings().all())
        if not rows:
            raise NotFound("request", number)
        return rows


async def _lock(session: AsyncSession, number: str) -> Row:
    row = (await session.execute(_LOCKED, {"number": number})).mappings().first()
    if row is None:
        raise NotFound("request", number)
    return row
