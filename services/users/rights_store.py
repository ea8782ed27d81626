"""A person's data rights: export everything held about them, and erasure by anonymisation.

Erasure keeps the id (requests, history and audit keep pointing at it) and drops what
identifies the person: name → "Deleted user", phone, e-mail and Telegram id cleared,
specialisations and documents erased, the account blocked so no token is ever issued again.
Roles stay, since history reads "executor" or "resident" next to the id. Approved apartment
bindings and yard grants stay too: they say which flat a request came from, not who lives there
now. Pending binding requests are rejected ("account deleted") and managers' reasons on the
person's bindings are cleared.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.kit.db import session_factory, transaction
from services.users import audit, events, models, person_rows
from services.users.binding_reach import bindings_of
from services.users.binding_store import forget_user
from services.users.invite_store import invites_of
from services.users.people import ANONYMIZED_NAME, Person
from services.users.privacy import Sealer
from services.users.roles import BLOCKED
from services.users.verification_store import documents_of, erase_documents

_USERS = models.users


class RightsStore:
    """SQL of data exports and erasure."""

    def __init__(self, engine: AsyncEngine, sealer: Sealer) -> None:
        self.sessions = session_factory(engine)
        self.sealer = sealer

    async def export(self, user_id: str) -> tuple[Person, dict[str, Any]]:
        """The person and every record about them, by kind (JSON-ready values)."""
        # One snapshot: REPEATABLE READ makes every query see the same moment.
        async with self.sessions() as session, session.begin():
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            person = await person_rows.read(session, user_id, self.sealer)
            case = (
                (
                    await session.execute(
                        sa.select(models.verifications).where(
                            models.verifications.c.user_id == user_id
                        )
                    )
                )
                .mappings()
                .first()
            )
            documents = await documents_of(session, user_id, self.sealer)
            records: dict[str, Any] = {
                "account": {
                    "channel": person.channel,
                    "telegram_user_id": str(person.telegram_user_id or ""),
                },
                "verification": _jsonable(dict(case)) if case is not None else None,
                "documents": [_jsonable(vars(d)) for d in documents],
                "invites": await invites_of(session, user_id),
                "directory": await bindings_of(session, user_id),
                "audit": await audit.entries_about(await session.connection(), user_id),
            }
            return person, records

    async def anonymize(self, user_id: str, *, actor: str, now: datetime) -> bool:
        """Erase the person's personal data; False if it already was (nothing changes)."""
        async with transaction(self.sessions) as session:
            person = await person_rows.lock(session, user_id, self.sealer)
            if person.anonymized:
                return False
            await session.execute(
                sa.update(_USERS)
                .where(_USERS.c.id == user_id)
                .values(
                    full_name=ANONYMIZED_NAME,
                    phone_sealed=None,
                    phone_index=None,
                    email_sealed=None,
                    telegram_user_id=None,
                    specializations=[],
                    status=BLOCKED,
                    status_reason="",
                    anonymized=True,
                    updated_at=now,
                )
            )
            await erase_documents(session, user_id, now)
            await forget_user(session, user_id, now)
            await session.execute(
                sa.update(models.verifications)
                .where(models.verifications.c.user_id == user_id)
                .values(request_comment="")
            )
            await audit.record(
                session, at=now, actor=actor, action="user.anonymized", subject_id=user_id
            )
            await events.emit(session, events.user_anonymized(user_id, actor), user_id=user_id)
            return True


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Datetimes as ISO text and tuples as lists, so a protobuf Struct can carry them."""
    result: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, datetime):
            result[key] = value.isoformat()
        elif isinstance(value, tuple | list):
            result[key] = list(value)
        else:
            result[key] = value
    return result
