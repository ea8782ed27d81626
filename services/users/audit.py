"""The audit trail of decisions about people (who, what, about whom, why, when).

Entries are written in the transaction of the decision they record, so the trail is exactly as
complete as the data. `details` carries ids, role keys and field names, never personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.users import models


async def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject_id: str,
    reason: str = "",
    details: Mapping[str, Any] | None = None,
) -> None:
    """Add one entry inside the caller's transaction."""
    await session.execute(
        sa.insert(models.audit).values(
            at=at,
            actor=actor,
            action=action,
            subject_id=subject_id,
            reason=reason,
            details=dict(details or {}),
        )
    )


async def entries_about(connection: AsyncConnection, subject_id: str) -> list[dict[str, Any]]:
    """Every entry about `subject_id`, oldest first (data export). Decisions the person made
    about others are those others' data, so they are not included."""
    table = models.audit
    rows = await connection.execute(
        sa.select(table).where(table.c.subject_id == subject_id).order_by(table.c.id)
    )
    return [
        {
            "at": row.at.isoformat(),
            "actor": row.actor,
            "action": row.action,
            "subject_id": row.subject_id,
            "reason": row.reason,
            "details": row.details,
        }
        for row in rows
    ]
