"""Keeping SLA clocks in step with their requests, inside the request's own transaction.

Ready-made callbacks for the storage code (`lifecycle_writes.ChangeHook`, the filing's
follow-up and the managers' edits), so that a clock never disagrees with its request:

    sla = SlaBookkeeping(policy)
    LifecycleStore(engine, hooks=[sla.on_step])          # every workflow step
    await sla.on_filed(session, row)                     # filing, before the first dispatch
    await sla.on_edit(session, before_row, edited_row)   # urgency / category edits

Each also copies the clocks' deadlines onto the request row (`response_due_at`,
`resolution_due_at`): pauses and edits move them, and readers of the row must see that.
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


class SlaBookkeeping:
    """SLA clock updates for filing, workflow steps and edits (one policy for all)."""

    def __init__(self, policy: SlaPolicy) -> None:
        self.policy = policy

    async def on_filed(self, session: Executor, row: Mapping[str, Any]) -> SlaSnapshot:
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
        await _write_deadlines(session, row["number"], snapshot, row)
        return snapshot

    async def on_step(self, session: Executor, before: RequestState, outcome: Outcome) -> None:
        """A `lifecycle_writes.ChangeHook`: move the clocks along the step's status change."""
        snapshot = await on_status_change(
            session, before.number, before.status, outcome.state.status, outcome.entry.at
        )
        if snapshot is not None:
            await _write_deadlines(session, before.number, snapshot)

    async def on_edit(
        self, session: Executor, before: Mapping[str, Any], after: Mapping[str, Any]
    ) -> None:
        """After a manager's edit: new targets if the urgency or the category changed."""
        if (before["urgency"], before["category"]) == (after["urgency"], after["category"]):
            return
        snapshot = await retarget_clocks(
            session,
            after["number"],
            urgency=after["urgency"],
            category=after["category"],
            policy=self.policy,
        )
        if snapshot is not None:
            await _write_deadlines(session, after["number"], snapshot, after)


async def _write_deadlines(
    session: Executor,
    number: str,
    snapshot: SlaSnapshot,
    row: Mapping[str, Any] | None = None,
) -> None:
    """Copy the clocks' deadlines onto the request row (skipped when `row` shows them already)."""
    due = {
        "response_due_at": snapshot.response_due_at,
        "resolution_due_at": snapshot.resolution_due_at,
    }
    if row is not None and all(row[name] == value for name, value in due.items()):
        return
    await session.execute(sa.update(_R).where(_R.c.number == number).values(**due))
