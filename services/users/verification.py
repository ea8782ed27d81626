"""Residents' verification: which steps are allowed when. Pure; no I/O.

Verification status (on the person): `pending` (nothing asked yet) → `requested` (a manager
asked for documents) → `verified` | `rejected`. A manager may ask again after a rejection (or
while waiting); a verified person stays verified. Residents may upload documents while pending
or requested. Each document is reviewed (`submitted` → `accepted` | `rejected`, a rejection
needs a reason) before the verification can be approved. After approval the documents are
erased (`deleted`): only the review's metadata stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from services.kit.errors import FailedPrecondition
from services.users.roles import clean_reason

V_PENDING = "pending"
V_REQUESTED = "requested"
V_VERIFIED = "verified"
V_REJECTED = "rejected"

D_SUBMITTED = "submitted"
D_ACCEPTED = "accepted"
D_REJECTED = "rejected"
D_DELETED = "deleted"

DOCUMENT_TYPES = ("passport", "property_deed", "rental_agreement", "utility_bill", "other")
# Documents a person may keep in review at once (uploads beyond this are refused).
MAX_OPEN_DOCUMENTS = 20
COMMENT_MAX = 1000
NOTE_MAX = 500


def request_documents(status: str) -> str:
    """The status after a manager asks for documents."""
    if status == V_VERIFIED:
        raise FailedPrecondition(
            "ALREADY_VERIFIED", "this person is already verified; nothing to ask for"
        )
    return V_REQUESTED


def check_may_submit(status: str, open_documents: int) -> None:
    """Whether a person may upload another document now."""
    if status == V_VERIFIED:
        raise FailedPrecondition(
            "ALREADY_VERIFIED", "you are already verified; no documents needed"
        )
    if status == V_REJECTED:
        raise FailedPrecondition(
            "VERIFICATION_REJECTED",
            "your verification was rejected; a manager has to ask for documents again",
        )
    if open_documents >= MAX_OPEN_DOCUMENTS:
        raise FailedPrecondition(
            "TOO_MANY_DOCUMENTS",
            f"at most {MAX_OPEN_DOCUMENTS} documents may wait for review; "
            "wait for the manager's review",
        )


@dataclass(frozen=True)
class Review:
    """A decided document review."""

    status: str
    reason: str


def review_document(
    document_status: str, verification_status: str, *, accept: bool, reason: str
) -> Review:
    """A manager's verdict on one document (it may be changed until the verification is
    decided)."""
    if document_status == D_DELETED:
        raise FailedPrecondition("DOCUMENT_DELETED", "this document was already erased")
    if verification_status in (V_VERIFIED, V_REJECTED):
        raise FailedPrecondition(
            "VERIFICATION_DECIDED", "the verification is already decided; documents are final"
        )
    cleaned = clean_reason(reason, required=not accept)
    return Review(D_ACCEPTED if accept else D_REJECTED, cleaned)


@dataclass(frozen=True)
class Decision:
    """A decided verification."""

    status: str
    reason: str
    approved: bool


def decide(
    status: str, document_statuses: Iterable[str], *, approve: bool, reason: str
) -> Decision:
    """Approve or reject a verification.

    Approval needs every uploaded document reviewed (none left `submitted`); a verified person
    cannot be decided again, and a rejection is not repeated. A rejected case may still be
    approved (the manager changed their mind, e.g. after a call).
    """
    cleaned = clean_reason(reason, required=not approve)
    if status == V_VERIFIED:
        raise FailedPrecondition("ALREADY_VERIFIED", "this person is already verified")
    if not approve:
        if status == V_REJECTED:
            raise FailedPrecondition("ALREADY_REJECTED", "this verification is already rejected")
        return Decision(V_REJECTED, cleaned, approved=False)
    if D_SUBMITTED in set(document_statuses):
        raise FailedPrecondition(
            "DOCUMENTS_NOT_REVIEWED", "review every uploaded document before approving"
        )
    return Decision(V_VERIFIED, cleaned, approved=True)


@dataclass(frozen=True)
class DocumentRecord:
    """A document as stored, sealed fields opened (`media` is the MediaRef's JSON form)."""

    id: str
    user_id: str
    type: str
    status: str
    media: dict[str, object] | None
    note: str
    review_reason: str
    reviewed_by: str
    submitted_at: datetime
    reviewed_at: datetime | None


@dataclass(frozen=True)
class VerificationRecord:
    """A person's verification case with its documents."""

    user_id: str
    status: str
    requested_types: tuple[str, ...] = ()
    request_comment: str = ""
    requested_by: str = ""
    requested_at: datetime | None = None
    decision_reason: str = ""
    decided_by: str = ""
    decided_at: datetime | None = None
    documents: tuple[DocumentRecord, ...] = ()
