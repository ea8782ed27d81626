"""Persistence of yard grants: a manager gives a person access to a whole yard, or takes it
back; each change writes its `YardGrantChanged` event to the outbox in the same transaction."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from ukm.users.v1 import directory_pb2, events_pb2

from services.kit.db import transaction
from services.kit.errors import AlreadyExists, NotFound
from services.users import address_levels
from services.users import directory_models as t
from services.users.directory_sql import (
    ALREADY,
    YARD,
    After,
    DirectoryDb,
    Row,
    emit,
    get_row,
    new_id,
)

_ONCE = "yard_grants_once"


class GrantStore:
    """SQL of yard grants."""

    def __init__(self, db: DirectoryDb) -> None:
        self.db = db

    async def grant_yard(self, user_id: str, yard_id: str, granted_by: str, now: datetime) -> Row:
        """Give `user_id` access to a whole (active) yard (and say so in an event)."""
        async with transaction(self.db.sessions) as session:
            yard = await get_row(session, YARD, yard_id)
            address_levels.check_parent_active("yard", yard_id, yard["active"])
            stored = await session.execute(
                insert(t.yard_grants)
                .values(
                    id=new_id(),
                    user_id=user_id,
                    yard_id=yard_id,
                    granted_by=granted_by,
                    created_at=now,
                )
                .on_conflict_do_nothing(constraint=_ONCE)
                .returning(*t.yard_grants.c)
            )
            grant = stored.mappings().first()
            if grant is None:
                raise AlreadyExists(ALREADY[_ONCE])
            await emit(session, events_pb2.YardGrantChanged(grant=grant_proto(grant)), user_id)
            return grant

    async def revoke_yard_grant(self, grant_id: str) -> None:
        """Take a grant back (and say so in an event)."""
        async with transaction(self.db.sessions) as session:
            deleted = await session.execute(
                sa.delete(t.yard_grants)
                .where(t.yard_grants.c.id == grant_id)
                .returning(*t.yard_grants.c)
            )
            grant = deleted.mappings().first()
            if grant is None:
                raise NotFound("yard grant", grant_id)
            event = events_pb2.YardGrantChanged(grant=grant_proto(grant), revoked=True)
            await emit(session, event, grant["user_id"])

    async def list_grants(
        self, *, user_id: str | None, yard_id: str | None, limit: int, after: After
    ) -> list[Row]:
        """A page of yard grants, oldest first."""
        query = sa.select(t.yard_grants)
        if user_id is not None:
            query = query.where(t.yard_grants.c.user_id == user_id)
        if yard_id is not None:
            query = query.where(t.yard_grants.c.yard_id == yard_id)
        keys = [t.yard_grants.c.created_at, t.yard_grants.c.id]
        return await self.db.page(query, keys, limit, after)


def grant_proto(row: Row) -> directory_pb2.YardGrant:
    """A stored yard grant as the contract shows it."""
    message = directory_pb2.YardGrant(
        id=row["id"],
        user_id=row["user_id"],
        yard_id=row["yard_id"],
        granted_by=row["granted_by"] or "",
    )
    message.granted_at.FromDatetime(row["created_at"])
    return message
