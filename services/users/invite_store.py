"""Persistence of staff invites: issuing, and redeeming exactly once.

Redemption locks the invite row, checks the token against it (`invites.check_redeemable`), and
marks it redeemed in the same transaction that gives the person the role: two people racing
with one link get one success and one `INVITE_ALREADY_USED`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.kit.db import session_factory, transaction
from services.users import audit, events, models, person_rows
from services.users.invites import Invite, InviteToken, check_redeemable
from services.users.people import Person, require_not_anonymized, require_not_blocked
from services.users.privacy import Sealer
from services.users.roles import EXECUTOR, PENDING, RoleSet, normalize_specialisations

_INVITES = models.invites


class InviteStore:
    """SQL of invites."""

    def __init__(self, engine: AsyncEngine, sealer: Sealer) -> None:
        self.sessions = session_factory(engine)
        self.sealer = sealer

    async def issue(self, invite: Invite, *, now: datetime) -> None:
        """Store a new invite (audited as its issuer's decision)."""
        async with transaction(self.sessions) as session:
            await session.execute(
                sa.insert(_INVITES).values(
                    id=str(invite.id),
                    nonce=invite.nonce,
                    role=invite.role,
                    specializations=list(invite.specialisations),
                    issuer_id=invite.issuer_id,
                    expires_at=invite.expires_at,
                    created_at=now,
                )
            )
            await audit.record(
                session,
                at=now,
                actor=invite.issuer_id,
                action="invite.created",
                subject_id=str(invite.id),
                details={"role": invite.role, "expires_at": invite.expires_at.isoformat()},
            )

    async def redeem(
        self, token: InviteToken, user_id: str, *, keys: Sequence[bytes], now: datetime
    ) -> Person:
        """Give `user_id` the invite's role (and skills); the account waits for approval."""
        async with transaction(self.sessions) as session:
            invite, redeemed, revoked = await self._lock(session, token.invite_id)
            valid = check_redeemable(
                invite, token, keys, now=now, redeemed=redeemed, revoked=revoked
            )
            person = await person_rows.lock(session, user_id, self.sealer)
            require_not_anonymized(person)
            require_not_blocked(person)
            roles = RoleSet.of(person.roles, person.active_role).add(valid.role)
            skills = person.specializations
            if valid.role == EXECUTOR:
                skills = normalize_specialisations((*skills, *valid.specialisations))
            values: dict[str, object] = {
                "roles": list(roles.roles),
                # The bot opens the new role's menu (usable once a manager approves).
                "active_role": valid.role,
                "specializations": list(skills),
                "updated_at": now,
            }
            if valid.role not in person.roles:
                # A new role waits for a manager, even for people already approved as
                # residents: a forwarded link must not make anyone staff on its own.
                values["status"] = PENDING
            await session.execute(
                sa.update(models.users).where(models.users.c.id == user_id).values(**values)
            )
            await session.execute(
                sa.update(_INVITES)
                .where(_INVITES.c.id == str(valid.id))
                .values(redeemed_at=now, redeemed_by=user_id)
            )
            await audit.record(
                session,
                at=now,
                actor=user_id,
                action="invite.redeemed",
                subject_id=user_id,
                details={"invite_id": str(valid.id), "role": valid.role},
            )
            await events.emit(
                session,
                events.invite_redeemed(user_id, str(valid.id), valid.role, valid.issuer_id),
                user_id=user_id,
            )
            return await person_rows.read(session, user_id, self.sealer)

    async def _lock(
        self, session: AsyncSession, invite_id: uuid.UUID
    ) -> tuple[Invite | None, bool, bool]:
        row = (
            (
                await session.execute(
                    sa.select(_INVITES).where(_INVITES.c.id == str(invite_id)).with_for_update()
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None, False, False
        invite = Invite(
            id=uuid.UUID(str(row["id"])),
            nonce=bytes(row["nonce"]),
            role=row["role"],
            specialisations=tuple(row["specializations"]),
            issuer_id=row["issuer_id"],
            expires_at=row["expires_at"],
        )
        return invite, row["redeemed_at"] is not None, row["revoked_at"] is not None


async def invites_of(session: AsyncSession, user_id: str) -> list[dict[str, object]]:
    """Invites the person redeemed (data export)."""
    rows = await session.execute(
        sa.select(_INVITES)
        .where(_INVITES.c.redeemed_by == user_id)
        .order_by(_INVITES.c.redeemed_at)
    )
    return [
        {
            "invite_id": str(row.id),
            "role": row.role,
            "specializations": list(row.specializations),
            "issued_by": row.issuer_id,
            "redeemed_at": row.redeemed_at.isoformat(),
        }
        for row in rows
    ]
