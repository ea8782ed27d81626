"""Keeping SLA clocks in step with their requests, inside the request's own transaction.

Ready-made callbacks for the storage code (`lifecycle_writes.ChangeHook`, the filing's
follow-up and the managers' edits), so that a clock never disagrees with its request:

    sla = SlaBookkeeping(policy)
    LifecycleStore(engine, hooks=[sla.on_step])          # every workflow step
    await sla.on_filed(session, row)                     # filing, before the first dispatch
    await sla.on_edit(session, before_row, edited_row)   # urgency / category edits

Each also copies the clocks' deadlines onto the request row (`response_due_at`,
`resolution_due_at`): pauses and edits move them, and readers of the row must see that. Like
every storage hook, each returns the request row as it stands after that copy (None when the
row was left alone), so the caller need not read the row again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from services.requests import models
from services.requests.sla import SlaPolicy
from services.requests.sla_clock import SlaSnapshot
from services.requests.sla_store import (
    Executor,
    on_status_change,
    retarget_clocks,
    start_clocks,
)

if TYPE_CHECKING:
    from services.requests.workflow import Outcome, RequestState

_R = models.requests
# Built once: building a statement costs more Python time than running it.
_WRITE_DEADLINES = sa.update(_R).where(_R.c.number == sa.bindparam("b_number")).returning(*_R.c)


class SlaBookkeeping:
    """SLA clock updates for filing, workflow steps and edits (one policy for all)."""

    def __init__(self, policy: SlaPolicy) -> None:
        self.policy = policy

    async def on_filed(self, session: Executor, row: Mapping[str, Any]) -> sa.RowMapping | None:
        """Start the clocks of the request just inserted as `row` (call it before anything
        changes the request's status, so that change finds the clocks)."""
        snapshot = await start_clocks(
            session,
            row["number"],
            created_at=row["created_at"],
            urgency=row["urgency"],
            category=row["category"],
            policy=self.policy,
        )
        return await _write_deadlines(session, row["number"], snapshot, row)

    async def on_step(
        self, session: Executor, before: RequestState, outcome: Outcome
    ) -> sa.RowMapping | None:
        """A `lifecycle_writes.ChangeHook`: move the clocks along the step's status change."""
        if outcome.state.status == before.status:
            # Clocks follow statuses only, and the row already shows their deadlines (every
            # writer of the clocks copies them): nothing to read, lock or write.
            return None
        snapshot = await on_status_change(
            session, before.number, before.status, outcome.state.status, outcome.entry.at
        )
        if snapshot is None:
            return None
        return await _write_deadlines(session, before.number, snapshot)

    async def on_edit(
        self, session: Executor, before: Mapping[str, Any], after: Mapping[str, Any]
    ) -> sa.RowMapping | None:
        """After a manager's edit: new targets if the urgency or the category changed."""
        if (before["urgency"], before["category"]) == (after["urgency"], after["category"]):
            return None
        snapshot = await retarget_clocks(
            session,
            after["number"],
            urgency=after["urgency"],
            category=after["category"],
            policy=self.policy,
        )
        if snapshot is None:
            return None
        return await _write_deadlines(session, after["number"], snapshot, after)


async def _write_deadlines(
    session: Executor,
    number: str,
    snapshot: SlaSnapshot,
    row: Mapping[str, Any] | None = None,
) -> sa.RowMapping | None:
    """Copy the clocks' deadlines onto the request row (skipped when `row` shows them already);
    the row afterwards, or None when it was left alone."""
    due = {
        "response_due_at": snapshot.response_due_at,
        "resolution_due_at": snapshot.resolution_due_at,
    }
    if row is not None and all(row[name] == value for name, value in due.items()):
        return None
    written = await session.execute(_WRITE_DEADLINES, {"b_number": number, **due})
    return written.mappings().one()
