"""People in tests: a stand-in token issuer whose keys the services trust (`jwks_file`).

Tokens follow the auth service's claims contract (services/kit/tokens.py) exactly, so a service
under test verifies them with its real pipeline. Tests of the auth service itself use the real
issuer; everyone else uses this one to act as a manager, a resident, an executor…
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import grpc
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from services.kit.settings import Settings

ISSUER = Settings().jwt_issuer
AUDIENCE = Settings().jwt_audience


@dataclass(frozen=True)
class Person:
    """Someone a test acts as."""

    user_id: str
    roles: tuple[str, ...]
    status: str = "approved"

    @property
    def active_role(self) -> str:
        """The first role (what the bot would show)."""
        return self.roles[0] if self.roles else ""


def person(*roles: str, status: str = "approved", user_id: str | None = None) -> Person:
    """A new person holding `roles`."""
    return Person(user_id or str(uuid.uuid4()), tuple(roles), status)


class TestIssuer:
    """Signs access tokens with its own Ed25519 key, published in `jwks_path`."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.key = Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.public_x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        self.kid = f"test-{uuid.uuid4().hex[:8]}"
        self.jwks_path = directory / "jwks.json"
        self.jwks_path.write_text(json.dumps({"keys": [self.jwk()]}))

    @classmethod
    def of_key(cls, key: Ed25519PrivateKey, kid: str) -> TestIssuer:
        """An issuer signing with someone else's key (e.g. the auth service's, to forge tokens
        whose signature is real but whose claims are wrong)."""
        issuer = cls.__new__(cls)
        issuer.key = key
        raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        issuer.public_x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        issuer.kid = kid
        return issuer

    def jwk(self) -> dict[str, str]:
        """The public key as a JWK."""
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.public_x,
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        }

    def claims(self, who: Person, *, ttl: float = 600.0, **overrides: Any) -> dict[str, Any]:
        """The payload of a valid token for `who` (`overrides` replace or add claims)."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": who.user_id,
            "sid": str(uuid.uuid4()),
            "iat": now,
            "nbf": now,
            "exp": now + int(ttl),
            "jti": uuid.uuid4().hex,
            "roles": list(who.roles),
            "role": who.active_role,
            "status": who.status,
            "amr": ["pwd"],
        }
        payload.update(overrides)
        return payload

    def token(self, who: Person, *, headers: dict[str, Any] | None = None, **overrides: Any) -> str:
        """A signed access token for `who`."""
        header = {"typ": "at+jwt", "kid": self.kid, **(headers or {})}
        return jwt.encode(
            self.claims(who, **overrides), self.key, algorithm="EdDSA", headers=header
        )

    def forged(self, who: Person) -> dict[str, str]:
        """Tokens for `who` that every verifier must refuse, by the attack they try."""
        public_pem = self.key.public_key().public_bytes(
            Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
        )
        valid = self.token(who)
        head, _, signature = valid.split(".")
        tampered = _b64(
            json.dumps({**self.claims(who), "roles": ["admin"], "status": "approved"}).encode()
        )
        stranger = TestIssuer.of_key(Ed25519PrivateKey.generate(), self.kid)
        return {
            "alg none": _unsigned(
                {"alg": "none", "typ": "at+jwt", "kid": self.kid}, self.claims(who)
            ),
            "HS256 keyed with the public key": _hmac_signed(
                {"alg": "HS256", "typ": "at+jwt", "kid": self.kid}, self.claims(who), public_pem
            ),
            "unknown kid": self.token(who, headers={"kid": "nobody-knows-me"}),
            "signed by another key under our kid": stranger.token(who),
            "expired": self.token(who, iat=int(time.time()) - 1200, exp=int(time.time()) - 600),
            "not yet valid": self.token(who, nbf=int(time.time()) + 600),
            "wrong audience": self.token(who, aud="someone-else"),
            "wrong issuer": self.token(who, iss="https://evil.example"),
            "tampered payload": f"{head}.{tampered}.{signature}",
            "lifetime beyond 15 minutes": self.token(who, ttl=3600),
            "not an access token (typ)": self.token(who, headers={"typ": "JWT"}),
            "garbage": "not.a.jwt",
        }

    def metadata(self, who: Person) -> tuple[tuple[str, str], ...]:
        """gRPC metadata carrying a fresh token for `who`."""
        return (("authorization", f"Bearer {self.token(who)}"),)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}."


def _hmac_signed(header: dict[str, Any], payload: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    digest = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(digest)}"


def as_(who: Person) -> tuple[tuple[str, str], ...]:
    """Call metadata acting for `who` (a fresh token of the session's test issuer)."""
    return test_issuer().metadata(who)


class BearerToken(grpc.aio.UnaryUnaryClientInterceptor, grpc.aio.UnaryStreamClientInterceptor):
    """Adds `authorization: Bearer <token>` to every call of a channel."""

    def __init__(self, token: str) -> None:
        self.entry = ("authorization", f"Bearer {token}")

    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata: Sequence[tuple[str, str | bytes]] = tuple(details.metadata or ())
        if not any(key == "authorization" for key, _ in metadata):
            metadata = (*metadata, self.entry)
        return grpc.aio.ClientCallDetails(
            details.method,
            details.timeout,
            grpc.aio.Metadata(*metadata),
            details.credentials,
            details.wait_for_ready,
        )

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        """Unary calls."""
        return await continuation(self._details(details), request)

    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        """Server-streaming calls."""
        return await continuation(self._details(details), request)


@cache
def test_issuer() -> TestIssuer:
    """The issuer of this test session (its JWKS is what in-process services trust)."""
    return TestIssuer(Path(tempfile.mkdtemp(prefix="ukm-test-issuer-")))


test_issuer.__test__ = False  # type: ignore[attr-defined]
