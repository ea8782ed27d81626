"""Password accounts, their second factor and password-reset tokens (SQL only).

Every method runs in the caller's session, so a flow can combine several in one transaction.
The e-mail is sealed and found through a blind index; TOTP secrets are sealed; both are bound to
their row, so a value copied to another account does not decrypt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.auth import models
from services.kit.crypto import Keyring, bind

_EMAIL = "auth.email"


def normalise_email(email: str) -> str:
    """The form accounts are keyed by: trimmed and lower-cased."""
    return email.strip().lower()


@dataclass(frozen=True)
class Account:
    """A password account as the flows see it (secrets decrypted, never logged: no repr)."""

    user_id: str
    email: str
    email_index: str
    password_hash: str
    language: str
    totp_secret: str | None
    totp_pending: str | None
    totp_last_step: int | None
    backup_code_hashes: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Account(user_id={self.user_id!r})"

    @property
    def mfa_enabled(self) -> bool:
        """Whether signing in needs a TOTP or backup code."""
        return self.totp_secret is not None


class AccountStore:
    """SQL of the `accounts` and `password_resets` tables."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    # Accounts ----------------------------------------------------------------------------------

    async def find_by_email(
        self, session: AsyncSession, email: str, *, lock: bool = False
    ) -> Account | None:
        """The account of `email` (any spelling of its case), or None."""
        indexes = self.keyring.blind_indexes(normalise_email(email), purpose=_EMAIL)
        return await self._one(session, models.accounts.c.email_index.in_(indexes), lock)

    async def get(
        self, session: AsyncSession, user_id: str, *, lock: bool = False
    ) -> Account | None:
        """The account of `user_id`, or None (people without a password have none)."""
        return await self._one(session, models.accounts.c.user_id == user_id, lock)

    async def _one(
        self, session: AsyncSession, condition: sa.ColumnElement[bool], lock: bool
    ) -> Account | None:
        query = sa.select(models.accounts).where(condition)
        if lock:
            query = query.with_for_update()
        row = (await session.execute(query)).mappings().first()
        return None if row is None else self._account(row)

    def _account(self, row: sa.RowMapping) -> Account:
        user_id = row["user_id"]
        return Account(
            user_id=user_id,
            email=self.keyring.decrypt_text(
                row["email_sealed"], associated_data=_email_ad(user_id)
            ),
            email_index=row["email_index"],
            password_hash=row["password_hash"],
            language=row["language"],
            totp_secret=self._open(row["totp_sealed"], _totp_ad(user_id)),
            totp_pending=self._open(row["totp_pending_sealed"], _pending_ad(user_id)),
            totp_last_step=row["totp_last_step"],
            backup_code_hashes=tuple(row["backup_code_hashes"]),
        )

    def _open(self, sealed: str | None, associated: bytes) -> str | None:
        return (
            None
            if sealed is None
            else self.keyring.decrypt_text(sealed, associated_data=associated)
        )

    async def create(
        self,
        session: AsyncSession,
        *,
        user_id: str,
        email: str,
        password_hash: str,
        language: str,
        now: datetime,
    ) -> None:
        """A new account (the caller checked the e-mail is free; the unique index re-checks)."""
        normalised = normalise_email(email)
        await session.execute(
            sa.insert(models.accounts).values(
                user_id=user_id,
                email_index=self.keyring.blind_index(normalised, purpose=_EMAIL),
                email_sealed=self.keyring.encrypt(normalised, associated_data=_email_ad(user_id)),
                password_hash=password_hash,
                language=language,
                password_changed_at=now,
                created_at=now,
            )
        )

    async def reseal(self, session: AsyncSession, *, limit: int = 200) -> int:
        """Move up to `limit` accounts whose sealed values (or e-mail index) predate the current
        data key onto it; how many were moved. Run until it returns 0 after adding a key, then
        the old key may go (see kit.crypto)."""
        table = models.accounts
        current = f"v{self.keyring.current_version}.%"
        stale = sa.or_(
            table.c.email_sealed.not_like(current),
            table.c.totp_sealed.not_like(current),
            table.c.totp_pending_sealed.not_like(current),
        )
        query = sa.select(table).where(stale).limit(limit).with_for_update(skip_locked=True)
        rows = (await session.execute(query)).mappings().all()
        for row in rows:
            account = self._account(row)
            await self._update(
                session,
                account.user_id,
                email_index=self.keyring.blind_index(account.email, purpose=_EMAIL),
                email_sealed=self._seal(account.email, _email_ad(account.user_id)),
                totp_sealed=self._seal(account.totp_secret, _totp_ad(account.user_id)),
                totp_pending_sealed=self._seal(account.totp_pending, _pending_ad(account.user_id)),
            )
        return len(rows)

    def _seal(self, value: str | None, associated: bytes) -> str | None:
        return None if value is None else self.keyring.encrypt(value, associated_data=associated)

    async def set_password(
        self, session: AsyncSession, user_id: str, password_hash: str, now: datetime
    ) -> None:
        """Replace the password hash."""
        await self._update(session, user_id, password_hash=password_hash, password_changed_at=now)

    async def rehash(self, session: AsyncSession, user_id: str, password_hash: str) -> None:
        """Store a stronger hash of the same password (after a cost increase)."""
        await self._update(session, user_id, password_hash=password_hash)

    async def start_totp(self, session: AsyncSession, user_id: str, secret: str) -> None:
        """Keep `secret` as the one being enrolled (the active one, if any, stays active)."""
        sealed = self.keyring.encrypt(secret, associated_data=_pending_ad(user_id))
        await self._update(session, user_id, totp_pending_sealed=sealed)

    async def activate_totp(
        self,
        session: AsyncSession,
        user_id: str,
        *,
        secret: str,
        step: int,
        backup_code_hashes: list[str],
        now: datetime,
    ) -> None:
        """Make the enrolled secret active, with fresh backup codes (the old ones die)."""
        await self._update(
            session,
            user_id,
            totp_sealed=self.keyring.encrypt(secret, associated_data=_totp_ad(user_id)),
            totp_pending_sealed=None,
            totp_last_step=step,
            backup_code_hashes=backup_code_hashes,
            totp_enabled_at=now,
        )

    async def spend_totp_step(self, session: AsyncSession, user_id: str, step: int) -> None:
        """Record that codes of `step` and earlier are used up."""
        await self._update(session, user_id, totp_last_step=step)

    async def spend_backup_code(self, session: AsyncSession, user_id: str, code_hash: str) -> None:
        """Remove one backup code (it cannot be used again)."""
        table = models.accounts
        await session.execute(
            sa.update(table)
            .where(table.c.user_id == user_id)
            .values(backup_code_hashes=sa.func.array_remove(table.c.backup_code_hashes, code_hash))
        )

    async def _update(self, session: AsyncSession, user_id: str, **values: object) -> None:
        table = models.accounts
        await session.execute(sa.update(table).where(table.c.user_id == user_id).values(**values))

    # Password resets ---------------------------------------------------------------------------

    async def add_reset(
        self,
        session: AsyncSession,
        *,
        user_id: str,
        token_hash: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        """Store a new reset token (as its hash)."""
        await session.execute(
            sa.insert(models.password_resets).values(
                token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires_at
            )
        )

    async def resets_since(self, session: AsyncSession, user_id: str, since: datetime) -> int:
        """How many resets were requested for `user_id` since `since` (mail-bombing guard)."""
        table = models.password_resets
        count = await session.scalar(
            sa.select(sa.func.count()).where(table.c.user_id == user_id, table.c.created_at > since)
        )
        return int(count or 0)

    async def find_reset(
        self, session: AsyncSession, token_hash: str, *, lock: bool = False
    ) -> sa.RowMapping | None:
        """The reset token row with this hash, or None."""
        query = sa.select(models.password_resets).where(
            models.password_resets.c.token_hash == token_hash
        )
        if lock:
            query = query.with_for_update()
        return (await session.execute(query)).mappings().first()

    async def use_resets(self, session: AsyncSession, user_id: str, now: datetime) -> None:
        """Spend every outstanding reset token of `user_id` (one reset ends them all)."""
        table = models.password_resets
        await session.execute(
            sa.update(table)
            .where(table.c.user_id == user_id, table.c.used_at.is_(None))
            .values(used_at=now)
        )


def _email_ad(user_id: str) -> bytes:
    return bind("auth", "accounts.email", user_id)


def _totp_ad(user_id: str) -> bytes:
    return bind("auth", "accounts.totp", user_id)


def _pending_ad(user_id: str) -> bytes:
    return bind("auth", "accounts.totp_pending", user_id)
