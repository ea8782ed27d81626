"""`ukm.users.v1.VerificationService` as the bot uses it: residents upload documents; managers
ask for them, review each one and decide the verification (DOMAIN.md "Verification")."""

from __future__ import annotations

from collections.abc import Sequence

from ukm.common.v1 import media_pb2
from ukm.users.v1 import verification_service_pb2 as pb

from bot.mesh.acting import Acting
from bot.mesh.directory import Page
from services.kit.enums import EnumKeys

__all__ = ["DOCUMENT_STATUS", "DOCUMENT_TYPE", "Verification"]

_SERVICE = "/ukm.users.v1.VerificationService/"
# `passport`, `property_deed`, `rental_agreement`, `utility_bill`, `other`.
DOCUMENT_TYPE = EnumKeys(pb.DocumentType.DESCRIPTOR)
# `submitted`, `accepted`, `rejected`, `deleted`.
DOCUMENT_STATUS = EnumKeys(pb.DocumentStatus.DESCRIPTOR)


class Verification:
    """Documents and verification decisions."""

    def __init__(self, acting: Acting) -> None:
        self.acting = acting

    async def pending(self, *, page_token: str = "", page_size: int = 20) -> Page[pb.Verification]:
        """Cases waiting for a decision, oldest first (managers)."""
        answer = await self.acting.unary(
            _SERVICE + "ListPendingVerifications",
            pb.ListPendingVerificationsRequest(page_size=page_size, page_token=page_token),
            pb.ListPendingVerificationsResponse,
        )
        return Page(list(answer.verifications), answer.next_page_token)

    async def get(self, user_id: str) -> pb.Verification:
        """A person's case with its documents (the person, or staff)."""
        answer = await self.acting.unary(
            _SERVICE + "GetVerification",
            pb.GetVerificationRequest(user_id=user_id),
            pb.GetVerificationResponse,
        )
        return answer.verification

    async def request_documents(
        self, user_id: str, document_types: Sequence[str], *, comment: str = ""
    ) -> pb.Verification:
        """Ask a person for documents of `document_types` (keys of `DOCUMENT_TYPE`)."""
        answer = await self.acting.unary(
            _SERVICE + "RequestDocuments",
            pb.RequestDocumentsRequest(
                user_id=user_id,
                document_types=[DOCUMENT_TYPE.number(t) for t in document_types],  # type: ignore[misc]
                comment=comment,
            ),
            pb.RequestDocumentsResponse,
        )
        return answer.verification

    async def submit(
        self, document_type: str, media: media_pb2.MediaRef, *, note: str = ""
    ) -> pb.Document:
        """Upload one document for the person's own verification."""
        answer = await self.acting.unary(
            _SERVICE + "SubmitDocument",
            pb.SubmitDocumentRequest(
                type=DOCUMENT_TYPE.number(document_type),  # type: ignore[arg-type]
                media=media,
                note=note,
            ),
            pb.SubmitDocumentResponse,
        )
        return answer.document

    async def review(self, document_id: str, *, accept: bool, reason: str = "") -> pb.Document:
        """Accept or reject one document (a rejection needs a reason of 3+ characters)."""
        answer = await self.acting.unary(
            _SERVICE + "ReviewDocument",
            pb.ReviewDocumentRequest(document_id=document_id, accept=accept, reason=reason),
            pb.ReviewDocumentResponse,
        )
        return answer.document

    async def decide(
        self, user_id: str, *, approve: bool, reason: str = ""
    ) -> pb.DecideVerificationResponse:
        """Approve (the pending bindings too; the documents are then erased) or reject."""
        return await self.acting.unary(
            _SERVICE + "DecideVerification",
            pb.DecideVerificationRequest(user_id=user_id, approve=approve, reason=reason),
            pb.DecideVerificationResponse,
        )
