"""People who sign in for real: made by the operator bootstrap, then logged in through Envoy.

The person and their account are created the way `ukm seed` creates demo people (the only way
to have a first manager); everything after that is the public API: `Login` at the edge, and
for staff the second factor with a TOTP code from their authenticator's secret.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from ukm.auth.v1 import auth_service_pb2 as auth_pb

from mesh import demo
from services.auth import totp
from services.auth.bootstrap import ensure_account
from services.kit.crypto import Keyring
from services.kit.db import create_engine
from services.users.bootstrap import ensure_person
from tests.support.stack import Stack

PASSWORD = "Tashkent-lift-repair-2026"
STAFF = frozenset({"manager", "admin"})


@dataclass(frozen=True)
class SignedIn:
    """A person with live tokens."""

    user_id: str
    email: str
    roles: tuple[str, ...]
    access_token: str
    refresh_token: str
    totp_secret: str | None

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        """gRPC metadata that acts as this person."""
        return (("authorization", f"Bearer {self.access_token}"),)

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers that act as this person."""
        return {"authorization": f"Bearer {self.access_token}"}


async def make_person(
    stack: Stack,
    *roles: str,
    specializations: tuple[str, ...] = (),
    email: str | None = None,
    phone: str | None = None,
    language: str = "ru",
) -> tuple[str, str, str | None]:
    """An approved person holding `roles` with a password (and an authenticator for staff):
    (user id, e-mail, TOTP secret or None)."""
    user_id = str(uuid.uuid4())
    email = email or f"{roles[0]}-{user_id[:8]}@example.uz"
    secret = totp.generate_secret() if STAFF & set(roles) else None
    now = datetime.now(UTC)
    settings = stack.settings
    keyring = Keyring.from_settings(settings)
    engine = create_engine(settings.database_url.get_secret_value(), pool_size=1)
    try:
        await ensure_person(
            engine,
            keyring,
            user_id=user_id,
            full_name=f"Test {roles[0].title()}",
            email=email,
            roles=roles,
            specializations=specializations,
            phone=phone,
            language=language,
            now=now,
        )
        await ensure_account(
            engine,
            keyring,
            user_id=user_id,
            email=email,
            password=PASSWORD,
            totp_secret=secret,
            now=now,
        )
    finally:
        await engine.dispose()
    return user_id, email, secret


async def log_in(stack: Stack, email: str, secret: str | None) -> auth_pb.TokenPair:
    """`Login` through Envoy's edge, completing the second factor when asked."""
    return await demo.log_in(stack.edge_address, email, PASSWORD, secret)


async def sign_in(stack: Stack, *roles: str, specializations: tuple[str, ...] = ()) -> SignedIn:
    """A new approved person holding `roles`, signed in."""
    user_id, email, secret = await make_person(stack, *roles, specializations=specializations)
    tokens = await log_in(stack, email, secret)
    return SignedIn(user_id, email, roles, tokens.access_token, tokens.refresh_token, secret)
