"""Personal data at rest and in logs: phones never in clear in the database or in any log line;
encrypted values survive a key rotation; the migration matches the models."""

from __future__ import annotations

import logging
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine
from ukm.users.v1 import users_service_pb2 as pb
from ukm.users.v1 import users_service_pb2_grpc as rpc

from services.kit.crypto import Keyring, generate_data_key
from services.kit.settings import Settings
from services.users import directory_models, models  # noqa: F401  (all tables on metadata)
from services.users.privacy import Sealer
from services.users.rotation import reseal_all
from tests.support.identity import Person
from tests.support.services import (
    TEST_DATA_KEYS,
    direct_channel,
    running_service,
    service_settings,
)
from tests.users.conftest import MANAGER, UsersService
from tests.users.flows import ask_and_upload, resident_with_bindings

# Every way the number could leak: as typed, E.164, national digits, grouped.
PHONE_TYPED = "(93) 555-66-77"
PHONE_FORMS = ("+998935556677", "998935556677", "935556677", "93 555 66 77", "555-66-77")
EMAIL = "gulnora.private@example.uz"
NOTE = "passport page with my address"


async def everything_stored(database_url: str) -> str:
    """Every row of every table of the users schema as text, outbox payloads as raw bytes."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables = (
                await connection.execute(
                    sa.text(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = 'users' AND table_type = 'BASE TABLE'"
                    )
                )
            ).scalars()
            dump: list[str] = []
            for table in list(tables):
                rows = await connection.execute(
                    sa.text(f'SELECT row_to_json(t)::text FROM users."{table}" t')
                )
                dump += rows.scalars().all()
            payloads = await connection.execute(sa.text("SELECT payload FROM users.outbox"))
            dump += [bytes(p).decode("utf-8", "replace") for p in payloads.scalars()]
            return "\n".join(dump)
    finally:
        await engine.dispose()


async def test_phone_email_and_documents_are_not_stored_in_clear(service: UsersService) -> None:
    resident, _ = await resident_with_bindings(service, 1)
    await service.users.UpdateProfile(
        pb.UpdateProfileRequest(user_id=resident.user_id, phone=PHONE_TYPED),
        metadata=service.as_(resident),
    )
    created = await service.auth.CreateUser(pb.CreateUserRequest(full_name="G", email=EMAIL))
    await ask_and_upload(service, resident)
    stored = await everything_stored(service.database_url)
    assert resident.user_id in stored  # the dump really covers the tables
    assert created.principal.user_id in stored
    for leak in (*PHONE_FORMS, EMAIL, "tg-passport-file", "page 2"):
        assert leak not in stored, leak


async def test_phone_is_never_logged(
    service: UsersService, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    resident = await service.register()
    await service.users.UpdateProfile(
        pb.UpdateProfileRequest(user_id=resident.user_id, phone=PHONE_TYPED),
        metadata=service.as_(resident),
    )
    await service.users.ListUsers(
        pb.ListUsersRequest(query="+998 93 555 66 77"), metadata=service.as_(MANAGER)
    )
    await service.users.ExportUserData(
        pb.ExportUserDataRequest(user_id=resident.user_id), metadata=service.as_(resident)
    )
    # Refusals are logged with their message: the message must not repeat the number.
    for bad in ("+7 935 556 677", "93 555 66 7", "93555667788"):
        with pytest.raises(grpc.aio.AioRpcError):
            await service.users.UpdateProfile(
                pb.UpdateProfileRequest(user_id=resident.user_id, phone=bad),
                metadata=service.as_(resident),
            )
    captured = capsys.readouterr()
    logged = "\n".join(
        [caplog.text, captured.out, captured.err] + [str(vars(record)) for record in caplog.records]
    )
    assert "rpc" in logged  # the service did log these calls
    for leak in (*PHONE_FORMS, "935566", "5556677"):
        assert leak not in logged, leak


async def test_a_key_rotation_keeps_every_value_readable_and_searchable(
    database_url: str, nats_url: str, pki_dir: Path
) -> None:
    new_key = generate_data_key(2)
    old = service_settings(database_url, nats_url, pki_dir)
    async with running_service("users", old) as server:
        auth_channel = direct_channel(old, server, identity="auth")
        created = await rpc.UserServiceStub(auth_channel).CreateUser(
            pb.CreateUserRequest(full_name="Rotated", email=EMAIL)
        )
        await auth_channel.close()
        user_id = created.principal.user_id
        me = Person(user_id, ("applicant",), "pending")
        channel = direct_channel(old, server)
        await rpc.UserServiceStub(channel).UpdateProfile(
            pb.UpdateProfileRequest(user_id=user_id, phone=PHONE_TYPED),
            metadata=UsersService.as_(me),
        )
        await channel.close()

    # Step 1: the new key is added; old values still read, the phone is still found.
    both = f"{TEST_DATA_KEYS},{new_key}"
    await _check_readable(service_settings(database_url, nats_url, pki_dir, data_keys=both), me)
    # Step 2: everything is re-encrypted under the new key (a second pass has nothing to do).
    engine = create_async_engine(database_url)
    try:
        sealer = Sealer(Keyring.parse(both))
        assert await reseal_all(engine, sealer, batch_size=1) == 1
        assert await reseal_all(engine, sealer) == 0
    finally:
        await engine.dispose()
    # Step 3: the old key is gone, and nothing needed it.
    await _check_readable(service_settings(database_url, nats_url, pki_dir, data_keys=new_key), me)


async def _check_readable(settings: Settings, me: Person) -> None:
    async with running_service("users", settings) as server:
        channel = direct_channel(settings, server)
        try:
            users = rpc.UserServiceStub(channel)
            profile = await users.GetMe(pb.GetMeRequest(), metadata=UsersService.as_(me))
            assert (profile.user.email, profile.user.phone) == (EMAIL, "+998935556677")
            found = await users.ListUsers(
                pb.ListUsersRequest(query="93 555 66 77"), metadata=UsersService.as_(MANAGER)
            )
            assert [u.id for u in found.users] == [me.user_id]
        finally:
            await channel.close()


async def test_the_migrations_create_exactly_the_models(
    database_url: str, nats_url: str, pki_dir: Path
) -> None:
    settings = service_settings(database_url, nats_url, pki_dir)
    async with running_service("users", settings):
        pass
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:

            def differences(sync: sa.Connection) -> list[object]:
                context = MigrationContext.configure(
                    sync, opts={"include_schemas": True, "version_table_schema": "users"}
                )
                found = compare_metadata(context, models.metadata)
                people = {"users", "invites", "verifications", "documents", "audit"}
                return [d for d in found if _table_of(d) in people]

            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


def _table_of(difference: object) -> str:
    """The table a compare_metadata difference is about (tuples, or lists of tuples)."""
    item = difference[0] if isinstance(difference, list) else difference
    assert isinstance(item, tuple)
    for part in item[1:]:
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        if isinstance(part, sa.Table) and name:
            return str(name)
    return ""
