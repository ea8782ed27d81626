"""Signing keys at rest and in memory: the current key signs, published keys verify.

Private keys are stored sealed with `kit.crypto` (bound to their kid). Each replica keeps the
key set in memory and re-reads it every `refresh` interval, or at once when a token names a kid
it has not seen (a rotation made by another replica). Because a replica may go on signing with
a key for up to one refresh interval after another replica retired it, retired keys stay
published for the access-token lifetime *plus* that interval.

The store is also the `KeySource` of the service's own token verifier (`kit.tokens`): the auth
service trusts exactly the keys it publishes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.auth import audit, models
from services.auth.signing import (
    SigningKey,
    current_key,
    jwks,
    published_keys,
    rotation_due,
)
from services.kit.crypto import Keyring, bind
from services.kit.db import session_factory, transaction
from services.kit.tokens import KeySource

# Two replicas starting at once must not both create a first key (harmless, but untidy).
_ROTATION_LOCK = 0x554B4D_4B4559  # "UKM" "KEY"
# A token naming an unknown kid makes us re-read at most this often (junk tokens are cheap).
_UNKNOWN_KID_REFRESH = 1.0


def _associated(kid: str) -> bytes:
    return bind("auth", "signing_keys", kid)


class KeyStore:
    """The service's signing keys."""

    def __init__(
        self,
        engine: AsyncEngine,
        keyring: Keyring,
        *,
        clock: Callable[[], datetime],
        access_ttl: timedelta,
        refresh: timedelta,
        max_age: timedelta,
        publish_ahead: timedelta,
    ) -> None:
        self.sessions = session_factory(engine)
        self.keyring = keyring
        self.clock = clock
        self.access_ttl = access_ttl
        self.refresh = refresh
        self.max_age = max_age
        self.publish_ahead = publish_ahead
        self._keys: list[SigningKey] = []
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()

    @property
    def _publish_for(self) -> timedelta:
        return self.access_ttl + self.refresh

    # Reading -----------------------------------------------------------------------------------

    async def _load(self) -> None:
        async with self.sessions() as session:
            rows = (await session.execute(sa.select(models.signing_keys))).mappings().all()
        self._keys = [self._key_of(row) for row in rows]
        self._loaded_at = time.monotonic()

    async def _fresh(self, *, max_age: float | None = None) -> list[SigningKey]:
        limit = self.refresh.total_seconds() if max_age is None else max_age
        if self._loaded_at is None or time.monotonic() - self._loaded_at > limit:
            async with self._lock:
                if self._loaded_at is None or time.monotonic() - self._loaded_at > limit:
                    await self._load()
        return self._keys

    async def signing_key(self) -> SigningKey:
        """The key to sign with now (creating the first one if there is none)."""
        key = current_key(await self._fresh(), self.clock())
        if key is None:
            key = await self.ensure_current()
        return key

    async def jwks(self) -> dict[str, Any]:
        """The JWKS document: current keys and retired ones whose tokens may still live."""
        if current_key(await self._fresh(), self.clock()) is None:
            await self.ensure_current()  # a fresh install: verifiers need a key to fetch
        return jwks(self._keys, self.clock(), self._publish_for)

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        """The published key called `kid` (the `KeySource` of kit.tokens)."""
        key = self._published(await self._fresh(), kid)
        if key is None:
            key = self._published(await self._fresh(max_age=_UNKNOWN_KID_REFRESH), kid)
        return None if key is None else key.private_key.public_key()

    def _published(self, keys: list[SigningKey], kid: str) -> SigningKey | None:
        for key in published_keys(keys, self.clock(), self._publish_for):
            if key.kid == kid:
                return key
        return None

    # Changing ----------------------------------------------------------------------------------

    async def ensure_current(self) -> SigningKey:
        """Rotate when there is no key or the current one is too old; the current key after."""
        async with transaction(self.sessions) as session:
            await session.execute(sa.select(sa.func.pg_advisory_xact_lock(_ROTATION_LOCK)))
            keys = await self._locked_keys(session)
            now = self.clock()
            if rotation_due(keys, now, self.max_age):
                await self._rotate(session, keys, now, reason="scheduled")
        await self._load()
        current = current_key(self._keys, self.clock())
        assert current is not None, "a key signs from the moment the first one is made"
        return current

    async def rotate(self, *, actor: str | None, client_ip: str = "") -> SigningKey:
        """Make a new key current now and retire the previous one (an admin asked)."""
        async with transaction(self.sessions) as session:
            await session.execute(sa.select(sa.func.pg_advisory_xact_lock(_ROTATION_LOCK)))
            keys = await self._locked_keys(session)
            new = await self._rotate(
                session, keys, self.clock(), reason="on request", actor=actor, client_ip=client_ip
            )
        await self._load()
        return new

    async def _locked_keys(self, session: AsyncSession) -> list[SigningKey]:
        rows = (
            (await session.execute(sa.select(models.signing_keys).with_for_update()))
            .mappings()
            .all()
        )
        return [self._key_of(row) for row in rows]

    def _key_of(self, row: sa.RowMapping) -> SigningKey:
        raw = self.keyring.decrypt(row["private_sealed"], associated_data=_associated(row["kid"]))
        return SigningKey.from_raw(raw, created_at=row["created_at"], retired_at=row["retired_at"])

    async def _rotate(
        self,
        session: AsyncSession,
        keys: list[SigningKey],
        now: datetime,
        *,
        reason: str,
        actor: str | None = None,
        client_ip: str = "",
    ) -> SigningKey:
        table = models.signing_keys
        # The successor is published now and signs from `takeover` on, when every verifier's
        # cached JWKS has it (the first key of an installation signs at once).
        takeover = now + self.publish_ahead if current_key(keys, now) is not None else now
        await session.execute(
            sa.update(table)
            .where(sa.or_(table.c.retired_at.is_(None), table.c.retired_at > takeover))
            .values(retired_at=takeover)
        )
        new = SigningKey.generate(takeover)
        sealed = self.keyring.encrypt(new.raw_private_bytes(), associated_data=_associated(new.kid))
        await session.execute(
            sa.insert(table).values(kid=new.kid, private_sealed=sealed, created_at=takeover)
        )
        entry = audit.Entry(
            audit.Kind.KEY_ROTATED,
            user_id=actor,
            client_ip=client_ip,
            detail=f"new key {new.kid} ({reason}); {len(keys)} earlier",
        )
        await audit.record(session, entry, now)
        return new

    async def reseal(self) -> int:
        """Re-encrypt private keys sealed with an older data key; how many."""
        table = models.signing_keys
        current = f"v{self.keyring.current_version}.%"
        async with transaction(self.sessions) as session:
            rows = (
                await session.execute(
                    sa.select(table.c.kid, table.c.private_sealed)
                    .where(table.c.private_sealed.not_like(current))
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for kid, sealed in rows:
                fresh = self.keyring.reencrypt(sealed, associated_data=_associated(kid))
                await session.execute(
                    sa.update(table).where(table.c.kid == kid).values(private_sealed=fresh)
                )
        return len(rows)

    async def purge(self) -> int:
        """Delete keys that left the JWKS (their tokens have all expired); how many."""
        table = models.signing_keys
        cutoff = self.clock() - self._publish_for
        async with transaction(self.sessions) as session:
            result = await session.execute(
                sa.delete(table).where(table.c.retired_at.is_not(None), table.c.retired_at < cutoff)
            )
        return int(getattr(result, "rowcount", 0) or 0)


class AlsoTrusted:
    """The store's own keys, then another source's (a JWKS file named in the settings).

    The file is what every other service trusts in tests and air-gapped tools; trusting it here
    too lets the same test identities call the auth service's signed-in methods.
    """

    def __init__(self, own: KeyStore, extra: KeySource) -> None:
        self.own = own
        self.extra = extra

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        """The key called `kid` from either source."""
        return await self.own.public_key(kid) or await self.extra.public_key(kid)
