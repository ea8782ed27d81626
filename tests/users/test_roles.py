"""Roles, specialisations and account status rules (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.kit.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.users.roles import (
    ROLES,
    RoleSet,
    change_status,
    effective_roles,
    may_act,
    may_grant,
    normalize_specialisations,
    qualifies,
    require_may_grant,
)


def test_last_role_cannot_be_removed() -> None:
    with pytest.raises(FailedPrecondition, match="only role") as raised:
        RoleSet.of(["executor"]).remove("executor")
    assert raised.value.reason == "LAST_ROLE"


def test_removing_the_active_role_moves_to_the_best_left() -> None:
    roles = RoleSet.of(["applicant", "executor"], active="executor").remove("executor")
    assert roles == RoleSet(("applicant",), "applicant")
    kept = RoleSet.of(["applicant", "manager"], active="applicant").remove("manager")
    assert kept.active == "applicant"


def test_removing_a_role_not_held_changes_nothing() -> None:
    roles = RoleSet.of(["applicant"])
    assert roles.remove("manager") == roles


def test_active_role_must_be_held() -> None:
    with pytest.raises(FailedPrecondition) as raised:
        RoleSet.of(["applicant"]).activate("manager")
    assert raised.value.reason == "ROLE_NOT_HELD"
    with pytest.raises(FailedPrecondition):
        RoleSet.of(["applicant"], active="executor")


def test_admin_includes_manager() -> None:
    assert effective_roles(["admin"]) == {"admin", "manager"}
    assert RoleSet.of(["admin"]).activate("manager").active == "manager"
    # Losing admin while acting as manager through it lands in a role really held.
    roles = RoleSet.of(["admin", "applicant"], active="manager").remove("admin")
    assert roles == RoleSet(("applicant",), "applicant")


def test_roles_are_canonical_and_known() -> None:
    assert RoleSet.of(["applicant", "admin", "applicant"]).roles == ("admin", "applicant")
    with pytest.raises(InvalidArgument, match="roles"):
        RoleSet.of([])
    with pytest.raises(InvalidArgument, match="must be one of"):
        RoleSet.of(["applicant"]).add("wizard")


@given(st.lists(st.sampled_from(ROLES), min_size=1), st.lists(st.sampled_from(ROLES)))
def test_removals_never_leave_an_invalid_set(start: list[str], removals: list[str]) -> None:
    roles = RoleSet.of(start)
    for role in removals:
        try:
            roles = roles.remove(role)
        except FailedPrecondition:
            assert roles.roles == (role,)
        assert roles.roles
        assert roles.active in effective_roles(roles.roles)


def test_who_may_grant_what() -> None:
    assert may_grant(["manager"], "executor")
    assert may_grant(["manager"], "inspector")
    assert not may_grant(["manager"], "manager")
    assert not may_grant(["manager"], "admin")
    assert may_grant(["admin"], "manager")
    assert may_grant(["admin"], "executor")
    assert not may_grant(["executor"], "applicant")
    with pytest.raises(PermissionDenied, match="admin"):
        require_may_grant(["manager"], "admin")


def test_specialisations_are_canonical() -> None:
    assert normalize_specialisations(["repair", "plumber", "repair"]) == ("plumber", "repair")
    assert normalize_specialisations(["universal", "plumber"]) == ("universal",)
    assert normalize_specialisations([]) == ()
    with pytest.raises(InvalidArgument, match="unknown wizardry"):
        normalize_specialisations(["wizardry"])


def test_qualification_matches_any() -> None:
    assert qualifies(["plumber"], "plumber")
    assert qualifies(["universal"], "elevator")
    assert not qualifies(["plumber"], "elevator")


@pytest.mark.parametrize(
    ("before", "action", "after"),
    [
        ("pending", "approve", "approved"),
        ("pending", "block", "blocked"),
        ("approved", "block", "blocked"),
        ("blocked", "unblock", "approved"),
    ],
)
def test_allowed_status_changes(before: str, action: str, after: str) -> None:
    change = change_status(before, action, " spam ")
    assert (change.before, change.after, change.reason) == (before, after, "spam")


@pytest.mark.parametrize(
    ("before", "action"),
    [("approved", "approve"), ("blocked", "approve"), ("blocked", "block"), ("pending", "unblock")],
)
def test_refused_status_changes(before: str, action: str) -> None:
    with pytest.raises(FailedPrecondition) as raised:
        change_status(before, action, "why")
    assert raised.value.reason == "STATUS_TRANSITION_NOT_ALLOWED"


def test_blocking_needs_a_reason() -> None:
    with pytest.raises(InvalidArgument, match="reason"):
        change_status("approved", "block", "  ")
    assert change_status("pending", "approve").reason == ""
    with pytest.raises(InvalidArgument, match="at most"):
        change_status("approved", "block", "x" * 501)


def test_only_approved_people_act() -> None:
    assert may_act("approved")
    assert not may_act("pending")
    assert not may_act("blocked")
