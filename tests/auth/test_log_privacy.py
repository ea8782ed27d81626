"""No password, e-mail, token, TOTP secret or backup code ever reaches the logs."""

from __future__ import annotations

import logging

import grpc
import pytest
from ukm.auth.v1 import auth_service_pb2 as pb

from services.auth import totp
from tests.auth.conftest import PASSWORD, AuthService
from tests.support.db import rows

EMAIL = "private.person@example.uz"


async def test_secrets_and_personal_data_stay_out_of_logs(
    service: AuthService, caplog: pytest.LogCaptureFixture
) -> None:
    secrets: list[str] = [PASSWORD, EMAIL, "private.person"]
    with caplog.at_level(logging.DEBUG):
        await service.register(EMAIL)
        with pytest.raises(grpc.aio.AioRpcError):
            await service.login(EMAIL, "a wrong password here")
        tokens = await service.tokens(EMAIL)
        secrets += [tokens.access_token, tokens.refresh_token]
        refreshed = await service.stub.Refresh(
            pb.RefreshRequest(refresh_token=tokens.refresh_token)
        )
        secrets.append(refreshed.tokens.refresh_token)
        with pytest.raises(grpc.aio.AioRpcError):  # reuse
            await service.stub.Refresh(pb.RefreshRequest(refresh_token=tokens.refresh_token))
        await service.stub.RequestPasswordReset(pb.RequestPasswordResetRequest(email=EMAIL))
        _, secret, codes = await service.enrolled_staff("staff.person@example.uz", "manager")
        secrets += [secret, *codes, "staff.person@example.uz"]
        challenge = (await service.login("staff.person@example.uz")).mfa_challenge
        secrets.append(challenge.challenge_token)
        code = totp.code_at(secret, service.clock())
        with pytest.raises(grpc.aio.AioRpcError):  # the step was used by the enrolment
            await service.stub.VerifyMfa(
                pb.VerifyMfaRequest(challenge_token=challenge.challenge_token, totp_code=code)
            )
        await service.stub.VerifyMfa(
            pb.VerifyMfaRequest(challenge_token=challenge.challenge_token, backup_code=codes[0])
        )
    (payload,) = (await rows(service.database_url, "SELECT payload FROM auth.outbox"))[0]
    assert payload  # the reset link went to the outbox, not to a log
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert caplog.records, "nothing was logged at all; the test would prove nothing"
    for value in secrets:
        assert value not in logged, f"a secret ({len(value)} characters) was logged"
