"""What the auth flows share: stores, rules, clients and the clock (built once in `app.py`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.auth.account_store import AccountStore
from services.auth.issuing import Minter
from services.auth.key_store import KeyStore
from services.auth.lockout import AccountGate, Lockout
from services.auth.passwords import PasswordHasher, PasswordPolicy
from services.auth.session_store import SessionStore
from services.auth.settings import AuthSettings
from services.auth.users_client import UsersClient


@dataclass(frozen=True)
class AuthDeps:
    """Everything a flow may use; no module globals anywhere."""

    settings: AuthSettings
    clock: Callable[[], datetime]
    sessions: async_sessionmaker[AsyncSession]
    # Single-statement reads without a transaction (one round trip).
    reader: AsyncEngine
    accounts: AccountStore
    session_store: SessionStore
    keys: KeyStore
    minter: Minter
    users: UsersClient
    lockout: Lockout
    gate: AccountGate
    hasher: PasswordHasher
    policy: PasswordPolicy

    async def hash_password(self, password: str) -> str:
        """Argon2id off the event loop (it takes tens of milliseconds of CPU)."""
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify_password(self, stored: str | None, password: str) -> bool:
        """Check `password` against `stored` off the event loop; with no hash, spend the same
        time and answer False (so unknown accounts cannot be told apart by timing)."""
        if stored is None:
            await asyncio.to_thread(self.hasher.verify_decoy, password)
            return False
        return await asyncio.to_thread(self.hasher.verify, stored, password)
