"""Access tokens: Ed25519 signing keys, their JWKS, and issuing JWTs (pure, no I/O).

The claims are a contract with every verifier (`services.kit.tokens`, Envoy's `jwt_authn`):

    header  {"alg": "EdDSA", "typ": "at+jwt", "kid": <RFC 7638 thumbprint>}
    payload iss, aud, sub (user id), sid (session id, absent for sessionless tokens), iat, nbf,
            exp (at most 15 minutes after iat), jti, roles, role (active), status, amr

Key rotation: a new key becomes current and the previous one is *retired*; a retired key stays in
the JWKS for one access-token lifetime after its retirement (every token it signed has expired
by then), then drops out.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "EdDSA"
TOKEN_TYPE = "at+jwt"
MAX_ACCESS_TTL = timedelta(minutes=15)
ROLES = frozenset({"applicant", "executor", "manager", "inspector", "admin"})
STATUSES = frozenset({"pending", "approved"})
AMR = frozenset({"pwd", "otp", "telegram", "oidc"})


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    """The required members of an OKP JWK (RFC 8037) for `public_key`."""
    return {"crv": "Ed25519", "kty": "OKP", "x": _b64url(public_key.public_bytes_raw())}


def thumbprint(jwk: dict[str, str]) -> str:
    """The RFC 7638 thumbprint of an OKP key: SHA-256 of its required members, canonical JSON."""
    required = {name: jwk[name] for name in ("crv", "kty", "x")}
    canonical = json.dumps(required, sort_keys=True, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


@dataclass(frozen=True)
class SigningKey:
    """One Ed25519 key pair and its lifecycle."""

    private_key: Ed25519PrivateKey
    created_at: datetime
    retired_at: datetime | None = None
    kid: str = field(init=False)

    def __post_init__(self) -> None:
        # The kid is derived, never chosen: the same key always has the same id.
        object.__setattr__(self, "kid", thumbprint(public_jwk(self.private_key.public_key())))

    @classmethod
    def generate(cls, now: datetime) -> SigningKey:
        """A brand-new key, current from `now`."""
        return cls(Ed25519PrivateKey.generate(), created_at=now)

    @classmethod
    def from_raw(
        cls, raw: bytes, *, created_at: datetime, retired_at: datetime | None = None
    ) -> SigningKey:
        """A key from its 32 raw private bytes (as the store keeps them, encrypted)."""
        return cls(Ed25519PrivateKey.from_private_bytes(raw), created_at, retired_at)

    def raw_private_bytes(self) -> bytes:
        """The 32 private bytes (encrypt before storing)."""
        return self.private_key.private_bytes_raw()

    def jwk(self) -> dict[str, str]:
        """The public key as published in the JWKS."""
        jwk = public_jwk(self.private_key.public_key())
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}

    def retire(self, at: datetime) -> SigningKey:
        """This key, no longer used for signing from `at` on."""
        return replace(self, retired_at=at)

    def published_until(self, access_ttl: timedelta) -> datetime | None:
        """When the key leaves the JWKS (None while it is current)."""
        return None if self.retired_at is None else self.retired_at + access_ttl


def current_key(keys: Iterable[SigningKey], now: datetime) -> SigningKey | None:
    """The key that signs at `now`: the newest one already in force and not yet retired.

    A rotation publishes the next key ahead of its first signature (its `created_at` lies in
    the future, the predecessor's `retired_at` at the same instant), so every verifier holding
    a cached JWKS knows it before it meets a token signed with it.
    """
    unretired = [k for k in keys if k.retired_at is None or k.retired_at > now]
    active = [k for k in unretired if k.created_at <= now]
    if active:
        return max(active, key=lambda k: k.created_at)
    # Only keys "from the future": a clock behind the one that made them (skew between
    # replicas). The earliest is the one the others sign with.
    return min(unretired, key=lambda k: k.created_at) if unretired else None


def published_keys(
    keys: Iterable[SigningKey], now: datetime, access_ttl: timedelta
) -> list[SigningKey]:
    """Keys a verifier must know at `now`: current ones and retired ones whose tokens may live."""
    published = []
    for key in keys:
        until = key.published_until(access_ttl)
        if until is None or now < until:
            published.append(key)
    # Current keys first, then the most recently retired.
    return sorted(
        published, key=lambda k: (k.retired_at is None, k.retired_at or k.created_at), reverse=True
    )


def jwks(keys: Iterable[SigningKey], now: datetime, access_ttl: timedelta) -> dict[str, Any]:
    """The JSON Web Key Set document (the current key first)."""
    return {"keys": [k.jwk() for k in published_keys(keys, now, access_ttl)]}


def rotation_due(keys: Sequence[SigningKey], now: datetime, max_age: timedelta) -> bool:
    """Whether a new key should be made (none signs, or the one that signs is too old, and no
    successor is already waiting to take over)."""
    if any(k.created_at > now for k in keys):
        return False
    current = current_key(keys, now)
    return current is None or now - current.created_at >= max_age


@dataclass(frozen=True)
class AccessClaims:
    """Who a token speaks for (the per-user part of the claims)."""

    sub: str
    roles: tuple[str, ...]
    role: str
    status: str
    amr: tuple[str, ...]
    sid: str | None = None

    def __post_init__(self) -> None:
        # These reach every service's authorisation decisions: refuse to mint nonsense.
        unknown = set(self.roles) - ROLES
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}")
        if self.role not in self.roles:
            raise ValueError(f"active role {self.role!r} is not among the roles")
        if self.status not in STATUSES:
            raise ValueError(f"no tokens for status {self.status!r}")
        if not self.amr or set(self.amr) - AMR:
            raise ValueError(f"bad authentication methods {self.amr!r}")


@dataclass(frozen=True)
class TokenIssuer:
    """Mints access tokens for one issuer and audience."""

    issuer: str
    audience: str
    ttl: timedelta = MAX_ACCESS_TTL

    def __post_init__(self) -> None:
        if not timedelta(0) < self.ttl <= MAX_ACCESS_TTL:
            raise ValueError(f"access tokens live at most {MAX_ACCESS_TTL}, not {self.ttl}")

    def payload(self, claims: AccessClaims, now: datetime) -> dict[str, Any]:
        """The JWT payload for `claims` issued at `now`."""
        issued = int(now.timestamp())
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": claims.sub,
            "iat": issued,
            "nbf": issued,
            "exp": issued + int(self.ttl.total_seconds()),
            "jti": uuid.uuid4().hex,
            "roles": list(claims.roles),
            "role": claims.role,
            "status": claims.status,
            "amr": list(claims.amr),
        }
        if claims.sid is not None:
            payload["sid"] = claims.sid
        return payload

    def issue(self, key: SigningKey, claims: AccessClaims, now: datetime) -> str:
        """A signed compact JWT."""
        if key.retired_at is not None and key.retired_at <= now:
            raise ValueError("a retired key signs nothing")
        return jwt.encode(
            self.payload(claims, now),
            key.private_key,
            algorithm=ALGORITHM,
            headers={"typ": TOKEN_TYPE, "kid": key.kid},
        )
