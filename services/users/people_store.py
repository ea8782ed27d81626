"""Persistence of people: creating them, reading and searching, and applying decided changes
(with their audit entry and event) in one transaction each.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.kit import keyset
from services.kit.db import session_factory, transaction
from services.users import audit, events, models, person_rows, sql
from services.users.decisions import Change
from services.users.people import NewPerson, Person
from services.users.privacy import Sealer
from services.users.roles import APPROVED, UNIVERSAL, holders_of

_USERS = models.users


@dataclass(frozen=True)
class UserFilter:
    """Filters of a listing (None: any). A phone is searched by its blind indexes."""

    name_part: str | None = None
    phone_indexes: tuple[str, ...] = ()
    role: str | None = None
    status: str | None = None
    specialization: str | None = None


class PeopleStore:
    """SQL about people (the `users` table) for the user servicer and the auth service."""

    def __init__(self, engine: AsyncEngine, sealer: Sealer) -> None:
        self.sessions = session_factory(engine)
        # Single-statement reads need no transaction: one round trip instead of three.
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.sealer = sealer

    async def create(
        self, new: NewPerson, *, actor: str, now: datetime, user_id: str | None = None
    ) -> Person:
        """Store a new person and announce them (`UserRegistered`). `user_id` is chosen here
        unless an operator's bootstrap names it (stable ids for demo people)."""
        async with transaction(self.sessions) as session:
            user_id = user_id or str(uuid.uuid4())
            await session.execute(sa.insert(_USERS).values(**self._new_row(user_id, new, now)))
            await self._registered(session, user_id, new, actor=actor, now=now)
            return await person_rows.read(session, user_id, self.sealer)

    async def ensure_telegram(
        self, new: NewPerson, *, actor: str, now: datetime
    ) -> tuple[Person, bool]:
        """The person using Telegram account `new.telegram_user_id`, created on first contact.

        Two first contacts racing create one person: the loser's insert does nothing and it
        reads the winner's row.
        """
        assert new.telegram_user_id is not None
        async with transaction(self.sessions) as session:
            user_id = str(uuid.uuid4())
            inserted = await session.execute(
                insert(_USERS)
                .values(**self._new_row(user_id, new, now))
                .on_conflict_do_nothing(index_elements=[_USERS.c.telegram_user_id])
                .returning(_USERS.c.id)
            )
            if inserted.first() is not None:
                await self._registered(session, user_id, new, actor=actor, now=now)
                return await person_rows.read(session, user_id, self.sealer), True
            row = (
                (
                    await session.execute(
                        sa.select(_USERS).where(_USERS.c.telegram_user_id == new.telegram_user_id)
                    )
                )
                .mappings()
                .one()
            )
            return person_rows.to_person(row, self.sealer), False

    async def get(self, user_id: str) -> Person:
        """One person, or NotFound."""
        async with self.sessions() as session:
            return await person_rows.read(session, user_id, self.sealer)

    async def contacts(self, user_ids: Sequence[str], roles: Iterable[str]) -> list[Person]:
        """People by id, whatever their status (unknown ids are skipped), together with every
        approved person holding one of `roles` (or a role implying one: admins are managers),
        each person once, in id order. One query, whatever the numbers."""
        wanted: list[sa.ColumnElement[bool]] = []
        if user_ids:
            ids = sa.bindparam("user_ids", sorted(set(user_ids)), type_=ARRAY(UUID(as_uuid=False)))
            wanted.append(_USERS.c.id == sa.any_(ids))
        if holders := holders_of(roles):
            # `&&` on the roles array: what the `users_by_role` GIN index answers.
            wanted.append(
                sa.and_(_USERS.c.status == APPROVED, _USERS.c.roles.overlap(sorted(holders)))
            )
        if not wanted:
            return []
        query = sa.select(_USERS).where(sa.or_(*wanted)).order_by(_USERS.c.id)
        async with self.reader.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [person_rows.to_person(row, self.sealer) for row in rows]

    async def list(
        self, filters: UserFilter, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[Person]:
        """Newest first; `after` is the (created_at, id) of the previous page's last person."""
        conditions: list[sa.ColumnElement[bool]] = []
        if filters.name_part:
            pattern = "%" + sql.escape_like(filters.name_part) + "%"
            conditions.append(_USERS.c.full_name.ilike(pattern, escape="\\"))
        if filters.phone_indexes:
            conditions.append(_USERS.c.phone_index.in_(filters.phone_indexes))
        if filters.role:
            conditions.append(_USERS.c.roles.contains([filters.role]))
        if filters.status:
            conditions.append(_USERS.c.status == filters.status)
        if filters.specialization:
            # "Who can do plumbing": universal executors can do anything.
            wanted = sorted({filters.specialization, UNIVERSAL})
            conditions.append(_USERS.c.specializations.overlap(wanted))
        if after is not None:
            conditions.append(keyset.before((_USERS.c.created_at, _USERS.c.id), after))
        query = (
            sa.select(_USERS)
            .where(*conditions)
            .order_by(_USERS.c.created_at.desc(), _USERS.c.id.desc())
            .limit(limit)
        )
        async with self.reader.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [person_rows.to_person(row, self.sealer) for row in rows]

    async def modify(
        self,
        user_id: str,
        decide: Callable[[Person], Change],
        *,
        actor: str,
        now: datetime,
    ) -> Person:
        """Lock the person, let `decide` (pure) say what changes, and write it with its audit
        entry and event, all in one transaction."""
        async with transaction(self.sessions) as session:
            person = await person_rows.lock(session, user_id, self.sealer)
            change = decide(person)
            values = person_rows.columns(user_id, change.values, self.sealer)
            await session.execute(
                sa.update(_USERS).where(_USERS.c.id == user_id).values(**values, updated_at=now)
            )
            if change.audit_action is not None:
                await audit.record(
                    session,
                    at=now,
                    actor=actor,
                    action=change.audit_action,
                    subject_id=user_id,
                    reason=change.reason,
                    details=change.details,
                )
            if change.event is not None:
                await events.emit(session, change.event, user_id=user_id)
            return await person_rows.read(session, user_id, self.sealer)

    def _new_row(self, user_id: str, new: NewPerson, now: datetime) -> dict[str, object]:
        values = {
            "id": user_id,
            "full_name": new.full_name,
            "email": new.email,
            "language": new.language,
            "roles": list(new.roles),
            "active_role": new.roles[0],
            "status": new.status,
            "telegram_user_id": new.telegram_user_id,
            "channel": new.channel,
            "created_at": now,
            "updated_at": now,
        }
        return person_rows.columns(user_id, values, self.sealer)

    async def _registered(
        self, session: AsyncSession, user_id: str, new: NewPerson, *, actor: str, now: datetime
    ) -> None:
        await audit.record(
            session,
            at=now,
            actor=actor,
            action="user.registered",
            subject_id=user_id,
            details={"channel": new.channel},
        )
        await events.emit(
            session, events.user_registered(user_id, new.roles, new.channel), user_id=user_id
        )
