"""Access-token verification (kit.tokens): the contract's tokens pass, every attack fails."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from services.kit.errors import Unauthenticated
from services.kit.tokens import CachedJwks, JwksFile, TokenVerifier
from tests.support.identity import AUDIENCE, ISSUER, TestIssuer, person


@pytest.fixture
def issuer(tmp_path: Path) -> TestIssuer:
    return TestIssuer(tmp_path / "issuer")


def verifier_for(issuer: TestIssuer) -> TokenVerifier:
    return TokenVerifier(JwksFile(issuer.jwks_path), issuer=ISSUER, audience=AUDIENCE)


async def test_a_valid_token_gives_the_person(issuer: TestIssuer) -> None:
    who = person("applicant", "executor", status="pending")
    claims = await verifier_for(issuer).verify(issuer.token(who))
    assert claims.user_id == who.user_id
    assert claims.roles == {"applicant", "executor"}
    assert claims.active_role == "applicant"
    assert claims.status == "pending"
    assert claims.amr == ("pwd",)


@pytest.mark.parametrize(
    "attack",
    [
        "alg none",
        "HS256 keyed with the public key",
        "unknown kid",
        "signed by another key under our kid",
        "expired",
        "not yet valid",
        "wrong audience",
        "wrong issuer",
        "tampered payload",
        "lifetime beyond 15 minutes",
        "not an access token (typ)",
        "garbage",
    ],
)
async def test_forged_tokens_are_refused(issuer: TestIssuer, attack: str) -> None:
    token = issuer.forged(person("applicant"))[attack]
    with pytest.raises(Unauthenticated) as refused:
        await verifier_for(issuer).verify(token)
    assert refused.value.reason in {"TOKEN_INVALID", "TOKEN_EXPIRED"}


@pytest.mark.parametrize(
    "claims",
    [
        {"roles": ["superuser"]},
        {"status": "blocked"},
        {"role": "admin"},  # an active role the person does not hold
        {"roles": "manager"},
    ],
)
async def test_claims_outside_the_contract_are_refused(
    issuer: TestIssuer, claims: dict[str, object]
) -> None:
    with pytest.raises(Unauthenticated):
        await verifier_for(issuer).verify(issuer.token(person("applicant"), **claims))


async def test_a_cached_token_still_expires(issuer: TestIssuer) -> None:
    now = [time.time()]
    verifier = TokenVerifier(
        JwksFile(issuer.jwks_path), issuer=ISSUER, audience=AUDIENCE, clock=lambda: now[0]
    )
    token = issuer.token(person("manager"), ttl=60)
    await verifier.verify(token)
    await verifier.verify(token)  # from the cache
    now[0] += 120
    with pytest.raises(Unauthenticated) as refused:
        await verifier.verify(token)
    assert refused.value.reason == "TOKEN_EXPIRED"


async def test_a_new_kid_fetches_the_keys_again_but_not_too_often(issuer: TestIssuer) -> None:
    fetches = 0
    now = [1000.0]
    document = json.loads(issuer.jwks_path.read_text())

    async def fetch() -> dict[str, object]:
        nonlocal fetches
        fetches += 1
        return document

    keys = CachedJwks(fetch, max_age=300, min_refetch=5, clock=lambda: now[0])
    assert await keys.public_key(issuer.kid) is not None
    assert fetches == 1
    assert await keys.public_key("rotated-in") is None  # within min_refetch: no new fetch
    assert fetches == 1
    now[0] += 6
    assert await keys.public_key("rotated-in") is None
    assert fetches == 2
    now[0] += 301
    assert await keys.public_key(issuer.kid) is not None
    assert fetches == 3


async def test_keys_survive_a_failed_refresh(issuer: TestIssuer) -> None:
    now = [0.0]
    document = json.loads(issuer.jwks_path.read_text())
    answers: list[object] = [document, OSError("auth is restarting")]

    async def fetch() -> dict[str, object]:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    keys = CachedJwks(fetch, max_age=10, clock=lambda: now[0])
    assert await keys.public_key(issuer.kid) is not None
    now[0] += 11
    assert await keys.public_key(issuer.kid) is not None
