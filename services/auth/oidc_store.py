"""OIDC logins in flight and the outside identities we know (SQL only).

A login's `state` is stored as its SHA-256 (it is looked up, never read back); the nonce and the
PKCE verifier are sealed with `kit.crypto`, bound to that hash. A state is taken exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.auth import models
from services.auth.oidc_protocol import OidcAuthorization
from services.auth.refresh_tokens import token_hash
from services.kit.crypto import Keyring, bind


@dataclass(frozen=True)
class PendingLogin:
    """What was kept server-side while the browser visited the provider."""

    redirect_uri: str
    nonce: str
    code_verifier: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"PendingLogin(redirect_uri={self.redirect_uri!r})"


class OidcStore:
    """SQL of `oidc_states` and `external_identities`."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    async def save(
        self,
        session: AsyncSession,
        authorization: OidcAuthorization,
        *,
        redirect_uri: str,
        client_ip: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        """Keep a started login until the provider sends the browser back."""
        digest = token_hash(authorization.state)
        await session.execute(
            sa.insert(models.oidc_states).values(
                state_hash=digest,
                redirect_uri=redirect_uri,
                nonce_sealed=self.keyring.encrypt(
                    authorization.nonce, associated_data=bind("auth", "oidc.nonce", digest)
                ),
                verifier_sealed=self.keyring.encrypt(
                    authorization.code_verifier,
                    associated_data=bind("auth", "oidc.verifier", digest),
                ),
                client_ip=client_ip,
                created_at=now,
                expires_at=expires_at,
            )
        )

    async def take(self, session: AsyncSession, state: str) -> PendingLogin | None:
        """The login of `state`, removed so it cannot be completed twice; None if unknown."""
        table = models.oidc_states
        digest = token_hash(state)
        row = (
            (
                await session.execute(
                    sa.delete(table).where(table.c.state_hash == digest).returning(table)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return PendingLogin(
            redirect_uri=row["redirect_uri"],
            nonce=self.keyring.decrypt_text(
                row["nonce_sealed"], associated_data=bind("auth", "oidc.nonce", digest)
            ),
            code_verifier=self.keyring.decrypt_text(
                row["verifier_sealed"], associated_data=bind("auth", "oidc.verifier", digest)
            ),
            expires_at=row["expires_at"],
        )

    async def user_of(
        self, session: AsyncSession, issuer: str, subject: str, now: datetime
    ) -> str | None:
        """The UKM user linked to the provider's subject (noting this login), or None."""
        table = models.external_identities
        result = await session.execute(
            sa.update(table)
            .where(table.c.issuer == issuer, table.c.subject == subject)
            .values(last_login_at=now)
            .returning(table.c.user_id)
        )
        user_id = result.scalar()
        return None if user_id is None else str(user_id)

    async def link(
        self, session: AsyncSession, issuer: str, subject: str, user_id: str, now: datetime
    ) -> str:
        """Link the subject to `user_id`; if a concurrent login linked it first, that user."""
        table = models.external_identities
        await session.execute(
            insert(table)
            .values(
                issuer=issuer, subject=subject, user_id=user_id, created_at=now, last_login_at=now
            )
            .on_conflict_do_nothing()
        )
        linked = await session.scalar(
            sa.select(table.c.user_id).where(table.c.issuer == issuer, table.c.subject == subject)
        )
        return str(linked)
