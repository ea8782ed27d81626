"""Persistence of verification: cases, documents (sealed), decisions.

Approving a verification approves the person's pending apartment bindings (the directory's
`approve_pending_bindings`) and erases the documents' media and notes, in the transaction that
records the decision: either all of it happens or none.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.kit import keyset
from services.kit.db import session_factory, transaction
from services.kit.errors import NotFound
from services.users import audit, events, models, person_rows, verification
from services.users.binding_store import approve_pending_bindings
from services.users.people import Person, require_not_anonymized
from services.users.privacy import Sealer
from services.users.verification import DocumentRecord, VerificationRecord

Row = sa.RowMapping
_USERS = models.users
_CASES = models.verifications
_DOCS = models.documents
# Documents whose media is still held (not yet erased).
_HELD = _DOCS.c.status != verification.D_DELETED


@dataclass(frozen=True)
class NewDocument:
    """An upload: its type, the media reference (JSON form) and the resident's note."""

    type: str
    media: dict[str, object]
    note: str


class VerificationStore:
    """SQL of verification cases and documents."""

    def __init__(self, engine: AsyncEngine, sealer: Sealer) -> None:
        self.sessions = session_factory(engine)
        self.sealer = sealer

    async def request_documents(
        self,
        user_id: str,
        types: Sequence[str],
        comment: str,
        *,
        guard: Callable[[Person], None],
        actor: str,
        now: datetime,
    ) -> VerificationRecord:
        """A manager asks `user_id` for documents of `types`."""
        async with transaction(self.sessions) as session:
            person = await person_rows.lock(session, user_id, self.sealer)
            guard(person)
            require_not_anonymized(person)
            status = verification.request_documents(person.verification_status)
            case = {
                "requested_types": list(types),
                "request_comment": comment,
                "requested_by": actor,
                "requested_at": now,
                "waiting_since": now,
                "decision_reason": "",
                "decided_by": "",
                "decided_at": None,
            }
            await session.execute(
                insert(_CASES)
                .values(user_id=user_id, **case)
                .on_conflict_do_update(index_elements=[_CASES.c.user_id], set_=case)
            )
            await self._set_status(session, user_id, status, now)
            await audit.record(
                session,
                at=now,
                actor=actor,
                action="verification.requested",
                subject_id=user_id,
                reason=comment,
                details={"document_types": list(types)},
            )
            await events.emit(
                session,
                events.verification_requested(user_id, types, comment, actor),
                user_id=user_id,
            )
            return await self._case(session, user_id, status)

    async def submit(self, user_id: str, document: NewDocument, *, now: datetime) -> DocumentRecord:
        """The person uploads a document for their own verification."""
        async with transaction(self.sessions) as session:
            person = await person_rows.lock(session, user_id, self.sealer)
            require_not_anonymized(person)
            waiting = await session.scalar(
                sa.select(sa.func.count())
                .select_from(_DOCS)
                .where(_DOCS.c.user_id == user_id, _DOCS.c.status == verification.D_SUBMITTED)
            )
            verification.check_may_submit(person.verification_status, int(waiting or 0))
            document_id = str(uuid.uuid4())
            await session.execute(
                sa.insert(_DOCS).values(
                    id=document_id,
                    user_id=user_id,
                    type=document.type,
                    status=verification.D_SUBMITTED,
                    media_sealed=self._seal(json.dumps(document.media), "media", document_id),
                    note_sealed=self._seal(document.note, "note", document_id),
                    submitted_at=now,
                )
            )
            # A resident may upload before being asked: the case then starts waiting now.
            await session.execute(
                insert(_CASES)
                .values(user_id=user_id, waiting_since=now)
                .on_conflict_do_nothing(index_elements=[_CASES.c.user_id])
            )
            await audit.record(
                session,
                at=now,
                actor=user_id,
                action="document.submitted",
                subject_id=user_id,
                details={"document_id": document_id, "type": document.type},
            )
            await events.emit(
                session,
                events.document_submitted(user_id, document_id, document.type),
                user_id=user_id,
            )
            return await self._document(session, document_id)

    async def review(
        self,
        document_id: str,
        *,
        accept: bool,
        reason: str,
        guard: Callable[[Person], None],
        actor: str,
        now: datetime,
    ) -> DocumentRecord:
        """A manager accepts or rejects one document."""
        async with transaction(self.sessions) as session:
            owner = await session.scalar(
                sa.select(_DOCS.c.user_id).where(_DOCS.c.id == document_id)
            )
            if owner is None:
                raise NotFound("document", document_id)
            # The person first, then the document: the order every writer here uses.
            person = await person_rows.lock(session, str(owner), self.sealer)
            guard(person)
            current = await self._document(session, document_id, lock=True)
            verdict = verification.review_document(
                current.status, person.verification_status, accept=accept, reason=reason
            )
            await session.execute(
                sa.update(_DOCS)
                .where(_DOCS.c.id == document_id)
                .values(
                    status=verdict.status,
                    review_reason=verdict.reason,
                    reviewed_by=actor,
                    reviewed_at=now,
                )
            )
            await audit.record(
                session,
                at=now,
                actor=actor,
                action=f"document.{verdict.status}",
                subject_id=person.id,
                reason=verdict.reason,
                details={"document_id": document_id, "type": current.type},
            )
            await events.emit(
                session,
                events.document_reviewed(person.id, document_id, accept, verdict.reason),
                user_id=person.id,
            )
            return await self._document(session, document_id)

    async def decide(
        self,
        user_id: str,
        *,
        approve: bool,
        reason: str,
        guard: Callable[[Person], None],
        actor: str,
        now: datetime,
    ) -> tuple[VerificationRecord, list[str]]:
        """Approve or reject the verification; on approval also approve the pending bindings
        and erase the documents. Returns the case and the approved binding ids."""
        async with transaction(self.sessions) as session:
            person = await person_rows.lock(session, user_id, self.sealer)
            guard(person)
            require_not_anonymized(person)
            held = await session.execute(
                sa.select(_DOCS.c.status).where(_DOCS.c.user_id == user_id, _HELD).with_for_update()
            )
            decision = verification.decide(
                person.verification_status, held.scalars().all(), approve=approve, reason=reason
            )
            binding_ids: list[str] = []
            if decision.approved:
                binding_ids = await approve_pending_bindings(session, user_id, actor, now)
                await erase_documents(session, user_id, now)
            decided = {"decision_reason": decision.reason, "decided_by": actor, "decided_at": now}
            await session.execute(
                insert(_CASES)
                .values(user_id=user_id, waiting_since=now, **decided)
                .on_conflict_do_update(index_elements=[_CASES.c.user_id], set_=decided)
            )
            await self._set_status(session, user_id, decision.status, now)
            await audit.record(
                session,
                at=now,
                actor=actor,
                action="verification.approved" if approve else "verification.rejected",
                subject_id=user_id,
                reason=decision.reason,
                details={"approved_binding_ids": binding_ids},
            )
            await events.emit(
                session,
                events.verification_decided(
                    user_id,
                    approved=approve,
                    reason=decision.reason,
                    actor=actor,
                    binding_ids=binding_ids,
                    at=now,
                ),
                user_id=user_id,
            )
            return await self._case(session, user_id, decision.status), binding_ids

    async def get(self, user_id: str) -> VerificationRecord:
        """A person's case (an empty one if nothing happened yet); NotFound for no person."""
        async with self.sessions() as session:
            status = await session.scalar(
                sa.select(_USERS.c.verification_status).where(_USERS.c.id == user_id)
            )
            if status is None:
                raise NotFound("user", user_id)
            return await self._case(session, user_id, status)

    async def list_waiting(
        self, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[tuple[VerificationRecord, datetime]]:
        """Cases waiting for a decision, oldest first, with the time each started waiting (the
        keyset of the next page): documents asked for, or uploaded unasked by someone still
        pending."""
        has_uploads = (
            sa.select(_DOCS.c.id)
            .where(_DOCS.c.user_id == _CASES.c.user_id, _DOCS.c.status == verification.D_SUBMITTED)
            .exists()
        )
        waiting = sa.or_(
            _USERS.c.verification_status == verification.V_REQUESTED,
            sa.and_(_USERS.c.verification_status == verification.V_PENDING, has_uploads),
        )
        conditions: list[sa.ColumnElement[bool]] = [waiting, _USERS.c.anonymized.is_(False)]
        if after is not None:
            conditions.append(keyset.after((_CASES.c.waiting_since, _CASES.c.user_id), after))
        query = (
            sa.select(_CASES.c.user_id, _CASES.c.waiting_since, _USERS.c.verification_status)
            .join(_USERS, _USERS.c.id == _CASES.c.user_id)
            .where(*conditions)
            .order_by(_CASES.c.waiting_since, _CASES.c.user_id)
            .limit(limit)
        )
        async with self.sessions() as session:
            rows = (await session.execute(query)).all()
            return [
                (await self._case(session, str(r.user_id), r.verification_status), r.waiting_since)
                for r in rows
            ]

    async def _set_status(
        self, session: AsyncSession, user_id: str, status: str, now: datetime
    ) -> None:
        await session.execute(
            sa.update(_USERS)
            .where(_USERS.c.id == user_id)
            .values(verification_status=status, updated_at=now)
        )

    async def _case(self, session: AsyncSession, user_id: str, status: str) -> VerificationRecord:
        row = (
            (await session.execute(sa.select(_CASES).where(_CASES.c.user_id == user_id)))
            .mappings()
            .first()
        )
        documents = await documents_of(session, user_id, self.sealer)
        if row is None:
            return VerificationRecord(user_id=user_id, status=status, documents=tuple(documents))
        return VerificationRecord(
            user_id=user_id,
            status=status,
            requested_types=tuple(row["requested_types"]),
            request_comment=row["request_comment"],
            requested_by=row["requested_by"],
            requested_at=row["requested_at"],
            decision_reason=row["decision_reason"],
            decided_by=row["decided_by"],
            decided_at=row["decided_at"],
            documents=tuple(documents),
        )

    async def _document(
        self, session: AsyncSession, document_id: str, *, lock: bool = False
    ) -> DocumentRecord:
        query = sa.select(_DOCS).where(_DOCS.c.id == document_id)
        row = (await session.execute(query.with_for_update() if lock else query)).mappings().first()
        if row is None:
            raise NotFound("document", document_id)
        return to_document(row, self.sealer)

    def _seal(self, value: str, column: str, document_id: str) -> str:
        return self.sealer.seal(value, table="documents", column=column, row_id=document_id)


async def documents_of(session: AsyncSession, user_id: str, sealer: Sealer) -> list[DocumentRecord]:
    """A person's documents, oldest first, sealed fields opened."""
    rows = await session.execute(
        sa.select(_DOCS)
        .where(_DOCS.c.user_id == user_id)
        .order_by(_DOCS.c.submitted_at, _DOCS.c.id)
    )
    return [to_document(row, sealer) for row in rows.mappings()]


async def erase_documents(session: AsyncSession, user_id: str, now: datetime) -> None:
    """Drop the media references and notes of a person's documents (data minimisation);
    type, review and dates stay for the audit."""
    await session.execute(
        sa.update(_DOCS)
        .where(_DOCS.c.user_id == user_id, _HELD)
        .values(status=verification.D_DELETED, media_sealed=None, note_sealed=None, deleted_at=now)
    )


def to_document(row: Row, sealer: Sealer) -> DocumentRecord:
    """A documents row, sealed fields opened."""
    document_id = str(row["id"])
    media = sealer.open(row["media_sealed"], table="documents", column="media", row_id=document_id)
    note = sealer.open(row["note_sealed"], table="documents", column="note", row_id=document_id)
    loaded: Any = json.loads(media) if media is not None else None
    return DocumentRecord(
        id=document_id,
        user_id=str(row["user_id"]),
        type=row["type"],
        status=row["status"],
        media=loaded,
        note=note or "",
        review_reason=row["review_reason"],
        reviewed_by=row["reviewed_by"],
        submitted_at=row["submitted_at"],
        reviewed_at=row["reviewed_at"],
    )
