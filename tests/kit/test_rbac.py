"""The permission matrix's rule forms (kit.rbac); the matrix itself: tests/test_permissions.py."""

from __future__ import annotations

import pytest

from services.kit.context import Caller
from services.kit.errors import PermissionDenied, Unauthenticated
from services.kit.rbac import AccessPolicy, parse_rule

BOT = "spiffe://ukm.local/svc/bot"


def user(*roles: str, status: str = "approved") -> Caller:
    return Caller(user_id="u-1", roles=frozenset(roles), status=status)


POLICY = AccessPolicy(
    {
        "/s/Public": parse_rule("public", where="Public"),
        "/s/SignedIn": parse_rule("signed_in", where="SignedIn"),
        "/s/Managers": parse_rule({"roles": ["manager"]}, where="Managers"),
        "/s/Anyone": parse_rule({"roles": "any"}, where="Anyone"),
        "/s/Onboarding": parse_rule({"roles": ["applicant"], "pending": True}, where="x"),
        "/s/Bot": parse_rule({"services": ["bot"]}, where="Bot"),
    }
)


@pytest.mark.parametrize(
    ("method", "caller", "allowed"),
    [
        ("/s/Public", Caller(), True),
        ("/s/SignedIn", Caller(), False),
        ("/s/SignedIn", user("applicant", status="pending"), True),
        ("/s/Managers", user("manager"), True),
        ("/s/Managers", user("admin"), True),  # admin holds every right of manager
        ("/s/Managers", user("executor", "applicant"), False),
        ("/s/Managers", user("manager", status="pending"), False),
        ("/s/Anyone", user("inspector"), True),
        ("/s/Anyone", user(), False),
        ("/s/Onboarding", user("applicant", status="pending"), True),
        ("/s/Bot", Caller(workload=BOT), True),
        ("/s/Bot", Caller(workload="spiffe://ukm.local/svc/requests"), False),
        ("/s/Bot", user("admin"), False),
        ("/s/Unlisted", user("admin"), False),
    ],
)
def test_rules(method: str, caller: Caller, allowed: bool) -> None:
    if allowed:
        POLICY.check(method, caller, None)
        return
    with pytest.raises((PermissionDenied, Unauthenticated)):
        POLICY.check(method, caller, None)


def test_no_one_is_told_to_sign_in_when_signed_in_but_not_allowed() -> None:
    with pytest.raises(Unauthenticated) as anonymous:
        POLICY.check("/s/Managers", Caller(), None)
    assert anonymous.value.reason == "TOKEN_REQUIRED"
    with pytest.raises(PermissionDenied) as refused:
        POLICY.check("/s/Managers", user("applicant"), None)
    assert refused.value.reason == "ROLE_NOT_ALLOWED"
    with pytest.raises(PermissionDenied, match="not approved"):
        POLICY.check("/s/Managers", user("manager", status="pending"), None)


def test_a_bad_token_matters_only_where_a_token_is_needed() -> None:
    bad = Unauthenticated("expired", reason="TOKEN_EXPIRED")
    POLICY.check("/s/Public", Caller(), bad)  # e.g. Refresh with a stale access token attached
    with pytest.raises(Unauthenticated) as refused:
        POLICY.check("/s/SignedIn", Caller(), bad)
    assert refused.value.reason == "TOKEN_EXPIRED"


@pytest.mark.parametrize(
    "spec",
    ["everyone", {}, {"roles": ["wizard"]}, {"roles": "manager"}, {"role": ["manager"]}, 7],
)
def test_malformed_rules_are_refused_at_load(spec: object) -> None:
    with pytest.raises(ValueError, match="permissions"):
        parse_rule(spec, where="Svc.Method")


def test_the_shipped_matrix_loads() -> None:
    policy = AccessPolicy.load()
    assert policy.rule("/ukm.auth.v1.AuthService/Login") is not None
    assert policy.rule("/ukm.auth.v1.AuthService/TelegramSession").services == {"bot"}
