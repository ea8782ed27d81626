"""Verification through the running service: documents asked for, uploaded, reviewed, and the
decision that approves the resident's pending apartment bindings in the same transaction."""

from __future__ import annotations

import grpc
import pytest
from ukm.users.v1 import user_pb2
from ukm.users.v1 import verification_service_pb2 as vpb

from tests.support.db import count, execute, scalar
from tests.support.identity import Person
from tests.support.rpc import code_of, reason_of
from tests.users.conftest import MANAGER, UsersService
from tests.users.flows import (
    PASSPORT,
    accept_all,
    ask_and_upload,
    binding_statuses,
    photo,
    resident_with_bindings,
)


async def test_approval_approves_pending_bindings_and_erases_documents(
    service: UsersService,
) -> None:
    resident, binding_ids = await resident_with_bindings(service)
    documents = await ask_and_upload(service, resident)
    waiting = await service.verification.ListPendingVerifications(
        vpb.ListPendingVerificationsRequest(), metadata=service.as_(MANAGER)
    )
    assert [v.user_id for v in waiting.verifications] == [resident.user_id]
    await accept_all(service, documents)

    decided = await service.verification.DecideVerification(
        vpb.DecideVerificationRequest(user_id=resident.user_id, approve=True),
        metadata=service.as_(MANAGER),
    )
    assert sorted(decided.approved_binding_ids) == sorted(binding_ids)
    assert decided.verification.status == user_pb2.VERIFICATION_STATUS_VERIFIED
    assert decided.verification.decided_by == MANAGER.user_id
    assert await binding_statuses(service, resident.user_id) == ["BINDING_STATUS_APPROVED"] * 2
    # Data minimisation: media and notes gone, the review's metadata kept.
    for document in decided.verification.documents:
        assert document.status == vpb.DOCUMENT_STATUS_DELETED
        assert not document.HasField("media")
        assert document.note == ""
        assert document.reviewed_by == MANAGER.user_id
    assert await count(service.database_url, "users.documents WHERE media_sealed IS NOT NULL") == 0
    waiting = await service.verification.ListPendingVerifications(
        vpb.ListPendingVerificationsRequest(), metadata=service.as_(MANAGER)
    )
    assert list(waiting.verifications) == []
    events = await scalar(
        service.database_url,
        "SELECT string_agg(DISTINCT subject, ',') FROM users.outbox",
    )
    assert "ukm.users.verification_decided" in events
    assert "ukm.users.apartment_binding_decided" in events
    actions = await scalar(
        service.database_url,
        f"SELECT string_agg(action, ',' ORDER BY id) FROM users.audit "
        f"WHERE subject_id = '{resident.user_id}' AND action LIKE '%.%ed'",
    )
    assert actions.split(",")[-5:] == [
        "document.submitted",
        "document.submitted",
        "document.accepted",
        "document.accepted",
        "verification.approved",
    ]


async def test_approval_and_bindings_commit_together_or_not_at_all(service: UsersService) -> None:
    resident, _ = await resident_with_bindings(service)
    await accept_all(service, await ask_and_upload(service, resident))
    events_before = await count(service.database_url, "users.outbox")
    # Make the last write of the decision fail, after the bindings were approved.
    await execute(
        service.database_url,
        "CREATE FUNCTION users.refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$",
        "CREATE TRIGGER refuse BEFORE UPDATE OF verification_status ON users.users FOR EACH ROW "
        "WHEN (NEW.verification_status = 'verified') EXECUTE FUNCTION users.refuse()",
    )
    with pytest.raises(grpc.aio.AioRpcError):
        await service.verification.DecideVerification(
            vpb.DecideVerificationRequest(user_id=resident.user_id, approve=True),
            metadata=service.as_(MANAGER),
        )
    assert await binding_statuses(service, resident.user_id) == ["BINDING_STATUS_PENDING"] * 2
    assert await count(service.database_url, "users.documents WHERE status = 'deleted'") == 0
    assert await count(service.database_url, "users.outbox") == events_before
    case = await service.verification.GetVerification(
        vpb.GetVerificationRequest(user_id=resident.user_id), metadata=service.as_(resident)
    )
    assert case.verification.status == user_pb2.VERIFICATION_STATUS_REQUESTED


async def test_rejection_needs_a_reason_and_keeps_bindings_pending(service: UsersService) -> None:
    resident, _ = await resident_with_bindings(service, 1)
    documents = await ask_and_upload(service, resident)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.verification.ReviewDocument(
            vpb.ReviewDocumentRequest(document_id=documents[0], accept=False),
            metadata=service.as_(MANAGER),
        )
    assert code_of(raised.value) == grpc.StatusCode.INVALID_ARGUMENT
    await service.verification.ReviewDocument(
        vpb.ReviewDocumentRequest(document_id=documents[0], accept=False, reason="blurred"),
        metadata=service.as_(MANAGER),
    )
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.verification.DecideVerification(
            vpb.DecideVerificationRequest(user_id=resident.user_id, approve=False),
            metadata=service.as_(MANAGER),
        )
    assert code_of(raised.value) == grpc.StatusCode.INVALID_ARGUMENT
    rejected = await service.verification.DecideVerification(
        vpb.DecideVerificationRequest(
            user_id=resident.user_id, approve=False, reason="documents do not match"
        ),
        metadata=service.as_(MANAGER),
    )
    assert rejected.verification.status == user_pb2.VERIFICATION_STATUS_REJECTED
    assert list(rejected.approved_binding_ids) == []
    assert await binding_statuses(service, resident.user_id) == ["BINDING_STATUS_PENDING"]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.verification.SubmitDocument(
            vpb.SubmitDocumentRequest(type=PASSPORT, media=photo("again")),
            metadata=service.as_(resident),
        )
    assert reason_of(raised.value) == "VERIFICATION_REJECTED"


async def test_approval_waits_for_every_document_review(service: UsersService) -> None:
    resident, _ = await resident_with_bindings(service, 1)
    documents = await ask_and_upload(service, resident)
    await accept_all(service, documents[:1])
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.verification.DecideVerification(
            vpb.DecideVerificationRequest(user_id=resident.user_id, approve=True),
            metadata=service.as_(MANAGER),
        )
    assert reason_of(raised.value) == "DOCUMENTS_NOT_REVIEWED"


async def test_people_see_only_their_own_verification(service: UsersService) -> None:
    resident, _ = await resident_with_bindings(service, 1)
    await ask_and_upload(service, resident)
    mine = await service.verification.GetVerification(
        vpb.GetVerificationRequest(user_id=resident.user_id), metadata=service.as_(resident)
    )
    assert sorted(d.media.telegram_file_id for d in mine.verification.documents) == [
        "tg-deed-file",
        "tg-passport-file",
    ]
    assert mine.verification.request_comment == "passport + deed"
    stranger = await service.register()
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.verification.GetVerification(
            vpb.GetVerificationRequest(user_id=resident.user_id), metadata=service.as_(stranger)
        )
    assert code_of(raised.value) == grpc.StatusCode.PERMISSION_DENIED


async def test_a_manager_does_not_verify_themselves(service: UsersService) -> None:
    manager_account = await service.register()
    myself = Person(manager_account.user_id, ("manager", "applicant"), "approved")
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.verification.DecideVerification(
            vpb.DecideVerificationRequest(user_id=manager_account.user_id, approve=True),
            metadata=service.as_(myself),
        )
    assert reason_of(raised.value) == "SELF_MANAGEMENT"
