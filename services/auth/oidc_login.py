"""Signing in through the configured OpenID Connect provider (authorization code + PKCE).

`start` asks the OIDC client (`services.auth.oidc`) for the provider's authorization URL and keeps
the state, nonce and PKCE verifier server-side; `finish` takes that state back (once), redeems
the code, and maps the provider's subject to a UKM user:

- a known (issuer, subject) is that user;
- otherwise, a verified e-mail that has a password account links to it (the provider vouches
  for the mailbox, as a reset link would);
- otherwise a new pending applicant is created.

The provider's word is a first factor like a password: an account with TOTP, and staff (manager,
admin) without it, get the challenge a password login would (`challenges.second_step`), answered
with VerifyMfa or EnrollTotp/ConfirmTotp, and the session it opens is an "oidc" one. Staff with no
password account have nowhere to keep an authenticator yet, so they are refused (MFA_REQUIRED).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from services.auth import audit
from services.auth.challenges import MfaChallenge, issue, second_step
from services.auth.deps import AuthDeps
from services.auth.issuing import Origin, TokenPair
from services.auth.oidc import OidcClient
from services.auth.oidc_protocol import OidcError, OidcFailure, OidcIdentity, OidcProviderConfig
from services.auth.oidc_store import OidcStore
from services.auth.principals import BLOCKED, Principal, refuse_blocked
from services.auth.session_store import ENROLL
from services.auth.settings import AuthSettings
from services.kit.errors import (
    FailedPrecondition,
    InvalidArgument,
    UkmError,
    Unauthenticated,
    Unavailable,
)

METHOD = "oidc"
OIDC = (METHOD,)
_UNREACHABLE = (OidcFailure.PROVIDER_UNREACHABLE, OidcFailure.DISCOVERY_FAILED)


def oidc_clients(settings: AuthSettings, http: httpx.AsyncClient) -> dict[str, OidcClient]:
    """One client per registered redirect URI (the OIDC client binds one), sharing `http`;
    empty when OIDC is not configured."""
    if not settings.oidc_issuer:
        return {}
    return {
        uri: OidcClient(
            OidcProviderConfig(
                issuer=settings.oidc_issuer,
                client_id=settings.oidc_client_id,
                redirect_uri=uri,
                client_secret=settings.oidc_client_secret,
                scopes=settings.oidc_scopes,
            ),
            http,
        )
        for uri in settings.oidc_redirect_uris
    }


def _error(failure: OidcError) -> UkmError:
    if failure.reason in _UNREACHABLE:
        return Unavailable("the sign-in provider is not reachable; try again shortly")
    return Unauthenticated(
        f"the sign-in provider's answer was refused: {failure.message}",
        reason=f"OIDC_{failure.reason.value}",
    )


class OidcLoginFlow:
    """StartOidcLogin and FinishOidcLogin."""

    def __init__(self, deps: AuthDeps, clients: Mapping[str, OidcClient], store: OidcStore):
        self.deps = deps
        self.clients = clients
        self.store = store

    async def start(self, redirect_uri: str, origin: Origin) -> tuple[str, str]:
        """The provider's authorization URL and the login's state."""
        if not self.clients:
            raise FailedPrecondition("OIDC_DISABLED", "sign-in with a provider is not configured")
        client = self.clients.get(redirect_uri)
        if client is None:
            raise InvalidArgument.field("redirect_uri", "is not a registered callback address")
        try:
            authorization = await client.begin()
        except OidcError as failure:
            raise _error(failure) from None
        deps = self.deps
        async with deps.sessions.begin() as session:
            now = deps.clock()
            await self.store.save(
                session,
                authorization,
                redirect_uri=redirect_uri,
                client_ip=origin.client_ip,
                now=now,
                expires_at=now + timedelta(seconds=deps.settings.oidc_state_seconds),
            )
        return authorization.url, authorization.state

    async def finish(
        self, code: str, state: str, origin: Origin
    ) -> tuple[TokenPair | MfaChallenge, bool]:
        """Tokens for the person the provider vouched for (or the challenge that stands between
        them), and whether the person is new."""
        deps = self.deps
        async with deps.sessions.begin() as session:
            pending = await self.store.take(session, state)
        client = self.clients.get(pending.redirect_uri) if pending else None
        if pending is None or client is None or pending.expires_at <= deps.clock():
            raise Unauthenticated(
                "this sign-in has expired or was already completed; start again",
                reason="OIDC_STATE_INVALID",
            )
        try:
            identity = await client.complete(code, pending.code_verifier, pending.nonce)
        except OidcError as failure:
            await self._record(None, origin, f"refused: {failure.reason.value}")
            raise _error(failure) from None
        principal, created = await self._principal(identity)
        if principal.status == BLOCKED:
            await self._record(principal.user_id, origin, "refused: account blocked")
            refuse_blocked(principal)
        async with deps.sessions.begin() as session:
            now = deps.clock()
            account = await deps.accounts.get(session, principal.user_id)
            purpose = second_step(
                mfa_enabled=account is not None and account.mfa_enabled,
                requires_mfa=principal.requires_mfa(deps.settings.mfa_required_roles),
            )
            # TOTP secrets live with password accounts; without one, staff cannot enrol here.
            if not (purpose == ENROLL and account is None):
                result = await self._sign_in(session, principal, purpose, created, origin, now)
                return result, created
        await self._record(principal.user_id, origin, "refused: staff need TOTP, no account")
        raise FailedPrecondition(
            "MFA_REQUIRED",
            "staff accounts need an authenticator app, which is kept with an e-mail and password "
            "sign-in, and this account has none; please sign in through the bot",
        )

    async def _sign_in(
        self,
        session: AsyncSession,
        principal: Principal,
        purpose: str | None,
        created: bool,
        origin: Origin,
        now: datetime,
    ) -> TokenPair | MfaChallenge:
        """Tokens, or the challenge of `purpose`, for a person the provider vouched for."""
        if purpose is not None:
            challenge = await issue(
                self.deps,
                session,
                user_id=principal.user_id,
                purpose=purpose,
                method=METHOD,
                origin=origin,
                now=now,
            )
            step = "TOTP enrolment" if purpose == ENROLL else "second factor"
            await self._note(session, principal.user_id, origin, f"{step} required", now)
            return challenge
        pair = await self.deps.minter.open_session(
            session, principal, method=METHOD, amr=OIDC, origin=origin, now=now
        )
        done = "first login: user created" if created else "signed in"
        await self._note(session, principal.user_id, origin, done, now)
        return pair

    async def _principal(self, identity: OidcIdentity) -> tuple[Principal, bool]:
        """The UKM person behind `identity`, linking or creating one on a first login."""
        deps = self.deps
        async with deps.sessions.begin() as session:
            user_id = await self.store.user_of(
                session, identity.issuer, identity.subject, deps.clock()
            )
            account = None
            if user_id is None and identity.email and identity.email_verified:
                account = await deps.accounts.find_by_email(session, identity.email)
        if user_id is not None:
            return await deps.users.get_principal(user_id), False
        created = account is None
        if account is not None:
            principal = await deps.users.get_principal(account.user_id)
        else:
            principal = await deps.users.create_user(
                full_name=_display_name(identity),
                email=identity.email if identity.email_verified and identity.email else "",
                language="ru",
            )
        async with deps.sessions.begin() as session:
            linked = await self.store.link(
                session, identity.issuer, identity.subject, principal.user_id, deps.clock()
            )
        if linked != principal.user_id:
            # A concurrent first login of the same subject linked it first; use that person.
            return await deps.users.get_principal(linked), False
        return principal, created

    async def _record(self, user_id: str | None, origin: Origin, detail: str) -> None:
        """Note an OIDC login event in a transaction of its own."""
        async with self.deps.sessions.begin() as session:
            await self._note(session, user_id, origin, detail, self.deps.clock())

    async def _note(
        self,
        session: AsyncSession,
        user_id: str | None,
        origin: Origin,
        detail: str,
        now: datetime,
    ) -> None:
        """Note an OIDC login event in the caller's transaction."""
        entry = audit.Entry(
            audit.Kind.OIDC_LOGIN, user_id=user_id, client_ip=origin.client_ip, detail=detail
        )
        await audit.record(session, entry, now)


def _display_name(identity: OidcIdentity) -> str:
    """A name for the new profile: the provider's, else the e-mail's local part."""
    if identity.name and len(identity.name.strip()) >= 1:
        return identity.name.strip()[:200]
    if identity.email:
        return identity.email.split("@", 1)[0][:200]
    return "OIDC user"
