"""Which step follows a first factor (pure; the flows are tested end to end elsewhere)."""

from __future__ import annotations

import pytest

from services.auth.challenges import amr_with_otp, second_step
from services.auth.session_store import ENROLL, MFA


@pytest.mark.parametrize(
    ("mfa_enabled", "requires_mfa", "step"),
    [
        (False, False, None),  # a resident without TOTP: tokens at once
        (True, False, MFA),  # anyone who enrolled TOTP is asked for it
        (True, True, MFA),  # staff with TOTP
        (False, True, ENROLL),  # staff without TOTP enrol before their first tokens
    ],
)
def test_the_step_after_a_first_factor(
    mfa_enabled: bool, requires_mfa: bool, step: str | None
) -> None:
    assert second_step(mfa_enabled=mfa_enabled, requires_mfa=requires_mfa) == step


def test_a_completed_challenge_names_both_factors() -> None:
    assert amr_with_otp("pwd") == ("pwd", "otp")
    assert amr_with_otp("oidc") == ("oidc", "otp")
