"""Invite tokens: signing, parsing, expiry, single use and the Telegram deep-link limits."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest

from services.kit.crypto import Keyring, generate_data_key
from services.kit.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.users.invites import (
    Invite,
    check_redeemable,
    new_invite,
    parse_token,
    sign,
    signing_keys,
    start_parameter,
    token_from_start_parameter,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
KEYRING = Keyring.parse(generate_data_key(1))
KEYS = signing_keys(KEYRING)


def executor_invite(lifetime: timedelta = timedelta(hours=24)) -> Invite:
    return new_invite(
        role="executor",
        specialisations=["plumber", "electrician"],
        lifetime=lifetime,
        issuer_id="a3b5c6d7-0000-4000-8000-000000000001",
        issuer_roles=["manager"],
        now=NOW,
    )


def test_token_fits_a_telegram_start_parameter() -> None:
    invite = executor_invite()
    parameter = start_parameter(sign(invite, KEYS[0]))
    assert len(parameter) <= 64
    assert re.fullmatch(r"[A-Za-z0-9_-]+", parameter)
    assert token_from_start_parameter(parameter) == sign(invite, KEYS[0])


def test_valid_token_redeems() -> None:
    invite = executor_invite()
    token = parse_token(sign(invite, KEYS[0]))
    assert token.invite_id == invite.id
    assert check_redeemable(invite, token, KEYS, now=NOW, redeemed=False) == invite
    assert invite.specialisations == ("electrician", "plumber")


def test_replay_is_refused() -> None:
    invite = executor_invite()
    token = parse_token(sign(invite, KEYS[0]))
    with pytest.raises(FailedPrecondition) as raised:
        check_redeemable(invite, token, KEYS, now=NOW, redeemed=True)
    assert raised.value.reason == "INVITE_ALREADY_USED"


@pytest.mark.parametrize("lifetime", [timedelta(hours=1), timedelta(hours=24), timedelta(days=7)])
def test_expiry(lifetime: timedelta) -> None:
    invite = executor_invite(lifetime)
    token = parse_token(sign(invite, KEYS[0]))
    check_redeemable(invite, token, KEYS, now=NOW + lifetime - timedelta(seconds=1), redeemed=False)
    with pytest.raises(FailedPrecondition) as raised:
        check_redeemable(invite, token, KEYS, now=NOW + lifetime, redeemed=False)
    assert raised.value.reason == "INVITE_EXPIRED"


def test_revoked_is_refused() -> None:
    invite = executor_invite()
    token = parse_token(sign(invite, KEYS[0]))
    with pytest.raises(FailedPrecondition) as raised:
        check_redeemable(invite, token, KEYS, now=NOW, redeemed=False, revoked=True)
    assert raised.value.reason == "INVITE_REVOKED"


@pytest.mark.parametrize(
    "change",
    [
        {"role": "admin"},
        {"specialisations": ("universal",)},
        {"expires_at": NOW + timedelta(days=30)},
        {"issuer_id": "someone-else"},
        {"nonce": b"\x00" * 8},
    ],
)
def test_edited_invite_no_longer_matches_its_token(change: dict[str, object]) -> None:
    invite = executor_invite()
    token = parse_token(sign(invite, KEYS[0]))
    edited = dataclasses.replace(invite, **change)  # type: ignore[arg-type]
    with pytest.raises(FailedPrecondition) as raised:
        check_redeemable(edited, token, KEYS, now=NOW, redeemed=False)
    assert raised.value.reason == "INVITE_INVALID"


def test_unknown_invite_and_forged_mac_look_the_same() -> None:
    invite = executor_invite()
    token = parse_token(sign(invite, KEYS[0]))
    forged = dataclasses.replace(token, mac=bytes(16))
    with pytest.raises(FailedPrecondition) as unknown:
        check_redeemable(None, token, KEYS, now=NOW, redeemed=False)
    with pytest.raises(FailedPrecondition) as bad_mac:
        check_redeemable(invite, forged, KEYS, now=NOW, redeemed=False)
    assert unknown.value.reason == bad_mac.value.reason == "INVITE_INVALID"
    assert unknown.value.message == bad_mac.value.message


def test_another_deployments_key_does_not_verify() -> None:
    invite = executor_invite()
    foreign = signing_keys(Keyring.parse(generate_data_key(1)))[0]
    token = parse_token(sign(invite, foreign))
    with pytest.raises(FailedPrecondition):
        check_redeemable(invite, token, KEYS, now=NOW, redeemed=False)


def test_tokens_survive_a_key_rotation() -> None:
    old_key = generate_data_key(1)
    invite = executor_invite()
    token = parse_token(sign(invite, signing_keys(Keyring.parse(old_key))[0]))
    rotated = signing_keys(Keyring.parse(f"{old_key},{generate_data_key(2)}"))
    assert check_redeemable(invite, token, rotated, now=NOW, redeemed=False) == invite


@pytest.mark.parametrize(
    "text", ["", "short", "x" * 53, "x" * 55, "!" * 54, "join_" + "A" * 54, "A" * 53 + "="]
)
def test_malformed_tokens_are_refused(text: str) -> None:
    with pytest.raises(InvalidArgument, match="not valid"):
        parse_token(text)


def test_invite_input_rules() -> None:
    with pytest.raises(InvalidArgument, match="at least one specialisation"):
        new_invite(
            role="executor",
            specialisations=[],
            lifetime=timedelta(hours=1),
            issuer_id="m",
            issuer_roles=["manager"],
            now=NOW,
        )
    with pytest.raises(InvalidArgument, match="only executor"):
        new_invite(
            role="inspector",
            specialisations=["plumber"],
            lifetime=timedelta(hours=1),
            issuer_id="m",
            issuer_roles=["manager"],
            now=NOW,
        )
    with pytest.raises(InvalidArgument, match="lifetime"):
        new_invite(
            role="inspector",
            specialisations=[],
            lifetime=timedelta(hours=2),
            issuer_id="m",
            issuer_roles=["manager"],
            now=NOW,
        )
    with pytest.raises(PermissionDenied):
        new_invite(
            role="manager",
            specialisations=[],
            lifetime=timedelta(hours=1),
            issuer_id="m",
            issuer_roles=["manager"],
            now=NOW,
        )


def test_each_invite_is_unique() -> None:
    first, second = executor_invite(), executor_invite()
    assert first.id != second.id
    assert first.nonce != second.nonce


def test_only_the_canonical_spelling_of_a_token_parses() -> None:
    token = sign(executor_invite(), KEYS[0])
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # The last character carries spare bits: its neighbours in the alphabet may decode to the
    # same bytes, and must still be refused (one invite, one token).
    position = alphabet.index(token[-1])
    for other in alphabet[(position & ~0xF) : (position & ~0xF) + 16]:
        if other != token[-1]:
            with pytest.raises(InvalidArgument):
                parse_token(token[:-1] + other)
    assert parse_token(token).mac
