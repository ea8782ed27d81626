"""Persistence of apartment bindings: a resident's requests, managers' decisions, the listing,
and the hooks other parts of the users service run inside their own transactions:
`approve_pending_bindings` (verification approved) and `forget_user` (erasure).

Every change of a binding's status writes its event to the outbox in the same transaction.
A person's bindings are locked together before any change, so their changes run one at a time
and they always have at most one primary apartment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from ukm.users.v1 import directory_pb2, events_pb2

from services.kit.db import transaction
from services.kit.errors import NotFound
from services.users import address_bindings
from services.users import directory_models as t
from services.users.address_bindings import BindingStatus, BindingView
from services.users.address_levels import Level
from services.users.directory_sql import (
    APARTMENT,
    After,
    DirectoryDb,
    Row,
    already_exists,
    chain_active,
    emit,
    get_row,
    new_id,
)

# Why an erased person's pending bindings were rejected (they and the managers see it).
ACCOUNT_DELETED = "account deleted"


class BindingStore:
    """SQL of apartment bindings."""

    def __init__(self, db: DirectoryDb) -> None:
        self.db = db

    async def request_binding(
        self, user_id: str, apartment_id: str, *, owner: bool, primary: bool, now: datetime
    ) -> Row:
        """A resident's new pending binding request (and its event)."""
        async with transaction(self.db.sessions) as session:
            mine = await _lock_bindings(session, user_id)
            apartment = await get_row(session, APARTMENT, apartment_id)
            address_bindings.check_binding_request(
                mine,
                apartment_id,
                apartment_in_use=apartment["active"]
                and await _chain_is_active(session, apartment["building_id"]),
            )
            values = {
                "id": new_id(),
                "user_id": user_id,
                "apartment_id": apartment_id,
                "status": BindingStatus.PENDING.value,
                "is_owner": owner,
                "wants_primary": primary,
                "created_at": now,
                "updated_at": now,
            }
            try:
                stored = await session.execute(
                    sa.insert(t.bindings).values(values).returning(*t.bindings.c)
                )
            except IntegrityError as exc:
                raise already_exists(exc) from exc
            row = stored.mappings().one()
            event = events_pb2.ApartmentBindingRequested(binding=binding_proto(row))
            await emit(session, event, user_id)
            return row

    async def decide_binding(
        self, binding_id: str, *, approve: bool, reason: str, decided_by: str, now: datetime
    ) -> Row:
        """A manager's decision on a pending binding (and its event)."""
        async with transaction(self.db.sessions) as session:
            user_id = await session.scalar(
                sa.select(t.bindings.c.user_id).where(t.bindings.c.id == binding_id)
            )
            if user_id is None:
                raise NotFound("apartment binding", binding_id)
            mine = {b.id: b for b in await _lock_bindings(session, user_id)}
            status = address_bindings.decide_binding(
                mine[binding_id].status, approve=approve, reason=reason
            )
            [row] = await _set_decision(session, [binding_id], status, reason, decided_by, now)
            if status is BindingStatus.APPROVED:
                await _settle_primary(
                    session, user_id, binding_id if row["wants_primary"] else None
                )
            [decided] = await _bindings(session, [binding_id])  # primary settled
            event = events_pb2.ApartmentBindingDecided(binding=binding_proto(decided))
            await emit(session, event, user_id)
            return decided

    async def list_bindings(
        self,
        *,
        status: BindingStatus | None,
        user_id: str | None,
        apartment_id: str | None,
        limit: int,
        after: After,
    ) -> list[Row]:
        """A page of bindings, oldest first (a moderation queue reads front to back)."""
        query = sa.select(t.bindings)
        if status is not None:
            query = query.where(t.bindings.c.status == status.value)
        if user_id is not None:
            query = query.where(t.bindings.c.user_id == user_id)
        if apartment_id is not None:
            query = query.where(t.bindings.c.apartment_id == apartment_id)
        keys = [t.bindings.c.created_at, t.bindings.c.id]
        return await self.db.page(query, keys, limit, after)


# --- inside other transactions of the users service ---------------------------------------


async def approve_pending_bindings(
    session: AsyncSession, user_id: str, decided_by: str, now: datetime
) -> list[str]:
    """Approve all of `user_id`'s pending bindings in the caller's transaction; their ids.

    Verification approval calls this: the bindings and the verification change together.
    Each approved binding gets its `ApartmentBindingDecided` event; the primary apartment is
    settled as for a single approval (the oldest binding that asked to be primary wins).
    """
    mine = await _lock_bindings(session, user_id)
    pending = sorted(
        (b for b in mine if b.status is BindingStatus.PENDING), key=lambda b: (b.created_at, b.id)
    )
    if not pending:
        return []
    ids = [b.id for b in pending]
    approved = await _set_decision(session, ids, BindingStatus.APPROVED, "", decided_by, now)
    wanted = next((r["id"] for r in approved if r["wants_primary"]), None)
    await _settle_primary(session, user_id, wanted)
    await _announce(session, user_id, ids)
    return ids


async def forget_user(session: AsyncSession, user_id: str, now: datetime) -> list[str]:
    """Erasure of `user_id` (RightsStore.anonymize), in the caller's transaction; the ids of
    the bindings it rejected.

    The managers' written reasons on the person's bindings may say things about them, so they
    are cleared; pending requests will never be decided for a deleted account, so they are
    rejected ("account deleted", with their events). Approved bindings stay, as the history of
    which flat a request came from.
    """
    mine = await _lock_bindings(session, user_id)
    await session.execute(
        sa.update(t.bindings)
        .where(
            t.bindings.c.user_id == user_id,
            # Our own reason says nothing about the person, and leaving it makes this idempotent.
            t.bindings.c.decision_reason.not_in(["", ACCOUNT_DELETED]),
        )
        .values(decision_reason="", updated_at=now)
    )
    ids = [b.id for b in mine if b.status is BindingStatus.PENDING]
    if ids:
        await _set_decision(session, ids, BindingStatus.REJECTED, ACCOUNT_DELETED, "", now)
        await _announce(session, user_id, ids)
    return ids


# --- the contract's view --------------------------------------------------------------------


def binding_proto(row: Row) -> directory_pb2.ApartmentBinding:
    """A stored binding as the contract shows it."""
    message = directory_pb2.ApartmentBinding(
        id=row["id"],
        user_id=row["user_id"],
        apartment_id=row["apartment_id"],
        status=_BINDING_STATUS[row["status"]],
        primary=row["is_primary"],
        owner=row["is_owner"],
        decision_reason=row["decision_reason"],
        decided_by=row["decided_by"] or "",
    )
    message.requested_at.FromDatetime(row["created_at"])
    if row["decided_at"] is not None:
        message.decided_at.FromDatetime(row["decided_at"])
    return message


def binding_view(row: Row) -> BindingView:
    """A stored binding as the rules in `addresses` see it."""
    return BindingView(
        row["id"],
        row["apartment_id"],
        BindingStatus(row["status"]),
        row["is_primary"],
        row["created_at"],
    )


_BINDING_STATUS = {
    BindingStatus.PENDING.value: directory_pb2.BINDING_STATUS_PENDING,
    BindingStatus.APPROVED.value: directory_pb2.BINDING_STATUS_APPROVED,
    BindingStatus.REJECTED.value: directory_pb2.BINDING_STATUS_REJECTED,
}


# --- helpers ------------------------------------------------------------------------------


async def _chain_is_active(session: AsyncSession, building_id: str) -> bool:
    """Whether a building and its yard are both active."""
    return bool(
        await session.scalar(
            sa.select(sa.literal(True)).where(
                t.buildings.c.id == building_id, *chain_active(Level.BUILDING)
            )
        )
    )


async def _lock_bindings(session: AsyncSession, user_id: str) -> list[BindingView]:
    """A person's bindings, locked: their binding changes run one at a time (one primary)."""
    rows = await session.execute(
        sa.select(t.bindings).where(t.bindings.c.user_id == user_id).with_for_update()
    )
    return [binding_view(r) for r in rows.mappings()]


async def _bindings(session: AsyncSession, ids: Sequence[str]) -> list[Row]:
    """Bindings by id, oldest first."""
    rows = await session.execute(
        sa.select(t.bindings)
        .where(t.bindings.c.id.in_(ids))
        .order_by(t.bindings.c.created_at, t.bindings.c.id)
    )
    return list(rows.mappings().all())


async def _announce(session: AsyncSession, user_id: str, ids: Sequence[str]) -> None:
    """An `ApartmentBindingDecided` event for each of the (just decided) bindings `ids`."""
    for decided in await _bindings(session, ids):
        event = events_pb2.ApartmentBindingDecided(binding=binding_proto(decided))
        await emit(session, event, user_id)


async def _set_decision(
    session: AsyncSession,
    ids: Sequence[str],
    status: BindingStatus,
    reason: str,
    decided_by: str,
    now: datetime,
) -> list[Row]:
    result = await session.execute(
        sa.update(t.bindings)
        .where(t.bindings.c.id.in_(ids))
        .values(
            status=status.value,
            decision_reason=reason.strip() if status is BindingStatus.REJECTED else "",
            decided_by=decided_by or None,
            decided_at=now,
            updated_at=now,
        )
        .returning(*t.bindings.c)
    )
    return sorted(result.mappings().all(), key=lambda r: (r["created_at"], r["id"]))


async def _settle_primary(session: AsyncSession, user_id: str, wanted: str | None) -> None:
    """Make the binding `address_bindings.choose_primary` picks the person's only primary one."""
    rows = await session.execute(sa.select(t.bindings).where(t.bindings.c.user_id == user_id))
    mine = [binding_view(r) for r in rows.mappings()]
    chosen = address_bindings.choose_primary(mine, wanted)
    if [b.id for b in mine if b.primary] == ([chosen] if chosen else []):
        return
    # Clear first: the unique index allows one primary per person at every statement.
    await session.execute(
        sa.update(t.bindings)
        .where(t.bindings.c.user_id == user_id, t.bindings.c.is_primary)
        .values(is_primary=False)
    )
    if chosen is not None:
        await session.execute(
            sa.update(t.bindings).where(t.bindings.c.id == chosen).values(is_primary=True)
        )
