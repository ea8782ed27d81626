"""Ed25519 keys, kid thumbprints, the JWKS with rotation, and the access-token claims contract."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from services.auth.signing import (
    AccessClaims,
    SigningKey,
    TokenIssuer,
    current_key,
    jwks,
    public_jwk,
    published_keys,
    rotation_due,
    thumbprint,
)

NOW = datetime(2025, 11, 25, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=15)
ISSUER = TokenIssuer("https://auth.ukm.local", "ukm", TTL)
USER = "3b9d4c55-8e21-4a1b-9c3d-4e5f6f1c2a7e"
SESSION = "9c4f5da1-6ec0-4f88-b154-3d4e5f607182"
CLAIMS = AccessClaims(
    sub=USER,
    roles=("applicant", "manager"),
    role="manager",
    status="approved",
    amr=("pwd", "otp"),
    sid=SESSION,
)


def b64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def test_rfc8037_key_and_thumbprint() -> None:
    """RFC 8037 appendix A: the example Ed25519 key, its public part and its thumbprint."""
    key = SigningKey.from_raw(b64("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"), created_at=NOW)
    assert public_jwk(key.private_key.public_key())["x"] == (
        "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    )
    assert key.kid == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_thumbprint_ignores_optional_members() -> None:
    key = SigningKey.generate(NOW)
    assert thumbprint(key.jwk()) == thumbprint(public_jwk(key.private_key.public_key())) == key.kid


def test_raw_bytes_round_trip() -> None:
    key = SigningKey.generate(NOW)
    again = SigningKey.from_raw(key.raw_private_bytes(), created_at=NOW)
    assert again.kid == key.kid and len(key.raw_private_bytes()) == 32


def test_jwks_document_shape() -> None:
    key = SigningKey.generate(NOW)
    assert jwks([key], NOW, TTL) == {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": key.jwk()["x"],
                "kid": key.kid,
                "alg": "EdDSA",
                "use": "sig",
            }
        ]
    }


def test_issued_token_header_and_claims() -> None:
    key = SigningKey.generate(NOW)
    token = ISSUER.issue(key, CLAIMS, NOW)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "EdDSA", "typ": "at+jwt", "kid": key.kid}
    payload = json.loads(b64(token.split(".")[1]))
    iat = int(NOW.timestamp())
    assert payload == {
        "iss": "https://auth.ukm.local",
        "aud": "ukm",
        "sub": USER,
        "sid": SESSION,
        "iat": iat,
        "nbf": iat,
        "exp": iat + 900,
        "jti": payload["jti"],
        "roles": ["applicant", "manager"],
        "role": "manager",
        "status": "approved",
        "amr": ["pwd", "otp"],
    }
    assert len(payload["jti"]) >= 16
    assert ISSUER.issue(key, CLAIMS, NOW) != token  # a fresh jti every time


def test_a_token_verifies_against_the_published_jwk_only() -> None:
    key, other = SigningKey.generate(NOW), SigningKey.generate(NOW)
    token = ISSUER.issue(key, CLAIMS, NOW)
    options = {"verify_exp": False, "verify_nbf": False, "verify_iat": False}
    published = jwt.PyJWK(key.jwk())
    decoded = jwt.decode(
        token,
        published,
        algorithms=["EdDSA"],
        audience="ukm",
        issuer=ISSUER.issuer,
        options=options,  # type: ignore[arg-type]
    )
    assert decoded["sub"] == USER
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            token,
            jwt.PyJWK(other.jwk()),
            algorithms=["EdDSA"],
            audience="ukm",
            options=options,  # type: ignore[arg-type]
        )


def test_sessionless_tokens_have_no_sid() -> None:
    claims = AccessClaims(
        sub=USER, roles=("applicant",), role="applicant", status="pending", amr=("telegram",)
    )
    assert "sid" not in ISSUER.payload(claims, NOW)


@pytest.mark.parametrize(
    "changes",
    [
        {"roles": ("applicant", "root")},
        {"role": "admin"},
        {"status": "blocked"},
        {"amr": ()},
        {"amr": ("sms",)},
    ],
)
def test_nonsense_claims_are_refused(changes: dict[str, object]) -> None:
    values: dict[str, object] = {
        "sub": USER,
        "roles": ("applicant",),
        "role": "applicant",
        "status": "approved",
        "amr": ("pwd",),
    }
    values.update(changes)
    with pytest.raises(ValueError):  # noqa: PT011
        AccessClaims(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("ttl", [timedelta(0), timedelta(minutes=15, seconds=1)])
def test_access_ttl_is_bounded(ttl: timedelta) -> None:
    with pytest.raises(ValueError, match="at most"):
        TokenIssuer("i", "a", ttl)


def test_a_retired_key_signs_nothing() -> None:
    key = SigningKey.generate(NOW).retire(NOW)
    with pytest.raises(ValueError, match="retired"):
        ISSUER.issue(key, CLAIMS, NOW)


def test_rotation_keeps_the_old_key_published_until_its_tokens_expire() -> None:
    old = SigningKey.generate(NOW - timedelta(days=40))
    assert rotation_due([old], NOW, timedelta(days=30))
    rotated_at = NOW
    keys = [old.retire(rotated_at), SigningKey.generate(rotated_at)]
    assert current_key(keys, NOW) == keys[1]
    assert not rotation_due(keys, NOW, timedelta(days=30))
    # A token the old key signed just before retirement lives until rotated_at + TTL.
    just_before = rotated_at + TTL - timedelta(seconds=1)
    assert [k.kid for k in published_keys(keys, just_before, TTL)] == [keys[1].kid, old.kid]
    assert [k.kid for k in published_keys(keys, rotated_at + TTL, TTL)] == [keys[1].kid]


def test_a_successor_is_published_before_it_signs() -> None:
    old = SigningKey.generate(NOW - timedelta(days=40))
    takeover = NOW + timedelta(minutes=2)
    keys = [old.retire(takeover), SigningKey.generate(takeover)]
    # Until the takeover the old key signs, and both are in the JWKS.
    assert current_key(keys, NOW) == keys[0]
    assert {k.kid for k in published_keys(keys, NOW, TTL)} == {old.kid, keys[1].kid}
    assert not rotation_due(keys, NOW, timedelta(days=30))  # the successor is on its way
    assert current_key(keys, takeover) == keys[1]
    assert [k.kid for k in published_keys(keys, takeover + TTL, TTL)] == [keys[1].kid]


def test_no_keys_means_rotation_is_due_and_nothing_is_current() -> None:
    assert rotation_due([], NOW, timedelta(days=30))
    assert current_key([], NOW) is None


def test_the_current_key_comes_first_even_within_the_same_instant() -> None:
    old = SigningKey.generate(NOW)
    keys = [SigningKey.generate(NOW), old.retire(NOW)]
    for ordering in (keys, keys[::-1]):
        assert [k.kid for k in published_keys(ordering, NOW, TTL)] == [keys[0].kid, old.kid]


def test_a_clock_behind_the_keys_still_finds_the_key_the_others_sign_with() -> None:
    # A replica whose clock lags the one that made the first key (or a successor) must not be
    # left without a key.
    first = SigningKey.generate(NOW)
    assert current_key([first], NOW - timedelta(seconds=5)) == first
    successor = SigningKey.generate(NOW + timedelta(minutes=2))
    keys = [first.retire(successor.created_at), successor]
    assert current_key(keys, NOW) == keys[0]
