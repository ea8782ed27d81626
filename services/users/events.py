"""Events the users service publishes about people and verification (subjects `ukm.users.*`).

Each is written to the outbox inside the transaction of the change it announces. Events carry
ids, role keys and reasons, never phone numbers, e-mail addresses or documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession
from ukm.users.v1 import events_pb2

from services.kit.outbox import enqueue
from services.kit.telemetry import current_traceparent
from services.users import models
from services.users.mapping import DOCUMENT_TYPE, ROLE

DOMAIN = "users"


async def emit(session: AsyncSession, message: Message, *, user_id: str) -> None:
    """Queue `message` (about person `user_id`) in the caller's transaction."""
    await enqueue(
        session,
        models.outbox,
        message,
        domain=DOMAIN,
        source=DOMAIN,
        aggregate_id=user_id,
        traceparent=current_traceparent(),
    )


def user_registered(user_id: str, roles: Iterable[str], channel: str) -> Message:
    """A person appeared (web, OIDC, Telegram first contact)."""
    return events_pb2.UserRegistered(
        user_id=user_id,
        roles=[ROLE.number(r) for r in roles],  # type: ignore[misc]
        channel=channel,
    )


def status_changed(user_id: str, action: str, actor: str, reason: str) -> Message:
    """`UserApproved`, `UserBlocked` or `UserUnblocked`, by the action taken."""
    if action == "approve":
        return events_pb2.UserApproved(user_id=user_id, approved_by=actor)
    if action == "block":
        return events_pb2.UserBlocked(user_id=user_id, blocked_by=actor, reason=reason)
    return events_pb2.UserUnblocked(user_id=user_id, unblocked_by=actor, reason=reason)


def roles_changed(user_id: str, roles: Iterable[str], actor: str) -> Message:
    """Roles or specialisations changed (tokens issued later carry the new set)."""
    return events_pb2.UserRolesChanged(
        user_id=user_id,
        roles=[ROLE.number(r) for r in roles],  # type: ignore[misc]
        changed_by=actor,
    )


def invite_redeemed(user_id: str, invite_id: str, role: str, issuer_id: str) -> Message:
    """A staff invite was redeemed: the person holds the role, pending approval."""
    return events_pb2.InviteRedeemed(
        user_id=user_id,
        invite_id=invite_id,
        role=ROLE.number(role),  # type: ignore[arg-type]
        created_by=issuer_id,
    )


def user_anonymized(user_id: str, actor: str) -> Message:
    """The person's data was erased on request."""
    return events_pb2.UserAnonymized(user_id=user_id, requested_by=actor)


def verification_requested(
    user_id: str, document_types: Iterable[str], comment: str, actor: str
) -> Message:
    """A manager asked a resident for documents."""
    return events_pb2.VerificationRequested(
        user_id=user_id,
        document_types=[DOCUMENT_TYPE.number(t) for t in document_types],  # type: ignore[misc]
        comment=comment,
        requested_by=actor,
    )


def document_submitted(user_id: str, document_id: str, document_type: str) -> Message:
    """A resident uploaded a document."""
    return events_pb2.DocumentSubmitted(
        user_id=user_id,
        document_id=document_id,
        type=DOCUMENT_TYPE.number(document_type),  # type: ignore[arg-type]
    )


def document_reviewed(user_id: str, document_id: str, accepted: bool, reason: str) -> Message:
    """A manager accepted or rejected a document."""
    return events_pb2.DocumentReviewed(
        user_id=user_id, document_id=document_id, accepted=accepted, reason=reason
    )


def verification_decided(
    user_id: str,
    *,
    approved: bool,
    reason: str,
    actor: str,
    binding_ids: Iterable[str],
    at: datetime,
) -> Message:
    """Verification approved (with the bindings approved alongside) or rejected."""
    event = events_pb2.VerificationDecided(
        user_id=user_id,
        approved=approved,
        reason=reason,
        decided_by=actor,
        approved_binding_ids=list(binding_ids),
    )
    event.decided_at.FromDatetime(at)
    return event
