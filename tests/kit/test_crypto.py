"""Field encryption at rest (kit.crypto): keys, ciphertexts, rotation, blind indexes."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from services.kit.crypto import (
    DataKeyError,
    DecryptionError,
    Keyring,
    add_data_key,
    bind,
    generate_data_key,
)
from services.kit.settings import Settings

KEY_1 = generate_data_key(1)
KEY_2 = generate_data_key(2)
ROW_A = bind("users", "phone", "a")
ROW_B = bind("users", "phone", "b")


@pytest.fixture(scope="module")
def keyring() -> Keyring:
    return Keyring.parse(KEY_1)


@given(st.binary(max_size=300), st.binary(max_size=40))
def test_round_trip(plaintext: bytes, associated: bytes) -> None:
    keyring = Keyring.parse(KEY_1)
    token = keyring.encrypt(plaintext, associated_data=associated)
    assert keyring.decrypt(token, associated_data=associated) == plaintext


def test_text_round_trip_and_format(keyring: Keyring) -> None:
    token = keyring.encrypt("+998901234567", associated_data=ROW_A)
    version, nonce, _sealed = token.split(".")
    assert version == "v1"
    assert len(base64.urlsafe_b64decode(nonce + "==")) == 12
    assert "998901234567" not in token
    assert keyring.decrypt_text(token, associated_data=ROW_A) == "+998901234567"


def test_same_plaintext_encrypts_differently(keyring: Keyring) -> None:
    assert keyring.encrypt("x") != keyring.encrypt("x")


def test_value_moved_to_another_row_does_not_decrypt(keyring: Keyring) -> None:
    token = keyring.encrypt("+998901234567", associated_data=ROW_A)
    with pytest.raises(DecryptionError, match="authenticate"):
        keyring.decrypt(token, associated_data=ROW_B)
    with pytest.raises(DecryptionError):
        keyring.decrypt(token)


def test_tampering_is_detected(keyring: Keyring) -> None:
    version, nonce, sealed = keyring.encrypt("secret").split(".")
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(DecryptionError):
        keyring.decrypt(f"{version}.{nonce}.{flipped}")


@pytest.mark.parametrize(
    "value",
    ["", "plain text", "v1.abc", "v0.AAAA.AAAA", "v1.AAAA.AAAA", "v1.!!!.AAAA", "x1.AAAA.AAAA"],
)
def test_malformed_values_are_refused_clearly(keyring: Keyring, value: str) -> None:
    with pytest.raises(DecryptionError):
        keyring.decrypt(value)


def test_bind_is_unambiguous() -> None:
    assert bind("ab", "c") != bind("a", "bc")
    assert bind("a") != bind("a", "")


def test_rotation_old_values_still_decrypt_and_reencrypt_to_new_key() -> None:
    old = Keyring.parse(KEY_1)
    token = old.encrypt("+998901234567", associated_data=ROW_A)
    rotated = Keyring.parse(f"{KEY_1},{KEY_2}")
    assert rotated.current_version == 2
    assert rotated.needs_reencryption(token)
    assert rotated.decrypt_text(token, associated_data=ROW_A) == "+998901234567"

    fresh = rotated.reencrypt(token, associated_data=ROW_A)
    assert fresh.startswith("v2.")
    assert not rotated.needs_reencryption(fresh)
    assert rotated.reencrypt(fresh, associated_data=ROW_A) == fresh
    # Once every value is re-encrypted, the old key can go.
    only_new = Keyring.parse(KEY_2)
    assert only_new.decrypt_text(fresh, associated_data=ROW_A) == "+998901234567"
    with pytest.raises(DecryptionError, match="version 1"):
        only_new.decrypt(token, associated_data=ROW_A)


def test_highest_version_encrypts_whatever_the_order() -> None:
    assert Keyring.parse(f"{KEY_2},{KEY_1}").encrypt("x").startswith("v2.")


def test_blind_index_is_deterministic_keyed_and_purpose_bound() -> None:
    one = Keyring.parse(KEY_1)
    assert one.blind_index("+998901234567", purpose="users.phone") == one.blind_index(
        "+998901234567", purpose="users.phone"
    )
    assert one.blind_index("+998901234567", purpose="users.phone") != one.blind_index(
        "+998901234568", purpose="users.phone"
    )
    assert one.blind_index("+998901234567", purpose="users.phone") != one.blind_index(
        "+998901234567", purpose="users.email"
    )
    other = Keyring.parse(generate_data_key(1))
    assert one.blind_index("+998901234567", purpose="p") != other.blind_index(
        "+998901234567", purpose="p"
    )
    assert "998901234567" not in one.blind_index("+998901234567", purpose="p")


def test_blind_indexes_during_rotation_find_old_and_new_rows() -> None:
    old = Keyring.parse(KEY_1)
    rotated = Keyring.parse(f"{KEY_1},{KEY_2}")
    candidates = rotated.blind_indexes("+998901234567", purpose="users.phone")
    assert candidates[0] == rotated.blind_index("+998901234567", purpose="users.phone")
    assert old.blind_index("+998901234567", purpose="users.phone") in candidates


def test_derived_keys_are_independent_and_stable() -> None:
    keyring = Keyring.parse(f"{KEY_1},{KEY_2}")
    invites = keyring.derive_key("users.invites")
    assert len(invites) == 32
    assert invites == Keyring.parse(f"{KEY_2},{KEY_1}").derive_key("users.invites")
    assert invites != keyring.derive_key("other")
    assert invites != keyring.derive_key("users.invites", version=1)
    raw = base64.urlsafe_b64decode(KEY_2.split(":")[1] + "=")
    assert invites != raw
    with pytest.raises(DataKeyError, match="version 7"):
        keyring.derive_key("users.invites", version=7)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        (" , ", "empty"),
        ("abc", "entry 1"),
        ("x:AAAA", "entry 1"),
        ("1:AAAA", "32 bytes"),
        ("1:not base64!", "base64url"),
        ("0:" + KEY_1.split(":")[1], "positive"),
        (f"{KEY_1},{KEY_1}", "twice"),
    ],
)
def test_bad_keys_are_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(DataKeyError, match=message) as raised:
        Keyring.parse(text)
    assert KEY_1.split(":")[1] not in str(raised.value)


def test_padded_base64_and_spaces_are_accepted() -> None:
    key = KEY_1.split(":")[1]
    keyring = Keyring.parse(f" 1 : {key}= ")
    assert keyring.decrypt(Keyring.parse(KEY_1).encrypt("x")) == b"x"


def test_from_settings_and_repr_hide_the_keys() -> None:
    settings = Settings(data_keys=SecretStr(f"{KEY_1},{KEY_2}"))
    keyring = Keyring.from_settings(settings)
    assert keyring.versions == (1, 2)
    for key in (KEY_1, KEY_2):
        assert key.split(":")[1] not in repr(keyring)
    with pytest.raises(DataKeyError, match="UKM_DATA_KEYS"):
        Keyring.from_settings(Settings(data_keys=SecretStr("")))


def test_generate_and_add_data_key() -> None:
    assert generate_data_key(3).startswith("3:")
    assert generate_data_key() != generate_data_key()
    with pytest.raises(DataKeyError):
        generate_data_key(0)
    grown = add_data_key(KEY_1)
    assert grown.startswith(KEY_1 + ",2:")
    assert Keyring.parse(grown).current_version == 2
