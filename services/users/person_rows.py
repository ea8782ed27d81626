"""`users` rows ↔ `Person`: opening and sealing the personal columns, locking a row.

Shared by every store of this service that reads or changes a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.kit.errors import NotFound
from services.users import models
from services.users.people import Person
from services.users.privacy import Sealer

Row = sa.RowMapping
_USERS = models.users


def to_person(row: Row, sealer: Sealer) -> Person:
    """The person of a `users` row, personal fields decrypted."""
    user_id = str(row["id"])
    return Person(
        id=user_id,
        full_name=row["full_name"],
        phone=sealer.open(row["phone_sealed"], table="users", column="phone", row_id=user_id),
        email=sealer.open(row["email_sealed"], table="users", column="email", row_id=user_id),
        language=row["language"],
        roles=tuple(row["roles"]),
        active_role=row["active_role"],
        status=row["status"],
        status_reason=row["status_reason"],
        verification_status=row["verification_status"],
        specializations=tuple(row["specializations"]),
        telegram_user_id=row["telegram_user_id"],
        channel=row["channel"],
        anonymized=row["anonymized"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def columns(user_id: str, values: Mapping[str, Any], sealer: Sealer) -> dict[str, Any]:
    """Column values for an insert or update: `phone` and `email` in clear become their sealed
    columns (and the phone's blind index); everything else passes through."""
    result = dict(values)
    if "phone" in result:
        phone = result.pop("phone")
        result["phone_sealed"] = sealer.seal_optional(
            phone, table="users", column="phone", row_id=user_id
        )
        result["phone_index"] = sealer.phone_index(phone) if phone is not None else None
    if "email" in result:
        result["email_sealed"] = sealer.seal_optional(
            result.pop("email"), table="users", column="email", row_id=user_id
        )
    return result


async def lock(session: AsyncSession, user_id: str, sealer: Sealer) -> Person:
    """The person, their row locked until the transaction ends; NotFound if unknown."""
    row = (
        (await session.execute(sa.select(_USERS).where(_USERS.c.id == user_id).with_for_update()))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("user", user_id)
    return to_person(row, sealer)


async def read(session: AsyncSession, user_id: str, sealer: Sealer) -> Person:
    """The person as stored now (inside the caller's transaction); NotFound if unknown."""
    row = (
        (await session.execute(sa.select(_USERS).where(_USERS.c.id == user_id))).mappings().first()
    )
    if row is None:
        raise NotFound("user", user_id)
    return to_person(row, sealer)
