"""Verifying the access tokens the auth service issues (every service re-verifies them).

An access token is a compact JWT signed with Ed25519 (`alg: EdDSA`, `typ: at+jwt`, a `kid`
naming the key in the auth service's JWKS). Claims: `iss`, `aud`, `sub` (user id), `sid`
(session), `iat`, `nbf`, `exp` (at most 15 minutes after `iat`), `jti`, `roles`, `role` (the
active one), `status` (`pending` or `approved`) and `amr` (how the person signed in).

Everything else is refused: other algorithms (`none`, HS256 with the public key as secret…),
unknown keys, bad signatures, wrong issuer or audience, expired or not-yet-valid tokens, and
lifetimes longer than the contract allows. Verified tokens are cached until they expire, so a
client that sends the same token on every call pays for the signature once.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.kit.errors import Unauthenticated

log = logging.getLogger(__name__)

ALGORITHM = "EdDSA"
TOKEN_TYPE = "at+jwt"
# The contract caps an access token's life at 15 minutes.
MAX_LIFETIME_SECONDS = 15 * 60
ROLES = frozenset({"applicant", "executor", "manager", "inspector", "admin"})
STATUSES = frozenset({"pending", "approved"})
_REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "nbf", "exp", "jti"]


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says about the person."""

    user_id: str
    roles: frozenset[str]
    active_role: str
    status: str
    session_id: str
    amr: tuple[str, ...]
    expires_at: float


class KeySource(Protocol):
    """Where verification keys come from (the auth service's JWKS, a file, the auth store)."""

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        """The Ed25519 key called `kid`, or None when no such key is published."""
        ...


def parse_jwks(document: Mapping[str, Any]) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 signing keys of a JWKS document, by `kid` (other key types are skipped)."""
    keys: dict[str, Ed25519PublicKey] = {}
    for jwk in document.get("keys", ()):
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not jwk.get("kid"):
            continue
        if jwk.get("use", "sig") != "sig" or jwk.get("alg", ALGORITHM) != ALGORITHM:
            continue
        raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
        keys[jwk["kid"]] = Ed25519PublicKey.from_public_bytes(raw)
    return keys


class JwksFile:
    """Keys from a JWKS file, re-read when the file changes (tests, air-gapped tools)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._keys: dict[str, Ed25519PublicKey] = {}

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        """The key called `kid` in the file as it is now."""
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._keys = parse_jwks(json.loads(self.path.read_text()))
            self._stamp = stamp
        return self._keys.get(kid)


class CachedJwks:
    """Keys fetched with `fetch` (e.g. `AuthService/GetJwks` through the mesh), kept for
    `max_age` seconds and fetched again early when a token names a key not seen yet (a key
    rotation), at most once per `min_refetch` seconds so junk tokens cannot hammer the source."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[Mapping[str, Any]]],
        *,
        max_age: float = 300.0,
        min_refetch: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fetch = fetch
        self.max_age = max_age
        self.min_refetch = min_refetch
        self.clock = clock
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        """The key called `kid`, refreshing the set when it is stale or lacks `kid`."""
        now = self.clock()
        stale = self._fetched_at is None or now - self._fetched_at > self.max_age
        may_refetch = self._fetched_at is None or now - self._fetched_at > self.min_refetch
        if stale or (kid not in self._keys and may_refetch):
            await self._refresh(now)
        return self._keys.get(kid)

    async def _refresh(self, now: float) -> None:
        async with self._lock:
            if self._fetched_at is not None and self._fetched_at >= now:
                return  # another caller refreshed while we waited
            try:
                self._keys = parse_jwks(await self.fetch())
            except Exception:
                if not self._keys:
                    raise
                # Keep verifying with the keys we have; the source is briefly unreachable.
                log.warning("could not refresh the JWKS; keeping the cached keys", exc_info=True)
            self._fetched_at = self.clock()


class TokenVerifier:
    """Checks access tokens against `keys`, `issuer` and `audience`; see the module docstring."""

    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str,
        leeway: float = 5.0,
        cache_size: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.cache_size = cache_size
        self.clock = clock
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()

    async def verify(self, token: str) -> AccessClaims:
        """The claims of a valid token; `Unauthenticated` (with the reason) otherwise."""
        cached = self._verified.get(token)
        if cached is not None:
            if cached.expires_at + self.leeway > self.clock():
                return cached
            del self._verified[token]
            raise Unauthenticated("the access token has expired", reason="TOKEN_EXPIRED")
        claims = await self._verify(token)
        self._verified[token] = claims
        if len(self._verified) > self.cache_size:
            self._verified.popitem(last=False)
        return claims

    async def _verify(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise Unauthenticated("the access token is malformed", reason="TOKEN_INVALID") from None
        if header.get("alg") != ALGORITHM or header.get("typ") != TOKEN_TYPE:
            raise Unauthenticated(
                "the access token is not an EdDSA access token", reason="TOKEN_INVALID"
            )
        kid = header.get("kid")
        key = await self.keys.public_key(kid) if isinstance(kid, str) and kid else None
        if key is None:
            raise Unauthenticated(
                "the access token is signed with an unknown key", reason="TOKEN_INVALID"
            )
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the access token has expired", reason="TOKEN_EXPIRED") from None
        except jwt.InvalidTokenError as error:
            raise Unauthenticated(
                f"the access token is invalid: {error}", reason="TOKEN_INVALID"
            ) from None
        return _claims(payload)


def _claims(payload: Mapping[str, Any]) -> AccessClaims:
    lifetime = float(payload["exp"]) - float(payload["iat"])
    roles = payload.get("roles")
    status = payload.get("status")
    role = payload.get("role", "")
    amr = payload.get("amr", [])
    well_formed = (
        0 < lifetime <= MAX_LIFETIME_SECONDS
        and isinstance(payload["sub"], str)
        and isinstance(roles, list)
        and all(isinstance(r, str) and r in ROLES for r in roles)
        and status in STATUSES
        and isinstance(role, str)
        and (role == "" or role in roles)
        and isinstance(amr, list)
        and all(isinstance(method, str) for method in amr)
    )
    if not well_formed:
        raise Unauthenticated(
            "the access token's claims break the token contract", reason="TOKEN_INVALID"
        )
    return AccessClaims(
        user_id=payload["sub"],
        roles=frozenset(roles),  # type: ignore[arg-type]
        active_role=role,
        status=str(status),
        session_id=str(payload.get("sid", "")),
        amr=tuple(amr),
        expires_at=float(payload["exp"]),
    )
