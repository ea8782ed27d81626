"""Accounts made by an operator rather than through the API: the first admin, demo people.

The person must exist in the users service first (`services.users.bootstrap.ensure_person`);
this gives them a password and, for staff, an enrolled authenticator, so they can sign in
through the API like anyone else. Repeating it with the same values changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth import totp
from services.auth.account_store import AccountStore
from services.auth.passwords import PasswordHasher
from services.kit.crypto import Keyring
from services.kit.db import session_factory, transaction


async def ensure_account(
    engine: AsyncEngine,
    keyring: Keyring,
    *,
    user_id: str,
    email: str,
    password: str,
    language: str = "ru",
    totp_secret: str | None = None,
    now: datetime,
) -> None:
    """`user_id` signs in with `email` and `password` (and `totp_secret`'s codes, if given)."""
    accounts = AccountStore(keyring)
    hasher = PasswordHasher()
    async with transaction(session_factory(engine)) as session:
        account = await accounts.get(session, user_id, lock=True)
        if account is None:
            await accounts.create(
                session,
                user_id=user_id,
                email=email,
                password_hash=hasher.hash(password),
                language=language,
                now=now,
            )
        elif not hasher.verify(account.password_hash, password):
            await accounts.set_password(session, user_id, hasher.hash(password), now)
        if totp_secret is not None and (account is None or account.totp_secret != totp_secret):
            await accounts.activate_totp(
                session,
                user_id,
                secret=totp_secret,
                # No code was used yet: the current one (±1 step) signs in at once.
                step=totp.time_step(now) - 2,
                backup_code_hashes=[],
                now=now,
            )
