"""Refresh tokens: shape, hashing, expiry and the rotation/reuse rule."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest

from services.auth.refresh_tokens import (
    Outcome,
    PresentedToken,
    RefreshPolicy,
    judge,
    new_token,
    token_hash,
)

NOW = datetime(2025, 11, 25, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


def test_tokens_carry_256_random_bits_url_safe() -> None:
    token = new_token()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert new_token() != token


def test_only_a_sha256_of_the_token_is_stored() -> None:
    token = new_token()
    assert re.fullmatch(r"[0-9a-f]{64}", token_hash(token))
    assert token_hash(token) == token_hash(token) != token_hash(new_token())


def test_token_expiry_is_idle_bounded_by_the_session() -> None:
    policy = RefreshPolicy(idle_ttl=timedelta(days=14), absolute_ttl=timedelta(days=30))
    session_end = policy.session_expiry(NOW)
    assert session_end == NOW + timedelta(days=30)
    assert policy.token_expiry(NOW, session_end) == NOW + timedelta(days=14)
    assert policy.token_expiry(NOW + timedelta(days=20), session_end) == session_end


def presented(**changes: object) -> PresentedToken:
    values: dict[str, object] = {
        "expires_at": LATER,
        "rotated_at": None,
        "session_revoked_at": None,
        "session_expires_at": LATER + timedelta(days=1),
    }
    values.update(changes)
    return PresentedToken(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("token", "outcome"),
    [
        (presented(), Outcome.ROTATE),
        (presented(rotated_at=NOW - timedelta(minutes=1)), Outcome.REUSED),
        # Reuse is evidence of theft even after the token's own expiry.
        (presented(rotated_at=NOW - timedelta(days=2), expires_at=NOW), Outcome.REUSED),
        (presented(expires_at=NOW), Outcome.EXPIRED),
        (presented(session_expires_at=NOW), Outcome.EXPIRED),
        (presented(session_revoked_at=NOW - timedelta(hours=1)), Outcome.REVOKED),
        (
            presented(session_revoked_at=NOW, rotated_at=NOW - timedelta(hours=1)),
            Outcome.REVOKED,
        ),
    ],
)
def test_judge(token: PresentedToken, outcome: Outcome) -> None:
    assert judge(token, NOW) is outcome
