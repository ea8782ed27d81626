"""Persistence of requests: filing (number, row, idempotency key and event in one transaction),
reading and listing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from services.kit.db import session_factory, transaction
from services.kit.errors import FailedPrecondition, NotFound
from services.kit.outbox import enqueue
from services.kit.telemetry import current_traceparent
from services.requests import models
from services.requests.domain import Filing
from services.requests.numbering import business_day, format_number

Row = sa.RowMapping
# What else filing does in its transaction once the request row exists (its history, its first
# dispatch); returns the request as it stands afterwards.
AfterFiling = Callable[[AsyncSession, Row], Awaitable[Row]]


@dataclass(frozen=True)
class IdempotencyKey:
    """A client's retry key, scoped to who is calling, and a fingerprint of what they asked."""

    scope: str
    key: str
    fingerprint: str


# Built once: building a statement costs more Python time than running it.
_INSERT_REQUEST = sa.insert(models.requests).returning(*models.requests.c)
_BY_NUMBER = sa.select(models.requests).where(models.requests.c.number == sa.bindparam("number"))
_KEY_FILED = (
    sa.update(models.idempotency_keys)
    .where(
        models.idempotency_keys.c.scope == sa.bindparam("b_scope"),
        models.idempotency_keys.c.key == sa.bindparam("b_key"),
    )
    .values(request_number=sa.bindparam("number"))
)
_NEXT_NUMBER = (
    insert(models.number_counters)
    .values(day=sa.bindparam("day"), last_value=1)
    .on_conflict_do_update(
        index_elements=[models.number_counters.c.day],
        set_={"last_value": models.number_counters.c.last_value + 1},
    )
    .returning(models.number_counters.c.last_value)
)


class RequestStore:
    """All SQL of the requests service."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = session_factory(engine)
        # Single-statement reads need no transaction: one round trip instead of three.
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def file(
        self,
        filing: Filing,
        *,
        idempotency: IdempotencyKey | None,
        event: Callable[[Row], Message],
        then: AfterFiling | None = None,
    ) -> tuple[Row, bool]:
        """Store a new request with the next number of its day, enqueue its event, and do
        `then` (which returns the request as it ends up).

        With an idempotency key already used by the same caller, returns the request filed then
        as it is now (and False). Everything happens in one transaction: a failure leaves no
        trace, and the day's counter only moves when the request is really stored.
        """
        async with transaction(self.sessions) as session:
            if idempotency is not None:
                existing = await self._claim_key(session, idempotency)
                if existing is not None:
                    return existing, False
            number = await self._next_number(session, filing.created_at)
            # RETURNING gives the row as stored (server defaults included): no read back.
            inserted = await session.execute(_INSERT_REQUEST, _row_values(number, filing))
            stored = inserted.mappings().one()
            if idempotency is not None:
                await session.execute(
                    _KEY_FILED,
                    {"b_scope": idempotency.scope, "b_key": idempotency.key, "number": number},
                )
            await enqueue(
                session,
                models.outbox,
                event(stored),
                domain="requests",
                source="requests",
                aggregate_id=number,
                traceparent=current_traceparent(),
            )
            if then is not None:
                stored = await then(session, stored)
            return stored, True

    async def _claim_key(self, session: AsyncSession, idem: IdempotencyKey) -> Row | None:
        """Take the key for this call, or return the request an earlier call made with it.

        A concurrent first call holding the key makes this insert wait for its commit, so two
        racing retries still file one request.
        """
        keys = models.idempotency_keys
        claimed = await session.execute(
            insert(keys)
            .values(scope=idem.scope, key=idem.key, fingerprint=idem.fingerprint)
            .on_conflict_do_nothing()
            .returning(keys.c.key)
        )
        if claimed.first() is not None:
            return None
        earlier = (
            await session.execute(
                sa.select(keys.c.fingerprint, keys.c.request_number).where(
                    keys.c.scope == idem.scope, keys.c.key == idem.key
                )
            )
        ).one()
        if earlier.fingerprint != idem.fingerprint:
            raise FailedPrecondition(
                "IDEMPOTENCY_KEY_REUSED",
                "this idempotency_key was already used for a different request; use a new key",
                {"idempotency_key": idem.key},
            )
        return await self._get(session, earlier.request_number)

    async def _next_number(self, session: AsyncSession, now: datetime) -> str:
        day = business_day(now)
        value = await session.scalar(_NEXT_NUMBER, {"day": day})
        assert value is not None
        return format_number(day, value)

    async def get(self, number: str) -> Row:
        """One request by number, or NotFound."""
        async with self.reader.connect() as connection:
            return await self._get(connection, number)

    async def _get(self, executor: AsyncSession | AsyncConnection, number: str) -> Row:
        row = (await executor.execute(_BY_NUMBER, {"number": number})).mappings().first()
        if row is None:
            raise NotFound("request", number)
        return row

    async def count_at(
        self, *, yard_id: str | None, building_id: str | None, apartment_id: str | None
    ) -> int:
        """The number of requests filed for an address (exactly one id given)."""
        table = models.requests
        column, value = next(
            (c, v)
            for c, v in (
                (table.c.yard_id, yard_id),
                (table.c.building_id, building_id),
                (table.c.apartment_id, apartment_id),
            )
            if v is not None
        )
        async with self.reader.connect() as connection:
            query = sa.select(sa.func.count()).select_from(table).where(column == value)
            return int((await connection.execute(query)).scalar_one())


def _row_values(number: str, filing: Filing) -> dict[str, Any]:
    address = filing.address
    return {
        "number": number,
        "status": filing.status,
        "applicant_id": filing.applicant_id,
        "category": filing.category,
        "specialisation": filing.specialisation,
        "description": filing.description,
        "urgency": filing.urgency,
        "address_level": address.level,
        "yard_id": address.yard_id,
        "building_id": address.building_id,
        "apartment_id": address.apartment_id,
        "source": filing.source,
        "acceptance_mode": filing.acceptance_mode,
        "media": list(filing.media),
        "response_due_at": filing.response_due_at,
        "resolution_due_at": filing.resolution_due_at,
        "created_at": filing.created_at,
        "updated_at": filing.created_at,
    }
