"""The `ukm.auth.v1.AuthService` servicer: protos in, flow calls, protos out.

Who may call which method is the kit's RBAC interceptor's business (services/kit/permissions.yaml);
the flows enforce only resource-level rules (my own sessions unless admin).
"""

from __future__ import annotations

from datetime import datetime

import grpc
from ukm.auth.v1 import auth_service_pb2 as pb
from ukm.auth.v1 import auth_service_pb2_grpc as rpc

from services.auth import audit, mapping
from services.auth.challenges import MfaChallenge
from services.auth.deps import AuthDeps
from services.auth.enrolment import EnrolmentFlow
from services.auth.events import timestamp
from services.auth.issuing import Origin
from services.auth.login import LoginFlow
from services.auth.oidc_login import OidcLoginFlow
from services.auth.password_flows import PasswordFlows
from services.auth.session_flows import SessionFlows
from services.auth.telegram import TelegramFlow
from services.kit.context import current_call, current_caller
from services.kit.errors import InvalidArgument
from services.kit.paging import decode_token, encode_token, filters_fingerprint, page_size

_USER_AGENT_MAX = 256


def origin(context: grpc.aio.ServicerContext) -> Origin:
    """The client's address (as the gateway saw it) and user agent."""
    agent = ""
    for key, value in context.invocation_metadata() or ():
        if key == "user-agent" and isinstance(value, str):
            agent = value[:_USER_AGENT_MAX]
    return Origin(client_ip=current_call().client_ip, user_agent=agent)


class AuthApi(rpc.AuthServiceServicer):
    """Credentials, sessions, tokens, MFA and the audit log."""

    def __init__(self, deps: AuthDeps, oidc: OidcLoginFlow) -> None:
        self.deps = deps
        self.login = LoginFlow(deps)
        self.enrolment = EnrolmentFlow(deps)
        self.passwords = PasswordFlows(deps)
        self.session_flows = SessionFlows(deps)
        self.telegram = TelegramFlow(deps)
        self.oidc = oidc

    async def Register(
        self, request: pb.RegisterRequest, context: grpc.aio.ServicerContext
    ) -> pb.RegisterResponse:
        """A new web account (pending applicant)."""
        user_id = await self.passwords.register(
            email=request.email,
            password=request.password,
            full_name=request.full_name,
            language=request.language,
            origin=origin(context),
        )
        return pb.RegisterResponse(user_id=user_id)

    async def Login(
        self, request: pb.LoginRequest, context: grpc.aio.ServicerContext
    ) -> pb.LoginResponse:
        """Tokens, or an MFA challenge."""
        result = await self.login.login(request.email, request.password, origin(context))
        if isinstance(result, MfaChallenge):
            return pb.LoginResponse(mfa_challenge=mapping.mfa_challenge(result))
        return pb.LoginResponse(tokens=mapping.token_pair(result))

    async def VerifyMfa(
        self, request: pb.VerifyMfaRequest, context: grpc.aio.ServicerContext
    ) -> pb.VerifyMfaResponse:
        """Completes a login with a TOTP or backup code."""
        pair = await self.login.verify_mfa(
            request.challenge_token,
            totp_code=request.totp_code,
            backup_code=request.backup_code,
            origin=origin(context),
        )
        return pb.VerifyMfaResponse(tokens=mapping.token_pair(pair))

    async def Refresh(
        self, request: pb.RefreshRequest, context: grpc.aio.ServicerContext
    ) -> pb.RefreshResponse:
        """The next token pair (rotation)."""
        pair = await self.session_flows.refresh(request.refresh_token, origin(context))
        return pb.RefreshResponse(tokens=mapping.token_pair(pair))

    async def Logout(
        self, request: pb.LogoutRequest, context: grpc.aio.ServicerContext
    ) -> pb.LogoutResponse:
        """Ends the refresh token's session."""
        await self.session_flows.logout(request.refresh_token, origin(context))
        return pb.LogoutResponse()

    async def ChangePassword(
        self, request: pb.ChangePasswordRequest, context: grpc.aio.ServicerContext
    ) -> pb.ChangePasswordResponse:
        """New password for the caller; their other sessions end."""
        await self.passwords.change(
            current_caller(),
            current=request.current_password,
            new=request.new_password,
            origin=origin(context),
        )
        return pb.ChangePasswordResponse()

    async def RequestPasswordReset(
        self, request: pb.RequestPasswordResetRequest, context: grpc.aio.ServicerContext
    ) -> pb.RequestPasswordResetResponse:
        """Sends a reset link when the e-mail has an account (same answer either way)."""
        await self.passwords.request_reset(request.email, origin(context))
        return pb.RequestPasswordResetResponse()

    async def ResetPassword(
        self, request: pb.ResetPasswordRequest, context: grpc.aio.ServicerContext
    ) -> pb.ResetPasswordResponse:
        """New password with a reset token."""
        await self.passwords.reset(request.reset_token, request.new_password, origin(context))
        return pb.ResetPasswordResponse()

    async def EnrollTotp(
        self, request: pb.EnrollTotpRequest, context: grpc.aio.ServicerContext
    ) -> pb.EnrollTotpResponse:
        """A new TOTP secret (pending until confirmed)."""
        enrolment = await self.enrolment.enroll(current_caller(), request.challenge_token)
        return pb.EnrollTotpResponse(
            secret=enrolment.secret, provisioning_uri=enrolment.provisioning_uri
        )

    async def ConfirmTotp(
        self, request: pb.ConfirmTotpRequest, context: grpc.aio.ServicerContext
    ) -> pb.ConfirmTotpResponse:
        """Activates TOTP; backup codes, and tokens when it completed a login."""
        confirmation = await self.enrolment.confirm(
            current_caller(), request.challenge_token, request.totp_code, origin(context)
        )
        response = pb.ConfirmTotpResponse(backup_codes=confirmation.backup_codes)
        if confirmation.tokens is not None:
            response.tokens.CopyFrom(mapping.token_pair(confirmation.tokens))
        return response

    async def ListSessions(
        self, request: pb.ListSessionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSessionsResponse:
        """Open sessions of the caller (or, for admins, of anyone)."""
        rows = await self.session_flows.open_sessions(current_caller(), request.user_id)
        return pb.ListSessionsResponse(sessions=[mapping.session(row) for row in rows])

    async def RevokeSession(
        self, request: pb.RevokeSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.RevokeSessionResponse:
        """Ends one session."""
        await self.session_flows.revoke(current_caller(), request.session_id, origin(context))
        return pb.RevokeSessionResponse()

    async def GetJwks(
        self, request: pb.GetJwksRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetJwksResponse:
        """The published verification keys."""
        return mapping.jwks(await self.deps.keys.jwks())

    async def RotateSigningKey(
        self, request: pb.RotateSigningKeyRequest, context: grpc.aio.ServicerContext
    ) -> pb.RotateSigningKeyResponse:
        """A new current signing key (the old one stays published until its tokens expire)."""
        key = await self.deps.keys.rotate(
            actor=current_caller().user_id, client_ip=current_call().client_ip
        )
        return pb.RotateSigningKeyResponse(kid=key.kid)

    async def TelegramSession(
        self, request: pb.TelegramSessionRequest, context: grpc.aio.ServicerContext
    ) -> pb.TelegramSessionResponse:
        """The user behind a Telegram account and a token for the bot to act for them."""
        result = await self.telegram.session(
            telegram_user_id=request.telegram_user_id,
            first_name=request.first_name,
            last_name=request.last_name,
            language_code=request.language_code,
            origin=origin(context),
        )
        return pb.TelegramSessionResponse(
            user_id=result.user_id,
            access_token=result.access.token,
            access_expires_at=timestamp(result.access.expires_at),
            created=result.created,
        )

    async def StartOidcLogin(
        self, request: pb.StartOidcLoginRequest, context: grpc.aio.ServicerContext
    ) -> pb.StartOidcLoginResponse:
        """Where to send the browser for the provider's login."""
        url, state = await self.oidc.start(request.redirect_uri, origin(context))
        return pb.StartOidcLoginResponse(authorization_url=url, state=state)

    async def FinishOidcLogin(
        self, request: pb.FinishOidcLoginRequest, context: grpc.aio.ServicerContext
    ) -> pb.FinishOidcLoginResponse:
        """Tokens for the person the provider vouched for, or an MFA challenge."""
        result, created = await self.oidc.finish(request.code, request.state, origin(context))
        if isinstance(result, MfaChallenge):
            return pb.FinishOidcLoginResponse(
                mfa_challenge=mapping.mfa_challenge(result), created=created
            )
        return pb.FinishOidcLoginResponse(tokens=mapping.token_pair(result), created=created)

    async def ListAuthEvents(
        self, request: pb.ListAuthEventsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAuthEventsResponse:
        """A page of the audit log, newest first."""
        fingerprint = filters_fingerprint(request)
        position = decode_token(request.page_token, fingerprint)
        after = _keyset(position) if position else None
        limit = page_size(request.page_size)
        kinds = [mapping.EVENT_KIND.key(kind) for kind in request.kinds]
        async with self.deps.reader.connect() as connection:
            rows = await audit.page(
                connection,
                user_id=request.user_id or None,
                kinds=kinds,
                limit=limit + 1,
                after=after,
            )
        response = pb.ListAuthEventsResponse(events=[mapping.auth_event(r) for r in rows[:limit]])
        if len(rows) > limit:
            last = rows[limit - 1]
            response.next_page_token = encode_token(
                [last["occurred_at"].isoformat(), last["seq"]], fingerprint
            )
        return response


def _keyset(position: list[object]) -> tuple[datetime, int]:
    """The (occurred_at, seq) inside a page token."""
    try:
        occurred, seq = position
        return datetime.fromisoformat(str(occurred)), int(str(seq))
    except ValueError as exc:
        raise InvalidArgument.field("page_token", "is not a token this service issued") from exc
