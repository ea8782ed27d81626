"""Rules of the manager's people panels: reasons and comments, who may invite whom, picking
specialisations (`universal` alone), the invite link, how a pending person came, phone-like
searches — and that they agree with the users service, which has the last word."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.callbacks import DocTypeKey, SpecKey
from bot.logic.panels import (
    SPECIALIZATIONS,
    UNIVERSAL,
    check_comment,
    check_decision_reason,
    invitable_roles,
    invite_link,
    joined_by_invite,
    looks_like_phone,
    toggle,
    toggle_specialization,
)
from bot.mesh.users import SPECIALIZATION
from bot.mesh.verification import DOCUMENT_TYPE
from services.users import roles as service_roles
from services.users.people import looks_like_phone as service_looks_like_phone


def test_a_decision_reason_is_3_to_500_characters() -> None:
    assert check_decision_reason("  no ").problem == "panels.input.reason_short"
    assert check_decision_reason(None).length == 0
    assert check_decision_reason("x" * 501).problem == "panels.input.reason_long"
    assert check_decision_reason("  Не живёт здесь  ").value == "Не живёт здесь"
    assert check_decision_reason("abc").ok


def test_a_comment_is_optional_up_to_1000_characters() -> None:
    assert check_comment("").ok and check_comment(None).value == ""
    assert check_comment("x" * 1001).problem == "panels.input.comment_long"
    assert check_comment(" Фото паспорта ").value == "Фото паспорта"


@pytest.mark.parametrize(
    ("held", "offered"),
    [
        (("manager",), ("executor", "inspector")),
        (("applicant", "manager"), ("executor", "inspector")),
        (("admin",), ("executor", "inspector", "manager", "admin")),
        (("executor",), ()),
        ((), ()),
    ],
)
def test_who_may_invite_whom(held: tuple[str, ...], offered: tuple[str, ...]) -> None:
    assert invitable_roles(held) == offered


@given(st.sets(st.sampled_from(service_roles.ROLES)))
def test_invitable_roles_are_what_the_users_service_lets_grant(held: set[str]) -> None:
    for role in invitable_roles(held):
        assert service_roles.may_grant(held, role)
    # …and every staff role the service would let them grant is offered.
    staff = {"executor", "inspector", "manager", "admin"}
    grantable = {r for r in staff if service_roles.may_grant(held, r)}
    assert grantable == set(invitable_roles(held))


@given(st.lists(st.sampled_from([*SPECIALIZATIONS, UNIVERSAL])))
def test_universal_stands_alone_and_the_order_is_canonical(presses: list[str]) -> None:
    chosen: list[str] = []
    for value in presses:
        chosen = toggle_specialization(chosen, value)
        assert chosen == [] or chosen == [UNIVERSAL] or UNIVERSAL not in chosen
        assert chosen == sorted(chosen, key=[*SPECIALIZATIONS, UNIVERSAL].index)
        # The users service accepts every set the picker can make, unchanged.
        assert service_roles.normalize_specialisations(chosen) == tuple(chosen)


def test_toggling_picks_and_unpicks() -> None:
    assert toggle_specialization([], "plumber") == ["plumber"]
    assert toggle_specialization(["plumber"], "electrician") == ["electrician", "plumber"]
    assert toggle_specialization(["electrician", "plumber"], UNIVERSAL) == [UNIVERSAL]
    assert toggle_specialization([UNIVERSAL], UNIVERSAL) == []
    assert toggle_specialization([UNIVERSAL], "plumber") == ["plumber"]
    assert toggle_specialization(["plumber"], "teleport") == ["plumber"]
    kinds = [k.value for k in DocTypeKey]
    assert toggle(["utility_bill"], "passport", kinds) == ["passport", "utility_bill"]
    assert toggle(["passport"], "passport", kinds) == []


def test_button_keys_match_the_contracts() -> None:
    assert [s.value for s in SpecKey] == [*SPECIALIZATIONS, UNIVERSAL]
    assert [*SPECIALIZATIONS, UNIVERSAL] == list(SPECIALIZATION.by_key)
    assert SPECIALIZATIONS == service_roles.SPECIALISATIONS
    assert [k.value for k in DocTypeKey] == list(DOCUMENT_TYPE.by_key)


def test_the_invite_link() -> None:
    token = "A" * 22 + "b-_" + "9" * 29
    assert invite_link("ukm_bot", token) == f"https://t.me/ukm_bot?start=join_{token}"
    # Telegram takes 64 characters of [A-Za-z0-9_-] in a start parameter.
    with pytest.raises(ValueError, match="invite link"):
        invite_link("ukm_bot", "x" * 60)
    with pytest.raises(ValueError, match="invite link"):
        invite_link("ukm_bot", "bad token")
    with pytest.raises(ValueError, match="invite link"):
        invite_link("", token)


def test_how_a_pending_person_came() -> None:
    assert joined_by_invite(["executor"])
    assert joined_by_invite(["applicant", "inspector"])
    assert not joined_by_invite(["applicant"])


@pytest.mark.parametrize(
    "query", ["+998 90 123 45 67", "90 123-45-67", "(93) 555 12 34", "998901234567", "Aziz", "12"]
)
def test_phone_like_searches_agree_with_the_users_service(query: str) -> None:
    assert looks_like_phone(query) == service_looks_like_phone(query)
