"""Password policy and Argon2id hashing (pure; the hashing is real, just not on an event loop)."""

from __future__ import annotations

import time
import unicodedata

import argon2
import pytest

from services.auth.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    Argon2Params,
    PasswordHasher,
    common_passwords,
    default_policy,
)
from services.kit.errors import InvalidArgument

GOOD = "correct mare staple 17"


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    return PasswordHasher()


def test_the_bundled_list_is_loaded_lower_case_without_comments() -> None:
    common = common_passwords()
    assert 500 <= len(common) <= 5000
    assert {"password1234", "qwertyuiop12", "123456789012"} <= common
    assert all(word == word.casefold() and not word.startswith("#") for word in common)


def test_a_long_unusual_password_is_accepted() -> None:
    assert default_policy().problems(GOOD, email="olga@example.uz") == []


@pytest.mark.parametrize("length", [MIN_LENGTH - 1, MAX_LENGTH + 1])
def test_length_limits(length: int) -> None:
    problems = default_policy().problems("x7" * (length // 2) + "z" * (length % 2))
    assert len(problems) == 1 and str(length) in problems[0]


def test_the_limits_themselves_are_accepted() -> None:
    policy = default_policy()
    assert policy.problems("k" * MIN_LENGTH) == []
    assert policy.problems("k" * MAX_LENGTH) == []


@pytest.mark.parametrize(
    "password", ["password1234", "PassWord1234", "QWERTYUIOP12", "Gfhjkm123456"]
)
def test_common_passwords_are_refused_whatever_the_case(password: str) -> None:
    assert "common" in default_policy().problems(password)[0]


@pytest.mark.parametrize(
    ("password", "email"),
    [
        ("olga.ivanova", "Olga.Ivanova@example.uz"),  # the local part itself
        ("my olga.ivanova 1990", "olga.ivanova@example.uz"),  # contained
        ("KARIMOV-the-great", "karimov@example.uz"),  # case-insensitively
    ],
)
def test_the_email_name_is_refused(password: str, email: str) -> None:
    assert default_policy().problems(password, email=email) == ["must not contain your e-mail name"]


def test_a_very_short_email_name_only_refuses_equality() -> None:
    policy = default_policy()
    assert policy.problems("a long passphrase with al", email="al@example.uz") == []


def test_check_raises_one_violation_per_broken_rule_on_the_named_field() -> None:
    with pytest.raises(InvalidArgument) as refused:
        default_policy().check("password1234", email="password1234@x.uz", field="new_password")
    assert [v.field for v in refused.value.violations] == ["new_password", "new_password"]


def test_length_is_measured_after_normalisation() -> None:
    # Twelve decomposed "é" are 24 code points but 12 characters once composed.
    decomposed = unicodedata.normalize("NFD", "é" * 11)
    assert len(decomposed) == 22
    assert default_policy().problems(decomposed) != []


def test_hash_is_argon2id_with_at_least_the_required_cost(hasher: PasswordHasher) -> None:
    stored = hasher.hash(GOOD)
    params = argon2.extract_parameters(stored)
    assert params.type is argon2.Type.ID
    assert params.time_cost >= 2 and params.memory_cost >= 19456 and params.parallelism >= 1
    assert GOOD not in stored
    assert hasher.hash(GOOD) != stored  # salted


def test_verify_accepts_the_password_and_nothing_else(hasher: PasswordHasher) -> None:
    stored = hasher.hash(GOOD)
    assert hasher.verify(stored, GOOD)
    assert not hasher.verify(stored, GOOD + " ")
    assert not hasher.verify("not a hash", GOOD)


def test_both_unicode_spellings_of_a_password_verify(hasher: PasswordHasher) -> None:
    composed = unicodedata.normalize("NFC", "пароль с ёлкой и é 2025")
    stored = hasher.hash(composed)
    assert hasher.verify(stored, unicodedata.normalize("NFD", composed))


def test_weaker_hashes_need_rehashing(hasher: PasswordHasher) -> None:
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(GOOD)
    assert hasher.needs_rehash(weak)
    assert not hasher.needs_rehash(hasher.hash(GOOD))
    assert hasher.needs_rehash("garbage")


def test_stronger_parameters_are_honoured() -> None:
    strong = PasswordHasher(Argon2Params(time_cost=3, memory_cost_kib=32768))
    params = argon2.extract_parameters(strong.hash(GOOD))
    assert (params.time_cost, params.memory_cost) == (3, 32768)


def test_the_decoy_verification_costs_about_as_much_as_a_real_one(hasher: PasswordHasher) -> None:
    stored = hasher.hash(GOOD)
    started = time.perf_counter()
    hasher.verify(stored, "wrong password here")
    real = time.perf_counter() - started
    started = time.perf_counter()
    hasher.verify_decoy("wrong password here")
    decoy = time.perf_counter() - started
    # Same parameters, so the same work; the bound is loose for a busy machine.
    assert decoy > real / 4
