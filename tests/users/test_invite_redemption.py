"""Staff invites through the running service: creation, redemption, replay, expiry, races."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import grpc
import pytest
from ukm.common.v1 import specialization_pb2 as spec
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as pb

from tests.support.db import scalar
from tests.support.rpc import code_of, reason_of
from tests.users.conftest import ADMIN, MANAGER, UsersService


def executor_invite(validity: int = pb.INVITE_VALIDITY_ONE_DAY) -> pb.CreateInviteRequest:
    return pb.CreateInviteRequest(
        role=user_pb2.ROLE_EXECUTOR,
        specializations=[spec.SPECIALIZATION_PLUMBER],
        validity=validity,  # type: ignore[arg-type]
    )


async def test_redeeming_adds_the_role_and_waits_for_approval(service: UsersService) -> None:
    created = await service.users.CreateInvite(executor_invite(), metadata=service.as_(MANAGER))
    assert re.fullmatch(r"[A-Za-z0-9_-]+", created.token)
    assert len("join_" + created.token) <= 64
    assert created.expires_at.ToDatetime().replace(tzinfo=service.clock.now.tzinfo) == (
        service.clock.now + timedelta(hours=24)
    )
    newcomer = await service.register("Rustam")
    redeemed = await service.users.RedeemInvite(
        pb.RedeemInviteRequest(token="join_" + created.token), metadata=service.as_(newcomer)
    )
    user = redeemed.user
    assert list(user.roles) == [user_pb2.ROLE_EXECUTOR, user_pb2.ROLE_APPLICANT]
    assert user.active_role == user_pb2.ROLE_EXECUTOR
    assert list(user.specializations) == [spec.SPECIALIZATION_PLUMBER]
    assert user.status == user_pb2.ACCOUNT_STATUS_PENDING
    event = await scalar(
        service.database_url,
        "SELECT subject FROM users.outbox ORDER BY seq DESC LIMIT 1",
    )
    assert event == "ukm.users.invite_redeemed"


async def test_an_approved_resident_taking_a_staff_role_waits_again(service: UsersService) -> None:
    resident = await service.approved(await service.register(), MANAGER)
    created = await service.users.CreateInvite(executor_invite(), metadata=service.as_(MANAGER))
    redeemed = await service.users.RedeemInvite(
        pb.RedeemInviteRequest(token=created.token), metadata=service.as_(resident)
    )
    assert redeemed.user.status == user_pb2.ACCOUNT_STATUS_PENDING


async def test_replay_is_refused(service: UsersService) -> None:
    created = await service.users.CreateInvite(executor_invite(), metadata=service.as_(MANAGER))
    first = await service.register()
    await service.users.RedeemInvite(
        pb.RedeemInviteRequest(token=created.token), metadata=service.as_(first)
    )
    for who in (first, await service.register()):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await service.users.RedeemInvite(
                pb.RedeemInviteRequest(token=created.token), metadata=service.as_(who)
            )
        assert code_of(raised.value) == grpc.StatusCode.FAILED_PRECONDITION
        assert reason_of(raised.value) == "INVITE_ALREADY_USED"


@pytest.mark.parametrize(
    ("validity", "lifetime"),
    [
        (pb.INVITE_VALIDITY_ONE_HOUR, timedelta(hours=1)),
        (pb.INVITE_VALIDITY_SEVEN_DAYS, timedelta(days=7)),
    ],
)
async def test_expiry_is_refused(service: UsersService, validity: int, lifetime: timedelta) -> None:
    created = await service.users.CreateInvite(
        executor_invite(validity), metadata=service.as_(MANAGER)
    )
    service.clock.advance(lifetime)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.RedeemInvite(
            pb.RedeemInviteRequest(token=created.token),
            metadata=service.as_(await service.register()),
        )
    assert reason_of(raised.value) == "INVITE_EXPIRED"


async def test_racing_redemptions_succeed_once(service: UsersService) -> None:
    created = await service.users.CreateInvite(executor_invite(), metadata=service.as_(MANAGER))
    people = [await service.register(f"Racer {n}") for n in range(6)]
    outcomes = await asyncio.gather(
        *(
            service.users.RedeemInvite(
                pb.RedeemInviteRequest(token=created.token), metadata=service.as_(who)
            )
            for who in people
        ),
        return_exceptions=True,
    )
    wins = [o for o in outcomes if isinstance(o, pb.RedeemInviteResponse)]
    losses = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert len(wins) == 1
    assert len(losses) == 5
    assert {reason_of(loss) for loss in losses} == {"INVITE_ALREADY_USED"}


async def test_forged_and_foreign_tokens_are_refused(service: UsersService) -> None:
    created = await service.users.CreateInvite(executor_invite(), metadata=service.as_(MANAGER))
    # One character of the MAC changed (the middle of the token: every bit of it counts).
    middle = len(created.token) - 10
    swapped = "A" if created.token[middle] != "A" else "B"
    forged = created.token[:middle] + swapped + created.token[middle + 1 :]
    who = await service.register()
    for token in (forged, "A" * 54):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await service.users.RedeemInvite(
                pb.RedeemInviteRequest(token=token), metadata=service.as_(who)
            )
        assert reason_of(raised.value) == "INVITE_INVALID"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.RedeemInvite(
            pb.RedeemInviteRequest(token="not-a-token"), metadata=service.as_(who)
        )
    assert code_of(raised.value) == grpc.StatusCode.INVALID_ARGUMENT


async def test_only_admins_invite_managers(service: UsersService) -> None:
    request = pb.CreateInviteRequest(
        role=user_pb2.ROLE_MANAGER, validity=pb.INVITE_VALIDITY_ONE_HOUR
    )
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.CreateInvite(request, metadata=service.as_(MANAGER))
    assert code_of(raised.value) == grpc.StatusCode.PERMISSION_DENIED
    assert (await service.users.CreateInvite(request, metadata=service.as_(ADMIN))).token


async def test_a_blocked_person_cannot_redeem(service: UsersService) -> None:
    who = await service.register()
    await service.users.BlockUser(
        pb.BlockUserRequest(user_id=who.user_id, reason="spam account"),
        metadata=service.as_(MANAGER),
    )
    created = await service.users.CreateInvite(executor_invite(), metadata=service.as_(MANAGER))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.RedeemInvite(
            pb.RedeemInviteRequest(token=created.token), metadata=service.as_(who)
        )
    assert reason_of(raised.value) == "USER_BLOCKED"
    # The refusal did not use up the invite.
    other = await service.register()
    await service.users.RedeemInvite(
        pb.RedeemInviteRequest(token=created.token), metadata=service.as_(other)
    )
