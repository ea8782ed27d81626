"""A person's data rights through the running service: export everything, erase by
anonymisation (the id stays, so requests and history remain readable)."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import json_format
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as pb
from ukm.users.v1 import verification_service_pb2 as vpb

from tests.support.db import count, scalar
from tests.support.identity import Person
from tests.support.rpc import code_of, reason_of
from tests.users.conftest import ADMIN, MANAGER, UsersService
from tests.users.flows import ask_and_upload, resident_with_bindings

TELEGRAM_ID = 5_550_001


async def telegram_resident(service: UsersService) -> Person:
    """A resident who came through the bot, with a phone, two bindings and documents."""
    first = await service.auth.EnsureTelegramUser(
        pb.EnsureTelegramUserRequest(
            telegram_user_id=TELEGRAM_ID, full_name="Gulnora Tursunova", language_code="uz"
        )
    )
    who = Person(first.principal.user_id, ("applicant",), "pending")
    await resident_with_bindings(service, 2, who)
    await service.users.UpdateProfile(
        pb.UpdateProfileRequest(user_id=who.user_id, phone="+998 93 555 66 77"),
        metadata=service.as_(who),
    )
    await ask_and_upload(service, who)
    return who


async def test_export_contains_what_we_hold(service: UsersService) -> None:
    who = await service.register("Gulnora")
    await service.users.UpdateProfile(
        pb.UpdateProfileRequest(user_id=who.user_id, phone="93 555 66 77"),
        metadata=service.as_(who),
    )
    resident, binding_ids = await resident_with_bindings(service, 2)
    await ask_and_upload(service, resident)

    exported = await service.users.ExportUserData(
        pb.ExportUserDataRequest(user_id=resident.user_id), metadata=service.as_(resident)
    )
    assert exported.user.id == resident.user_id
    records = json_format.MessageToDict(exported.records)
    assert sorted(r["id"] for r in records["directory"] if r["kind"] == "apartment_binding") == (
        sorted(binding_ids)
    )
    assert {d["type"] for d in records["documents"]} == {"passport", "property_deed"}
    assert {d["media"]["telegramFileId"] for d in records["documents"]} == {
        "tg-passport-file",
        "tg-deed-file",
    }
    assert records["verification"]["request_comment"] == "passport + deed"
    actions = [entry["action"] for entry in records["audit"]]
    assert actions[0] == "user.registered"
    assert "verification.requested" in actions
    assert records["account"]["channel"] == "web"

    mine = await service.users.ExportUserData(
        pb.ExportUserDataRequest(user_id=who.user_id), metadata=service.as_(who)
    )
    assert mine.user.phone == "+998935556677"
    # Others' data is not in my export.
    assert json_format.MessageToDict(mine.records)["directory"] == []


async def test_only_the_person_or_an_admin_exports(service: UsersService) -> None:
    who = await service.register()
    assert (
        await service.users.ExportUserData(
            pb.ExportUserDataRequest(user_id=who.user_id), metadata=service.as_(ADMIN)
        )
    ).user.id == who.user_id
    for stranger in (MANAGER, await service.register()):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await service.users.ExportUserData(
                pb.ExportUserDataRequest(user_id=who.user_id), metadata=service.as_(stranger)
            )
        assert code_of(raised.value) == grpc.StatusCode.PERMISSION_DENIED


async def test_deletion_anonymises_and_keeps_the_id(service: UsersService) -> None:
    who = await telegram_resident(service)
    await service.users.DeleteUser(
        pb.DeleteUserRequest(user_id=who.user_id), metadata=service.as_(who)
    )
    seen = (
        await service.users.GetUser(
            pb.GetUserRequest(user_id=who.user_id), metadata=service.as_(MANAGER)
        )
    ).user
    assert seen.id == who.user_id
    assert seen.full_name == "Deleted user"
    assert (seen.phone, seen.email, seen.telegram_user_id) == ("", "", 0)
    assert seen.status == user_pb2.ACCOUNT_STATUS_BLOCKED
    assert seen.anonymized
    assert list(seen.roles) == [user_pb2.ROLE_APPLICANT]
    principal = await service.auth.GetPrincipal(pb.GetPrincipalRequest(user_id=who.user_id))
    assert principal.principal.status == user_pb2.ACCOUNT_STATUS_BLOCKED

    case = await service.verification.GetVerification(
        vpb.GetVerificationRequest(user_id=who.user_id), metadata=service.as_(MANAGER)
    )
    assert {d.status for d in case.verification.documents} == {vpb.DOCUMENT_STATUS_DELETED}
    assert case.verification.request_comment == ""
    row = await scalar(
        service.database_url,
        f"SELECT concat_ws('|', phone_sealed, phone_index, email_sealed, telegram_user_id) "
        f"FROM users.users WHERE id = '{who.user_id}'",
    )
    assert row == ""
    assert await count(service.database_url, "users.outbox WHERE subject LIKE '%anonymized'") == 1

    # Repeating the request changes nothing and announces nothing.
    await service.users.DeleteUser(
        pb.DeleteUserRequest(user_id=who.user_id), metadata=service.as_(ADMIN)
    )
    assert await count(service.database_url, "users.outbox WHERE subject LIKE '%anonymized'") == 1
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.UpdateProfile(
            pb.UpdateProfileRequest(user_id=who.user_id, full_name="Back again"),
            metadata=service.as_(MANAGER),
        )
    assert reason_of(raised.value) == "USER_ANONYMIZED"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.UnblockUser(
            pb.UnblockUserRequest(user_id=who.user_id, reason="mistake"),
            metadata=service.as_(MANAGER),
        )
    assert reason_of(raised.value) == "USER_ANONYMIZED"

    # The Telegram account is free again: writing to the bot later makes a new person.
    again = await service.auth.EnsureTelegramUser(
        pb.EnsureTelegramUserRequest(telegram_user_id=TELEGRAM_ID, full_name="Gulnora")
    )
    assert again.created
    assert again.principal.user_id != who.user_id


async def test_only_the_person_or_an_admin_deletes(service: UsersService) -> None:
    who = await service.register()
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.DeleteUser(
            pb.DeleteUserRequest(user_id=who.user_id), metadata=service.as_(MANAGER)
        )
    assert code_of(raised.value) == grpc.StatusCode.PERMISSION_DENIED
    await service.users.DeleteUser(
        pb.DeleteUserRequest(user_id=who.user_id), metadata=service.as_(ADMIN)
    )
