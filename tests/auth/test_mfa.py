"""TOTP enrolment (also as the staff's way into their first login), the ±1 step window, one-time
codes, single-use backup codes, and challenge limits."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from ukm.auth.v1 import auth_service_pb2 as pb

from services.auth import totp
from tests.auth.conftest import AuthService, bearer, retry_after_of
from tests.support.db import scalar
from tests.support.rpc import code_of, reason_of

EMAIL = "manager@example.uz"


async def challenge(service: AuthService, email: str = EMAIL) -> str:
    response = await service.login(email)
    assert response.HasField("mfa_challenge"), response
    assert not response.mfa_challenge.enrollment_required
    return response.mfa_challenge.challenge_token


async def verify(
    service: AuthService, token: str, *, code: str = "", backup: str = ""
) -> pb.TokenPair:
    request = pb.VerifyMfaRequest(challenge_token=token)
    if backup:
        request.backup_code = backup
    else:
        request.totp_code = code
    response: pb.VerifyMfaResponse = await service.stub.VerifyMfa(request)
    return response.tokens


async def refused(service: AuthService, token: str, **code: str) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await verify(service, token, **code)
    assert code_of(error.value) == grpc.StatusCode.UNAUTHENTICATED
    return reason_of(error.value)


async def test_staff_must_enrol_before_their_first_tokens(service: AuthService) -> None:
    user_id = await service.register(EMAIL)
    await service.set_roles(user_id, "manager")
    await service.approve(user_id)
    response = await service.login(EMAIL)
    assert not response.HasField("tokens")
    assert response.mfa_challenge.enrollment_required
    token = response.mfa_challenge.challenge_token
    # An enrolment challenge is no second factor: VerifyMfa does not take it.
    assert await refused(service, token, code="123456") == "CHALLENGE_INVALID"
    enrolment = await service.stub.EnrollTotp(pb.EnrollTotpRequest(challenge_token=token))
    assert enrolment.provisioning_uri.startswith("otpauth://totp/UKM:manager@example.uz?")
    assert f"secret={enrolment.secret}" in enrolment.provisioning_uri
    wrong = f"{(int(totp.code_at(enrolment.secret, service.clock())) + 1) % 10**6:06d}"
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ConfirmTotp(
            pb.ConfirmTotpRequest(challenge_token=token, totp_code=wrong)
        )
    assert reason_of(error.value) == "MFA_CODE_INVALID"
    confirmed = await service.stub.ConfirmTotp(
        pb.ConfirmTotpRequest(
            challenge_token=token, totp_code=totp.code_at(enrolment.secret, service.clock())
        )
    )
    assert len(confirmed.backup_codes) == 10 and len(set(confirmed.backup_codes)) == 10
    claims = await service.claims(confirmed.tokens.access_token)
    assert claims["sub"] == user_id
    assert (claims["roles"], claims["amr"]) == (["manager"], ["pwd", "otp"])
    # The challenge did its job once.
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ConfirmTotp(
            pb.ConfirmTotpRequest(challenge_token=token, totp_code=wrong)
        )
    assert reason_of(error.value) == "CHALLENGE_INVALID"


async def test_the_totp_secret_is_stored_sealed(service: AuthService) -> None:
    user_id, secret, _ = await service.enrolled_staff(EMAIL, "admin")
    stored = await scalar(
        service.database_url, f"SELECT totp_sealed FROM auth.accounts WHERE user_id = '{user_id}'"
    )
    assert stored.startswith("v1.") and secret not in stored


async def test_an_enrolled_account_answers_with_its_authenticator(service: AuthService) -> None:
    _, secret, _ = await service.enrolled_staff(EMAIL, "manager")
    service.clock.advance(timedelta(seconds=30))
    tokens = await verify(
        service, await challenge(service), code=totp.code_at(secret, service.clock())
    )
    assert (await service.claims(tokens.access_token))["amr"] == ["pwd", "otp"]


@pytest.mark.parametrize("steps", [-1, 1])
async def test_a_code_one_step_away_is_accepted(service: AuthService, steps: int) -> None:
    _, secret, _ = await service.enrolled_staff(EMAIL, "manager")
    service.clock.advance(timedelta(seconds=90))
    moment = service.clock() + timedelta(seconds=30 * steps)
    await verify(service, await challenge(service), code=totp.code_at(secret, moment))


@pytest.mark.parametrize("steps", [-2, 2])
async def test_a_code_two_steps_away_is_refused(service: AuthService, steps: int) -> None:
    _, secret, _ = await service.enrolled_staff(EMAIL, "manager")
    service.clock.advance(timedelta(seconds=120))
    moment = service.clock() + timedelta(seconds=30 * steps)
    token = await challenge(service)
    assert await refused(service, token, code=totp.code_at(secret, moment)) == "MFA_CODE_INVALID"


async def test_each_code_works_once_and_older_ones_never_again(service: AuthService) -> None:
    _, secret, _ = await service.enrolled_staff(EMAIL, "manager")
    service.clock.advance(timedelta(seconds=60))
    now_code = totp.code_at(secret, service.clock())
    earlier = totp.code_at(secret, service.clock() - timedelta(seconds=30))
    await verify(service, await challenge(service), code=now_code)
    assert await refused(service, await challenge(service), code=now_code) == "MFA_CODE_INVALID"
    assert await refused(service, await challenge(service), code=earlier) == "MFA_CODE_INVALID"
    service.clock.advance(timedelta(seconds=30))
    await verify(service, await challenge(service), code=totp.code_at(secret, service.clock()))


async def test_backup_codes_work_once_each(service: AuthService) -> None:
    user_id, _, codes = await service.enrolled_staff(EMAIL, "manager")
    tokens = await verify(service, await challenge(service), backup=codes[0].lower())
    assert (await service.claims(tokens.access_token))["amr"] == ["pwd", "otp"]
    assert await refused(service, await challenge(service), backup=codes[0]) == "MFA_CODE_INVALID"
    await verify(service, await challenge(service), backup=codes[1].replace("-", " "))
    left = await scalar(
        service.database_url,
        f"SELECT cardinality(backup_code_hashes) FROM auth.accounts WHERE user_id = '{user_id}'",
    )
    assert left == 8
    stored = await scalar(
        service.database_url,
        f"SELECT array_to_string(backup_code_hashes, ' ') FROM auth.accounts "
        f"WHERE user_id = '{user_id}'",
    )
    assert codes[2] not in stored and codes[2].replace("-", "") not in stored


async def test_a_challenge_takes_five_wrong_codes_then_dies(service: AuthService) -> None:
    _, secret, _ = await service.enrolled_staff(EMAIL, "manager")
    service.clock.advance(timedelta(seconds=60))
    token = await challenge(service)
    for _ in range(4):
        assert await refused(service, token, code="000000") == "MFA_CODE_INVALID"
    assert await refused(service, token, code="000000") == "CHALLENGE_INVALID"
    right = totp.code_at(secret, service.clock())
    assert await refused(service, token, code=right) == "CHALLENGE_INVALID"


async def test_a_challenge_expires_after_five_minutes(service: AuthService) -> None:
    _, secret, _ = await service.enrolled_staff(EMAIL, "manager")
    token = await challenge(service)
    service.clock.advance(timedelta(minutes=5))
    right = totp.code_at(secret, service.clock())
    assert await refused(service, token, code=right) == "CHALLENGE_INVALID"


async def test_wrong_codes_count_towards_the_lockout(service: AuthService) -> None:
    _, secret, _ = await service.enrolled_staff(EMAIL, "manager")
    service.clock.advance(timedelta(seconds=60))
    for _ in range(2):
        token = await challenge(service)
        for _ in range(5):
            await refused(service, token, code="000000")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await verify(service, await challenge(service), code=totp.code_at(secret, service.clock()))
    assert code_of(error.value) == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert retry_after_of(error.value) == 1.0


async def test_a_signed_in_person_may_enrol_and_then_needs_the_code(
    service: AuthService,
) -> None:
    await service.register("resident@example.uz")
    tokens = await service.tokens("resident@example.uz")
    as_me = bearer(tokens.access_token)
    enrolment = await service.stub.EnrollTotp(pb.EnrollTotpRequest(), metadata=as_me)
    confirmed = await service.stub.ConfirmTotp(
        pb.ConfirmTotpRequest(totp_code=totp.code_at(enrolment.secret, service.clock())),
        metadata=as_me,
    )
    assert len(confirmed.backup_codes) == 10
    assert not confirmed.HasField("tokens")
    await challenge(service, "resident@example.uz")


async def test_enrolment_needs_a_person_or_a_challenge(service: AuthService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.EnrollTotp(pb.EnrollTotpRequest())
    assert code_of(error.value) == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.EnrollTotp(pb.EnrollTotpRequest(challenge_token="z" * 43))
    assert reason_of(error.value) == "CHALLENGE_INVALID"


async def test_replacing_an_authenticator_needs_a_session_that_passed_it(
    service: AuthService,
) -> None:
    await service.register("resident@example.uz")
    password_only = await service.tokens("resident@example.uz")
    as_before = bearer(password_only.access_token)
    enrolment = await service.stub.EnrollTotp(pb.EnrollTotpRequest(), metadata=as_before)
    confirmed = await service.stub.ConfirmTotp(
        pb.ConfirmTotpRequest(totp_code=totp.code_at(enrolment.secret, service.clock())),
        metadata=as_before,
    )
    # A session without the second factor (e.g. a stolen one) cannot swap the authenticator.
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.EnrollTotp(pb.EnrollTotpRequest(), metadata=as_before)
    assert reason_of(error.value) == "MFA_SESSION_REQUIRED"
    tokens = await verify(
        service, await challenge(service, "resident@example.uz"), backup=confirmed.backup_codes[0]
    )
    as_verified = bearer(tokens.access_token)
    replacement = await service.stub.EnrollTotp(pb.EnrollTotpRequest(), metadata=as_verified)
    assert replacement.secret != enrolment.secret


async def test_an_ended_session_cannot_replace_the_authenticator(service: AuthService) -> None:
    _, secret, _ = await service.enrolled_staff(EMAIL, "manager")
    # The next step's code: moving the clock would make the new tokens look not yet valid.
    code = totp.code_at(secret, service.clock() + timedelta(seconds=30))
    tokens = await verify(service, await challenge(service), code=code)
    await service.stub.Logout(pb.LogoutRequest(refresh_token=tokens.refresh_token))
    # Its access token still passes the kit's checks until it expires, but not this one.
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.EnrollTotp(pb.EnrollTotpRequest(), metadata=bearer(tokens.access_token))
    assert reason_of(error.value) == "MFA_SESSION_REQUIRED"
