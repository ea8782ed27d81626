"""The `ukm.users.v1.VerificationService` servicer: protos in, domain calls, protos out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import grpc
from ukm.users.v1 import verification_service_pb2 as pb
from ukm.users.v1 import verification_service_pb2_grpc as rpc

from services.kit.context import Caller, current_caller
from services.kit.paging import decode_token, encode_token, filters_fingerprint, page_size
from services.users import mapping
from services.users.access import (
    actor_of,
    person_id,
    require_may_manage,
    require_self_or_staff,
)
from services.users.people import Person
from services.users.verification_store import NewDocument, VerificationStore


class VerificationApi(rpc.VerificationServiceServicer):
    """Residents' verification: documents asked for, uploaded, reviewed; the decision."""

    def __init__(self, store: VerificationStore, *, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    async def RequestDocuments(
        self, request: pb.RequestDocumentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.RequestDocumentsResponse:
        """Ask a person for documents (managers)."""
        caller = current_caller()
        case = await self.store.request_documents(
            request.user_id,
            [mapping.DOCUMENT_TYPE.key(t) for t in request.document_types],
            request.comment.strip(),
            guard=_manager_of(caller),
            actor=actor_of(caller),
            now=self.clock(),
        )
        return pb.RequestDocumentsResponse(verification=mapping.to_verification(case))

    async def SubmitDocument(
        self, request: pb.SubmitDocumentRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitDocumentResponse:
        """Upload one document for the caller's own verification."""
        me = person_id(current_caller())
        document = NewDocument(
            type=mapping.DOCUMENT_TYPE.key(request.type),
            media=mapping.media_json(request.media),
            note=request.note.strip(),
        )
        stored = await self.store.submit(me, document, now=self.clock())
        return pb.SubmitDocumentResponse(document=mapping.to_document(stored))

    async def ReviewDocument(
        self, request: pb.ReviewDocumentRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReviewDocumentResponse:
        """Accept or reject one document (managers; a rejection needs a reason)."""
        caller = current_caller()
        reviewed = await self.store.review(
            request.document_id,
            accept=request.accept,
            reason=request.reason,
            guard=_manager_of(caller),
            actor=actor_of(caller),
            now=self.clock(),
        )
        return pb.ReviewDocumentResponse(document=mapping.to_document(reviewed))

    async def DecideVerification(
        self, request: pb.DecideVerificationRequest, context: grpc.aio.ServicerContext
    ) -> pb.DecideVerificationResponse:
        """Approve (with the pending apartment bindings) or reject a verification."""
        caller = current_caller()
        case, binding_ids = await self.store.decide(
            request.user_id,
            approve=request.approve,
            reason=request.reason,
            guard=_manager_of(caller),
            actor=actor_of(caller),
            now=self.clock(),
        )
        return pb.DecideVerificationResponse(
            verification=mapping.to_verification(case), approved_binding_ids=binding_ids
        )

    async def GetVerification(
        self, request: pb.GetVerificationRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetVerificationResponse:
        """A person's verification with its documents (the person, or staff)."""
        require_self_or_staff(current_caller(), request.user_id)
        case = await self.store.get(request.user_id)
        return pb.GetVerificationResponse(verification=mapping.to_verification(case))

    async def ListPendingVerifications(
        self, request: pb.ListPendingVerificationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListPendingVerificationsResponse:
        """Cases waiting for a decision, oldest first (managers)."""
        fingerprint = filters_fingerprint(request)
        position = decode_token(request.page_token, fingerprint)
        limit = page_size(request.page_size)
        cases = await self.store.list_waiting(
            limit=limit + 1, after=mapping.keyset(position) if position else None
        )
        response = pb.ListPendingVerificationsResponse(
            verifications=[mapping.to_verification(case) for case, _ in cases[:limit]]
        )
        if len(cases) > limit:
            last, since = cases[limit - 1]
            response.next_page_token = encode_token([since.isoformat(), last.user_id], fingerprint)
        return response


def _manager_of(caller: Caller) -> Callable[[Person], None]:
    """The check run on the locked person: no manager decides about their own verification,
    and staff managers' cases are for admins."""

    def check(person: Person) -> None:
        require_may_manage(caller, person.id, person.roles)

    return check
