"""Verification and profile rules (pure)."""

from __future__ import annotations

import pytest

from services.kit.context import Caller
from services.kit.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.users import verification as v
from services.users.access import require_may_manage, require_self_or_admin, require_self_or_staff
from services.users.people import (
    clean_name,
    language_from_telegram,
    looks_like_phone,
    telegram_name,
)


def test_asking_for_documents() -> None:
    for status in ("pending", "requested", "rejected"):
        assert v.request_documents(status) == "requested"
    with pytest.raises(FailedPrecondition, match="already verified"):
        v.request_documents("verified")


def test_who_may_upload() -> None:
    v.check_may_submit("pending", 0)
    v.check_may_submit("requested", v.MAX_OPEN_DOCUMENTS - 1)
    for status, reason in (("verified", "ALREADY_VERIFIED"), ("rejected", "VERIFICATION_REJECTED")):
        with pytest.raises(FailedPrecondition) as raised:
            v.check_may_submit(status, 0)
        assert raised.value.reason == reason
    with pytest.raises(FailedPrecondition) as raised:
        v.check_may_submit("requested", v.MAX_OPEN_DOCUMENTS)
    assert raised.value.reason == "TOO_MANY_DOCUMENTS"


def test_document_reviews() -> None:
    assert v.review_document("submitted", "requested", accept=True, reason="") == v.Review(
        "accepted", ""
    )
    assert v.review_document("accepted", "requested", accept=False, reason=" blurry ") == (
        v.Review("rejected", "blurry")
    )
    with pytest.raises(InvalidArgument, match="reason"):
        v.review_document("submitted", "requested", accept=False, reason=" ")
    with pytest.raises(FailedPrecondition):
        v.review_document("deleted", "requested", accept=True, reason="")
    with pytest.raises(FailedPrecondition):
        v.review_document("submitted", "verified", accept=True, reason="")


def test_decisions() -> None:
    assert v.decide("requested", ["accepted", "rejected"], approve=True, reason="") == v.Decision(
        "verified", "", approved=True
    )
    assert v.decide("rejected", [], approve=True, reason="called them").status == "verified"
    assert v.decide("requested", ["submitted"], approve=False, reason="fake").status == "rejected"
    with pytest.raises(FailedPrecondition) as raised:
        v.decide("requested", ["accepted", "submitted"], approve=True, reason="")
    assert raised.value.reason == "DOCUMENTS_NOT_REVIEWED"
    with pytest.raises(FailedPrecondition):
        v.decide("verified", [], approve=True, reason="")
    with pytest.raises(FailedPrecondition):
        v.decide("rejected", [], approve=False, reason="again")
    with pytest.raises(InvalidArgument):
        v.decide("requested", [], approve=False, reason="")


def test_profile_helpers() -> None:
    assert clean_name("  Aziz \t Rahimov ") == "Aziz Rahimov"
    with pytest.raises(InvalidArgument):
        clean_name("   ")
    with pytest.raises(InvalidArgument):
        clean_name("a\x00b")
    assert telegram_name("") == "Telegram user"
    assert telegram_name(" Малика\u200b ") == "Малика"
    assert [language_from_telegram(c) for c in ("uz", "en-US", "ru", "de", "", "UZ_latn")] == [
        "uz",
        "en",
        "ru",
        "ru",
        "ru",
        "uz",
    ]
    assert looks_like_phone("+998 90 123-45-67")
    assert looks_like_phone("(90) 1234567")
    assert not looks_like_phone("Dilnoza")
    assert not looks_like_phone("12")


MANAGER = Caller(user_id="m", roles=frozenset({"manager"}), status="approved")
ADMIN = Caller(user_id="a", roles=frozenset({"admin"}), status="approved")
PENDING_ADMIN = Caller(user_id="p", roles=frozenset({"admin"}), status="pending")
RESIDENT = Caller(user_id="r", roles=frozenset({"applicant"}), status="approved")


def test_row_level_rules() -> None:
    require_self_or_staff(RESIDENT, "r")
    require_self_or_staff(MANAGER, "r")
    require_self_or_staff(ADMIN, "r")
    for caller in (RESIDENT, PENDING_ADMIN):
        with pytest.raises(PermissionDenied):
            require_self_or_staff(caller, "x")
    require_self_or_admin(RESIDENT, "r")
    require_self_or_admin(ADMIN, "r")
    with pytest.raises(PermissionDenied):
        require_self_or_admin(MANAGER, "r")
    require_may_manage(MANAGER, "r", ["applicant"])
    require_may_manage(ADMIN, "x", ["manager"])
    with pytest.raises(PermissionDenied):
        require_may_manage(MANAGER, "x", ["admin"])
    with pytest.raises(PermissionDenied):
        require_may_manage(MANAGER, "m", ["manager"])
