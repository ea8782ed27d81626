"""Exactly-once keys: stable, unambiguous, and the same for the same delivery."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notifications.dedup import delivery_key, direct_key, notification_key
from services.notifications.preferences import Channel

EVENT = "0b6c1a52-3f0e-4f4e-9a77-2f1e8b0c9d11"
ids = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")


def test_keys_are_readable_and_stable() -> None:
    assert delivery_key(EVENT, "user-1", Channel.TELEGRAM) == (
        f"delivery:v1:{EVENT}:user-1:telegram"
    )
    assert notification_key(EVENT, "user-1") == f"notification:v1:{EVENT}:user-1"
    assert direct_key("order-42", "user-1") == "direct:v1:order-42:user-1"


def test_a_channel_enum_and_its_name_give_one_key() -> None:
    assert delivery_key(EVENT, "u", Channel.EMAIL) == delivery_key(EVENT, "u", "email")


def test_uuid_spellings_name_one_event() -> None:
    assert delivery_key(EVENT.upper(), "u", "sms") == delivery_key(EVENT, "u", "sms")
    assert notification_key(EVENT.replace("-", ""), "u") == notification_key(EVENT, "u")


def test_a_colon_inside_an_id_cannot_alias_another_key() -> None:
    assert direct_key("a:b", "c") != direct_key("a", "b:c")


def test_kinds_of_keys_never_collide() -> None:
    assert notification_key("k", "u") != direct_key("k", "u")


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_parts_are_refused(blank: str) -> None:
    with pytest.raises(ValueError, match="needs every part"):
        delivery_key(EVENT, blank, "telegram")
    with pytest.raises(ValueError, match="needs every part"):
        direct_key(blank, "u")


@given(a=st.tuples(ids, ids, ids), b=st.tuples(ids, ids, ids))
def test_different_deliveries_have_different_keys(
    a: tuple[str, str, str], b: tuple[str, str, str]
) -> None:
    if delivery_key(*a) == delivery_key(*b):
        # Only spellings of one UUID may meet; every other part must be equal.
        assert a[1:] == b[1:]


@given(key=ids, recipient=ids)
def test_direct_keys_are_deterministic_and_injective(key: str, recipient: str) -> None:
    assert direct_key(key, recipient) == direct_key(key, recipient)
    assert direct_key(key, recipient).count(":") == 3
