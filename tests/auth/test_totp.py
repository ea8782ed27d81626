"""TOTP against the RFC 4226 / RFC 6238 test vectors, the ±1 window and one-time use."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest

from services.auth import totp

RFC_SHA1_KEY = b"12345678901234567890"
RFC_KEYS = {
    "sha1": RFC_SHA1_KEY,
    "sha256": b"12345678901234567890123456789012",
    "sha512": b"1234567890123456789012345678901234567890123456789012345678901234",
}


@pytest.mark.parametrize(
    ("counter", "code"),
    list(
        enumerate(
            [
                "755224",
                "287082",
                "359152",
                "969429",
                "338314",
                "254676",
                "287922",
                "162583",
                "399871",
                "520489",
            ]
        )
    ),
)
def test_rfc4226_hotp_vectors(counter: int, code: str) -> None:
    assert totp.hotp(RFC_SHA1_KEY, counter) == code


@pytest.mark.parametrize(
    ("unix", "sha1", "sha256", "sha512"),
    [
        (59, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ],
)
def test_rfc6238_vectors(unix: int, sha1: str, sha256: str, sha512: str) -> None:
    step = totp.time_step(unix)
    for algorithm, expected in (("sha1", sha1), ("sha256", sha256), ("sha512", sha512)):
        key = RFC_KEYS[algorithm]
        assert totp.hotp(key, step, digits=8, algorithm=algorithm) == expected  # type: ignore[arg-type]


def test_datetimes_and_unix_seconds_give_the_same_step() -> None:
    moment = datetime(2009, 2, 13, 23, 31, 30, tzinfo=UTC)
    assert totp.time_step(moment) == totp.time_step(1234567890) == 1234567890 // 30


def test_generated_secrets_are_160_bit_base32() -> None:
    secret = totp.generate_secret()
    assert len(secret) == 32 and "=" not in secret
    assert len(base64.b32decode(secret)) == 20
    assert totp.generate_secret() != secret


def test_secret_bytes_tolerates_spaces_lower_case_and_missing_padding() -> None:
    secret = base64.b32encode(RFC_SHA1_KEY).decode()
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)).lower()
    assert totp.secret_bytes(spaced) == RFC_SHA1_KEY
    assert totp.secret_bytes("MFRGG") == b"abc"


SECRET = base64.b32encode(RFC_SHA1_KEY).decode()
NOW = 1_700_000_000.0
STEP = totp.time_step(NOW)


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_codes_within_one_step_are_accepted_and_report_their_step(offset: int) -> None:
    code = totp.hotp(RFC_SHA1_KEY, STEP + offset)
    assert totp.verify(SECRET, code, NOW) == STEP + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_codes_outside_the_window_are_refused(offset: int) -> None:
    assert totp.verify(SECRET, totp.hotp(RFC_SHA1_KEY, STEP + offset), NOW) is None


def test_a_used_step_and_every_earlier_one_are_refused() -> None:
    current = totp.hotp(RFC_SHA1_KEY, STEP)
    previous = totp.hotp(RFC_SHA1_KEY, STEP - 1)
    assert totp.verify(SECRET, current, NOW, last_used_step=STEP) is None
    assert totp.verify(SECRET, previous, NOW, last_used_step=STEP) is None
    # The next code is still fine.
    assert totp.verify(SECRET, totp.hotp(RFC_SHA1_KEY, STEP + 1), NOW, last_used_step=STEP) == (
        STEP + 1
    )


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦"])
def test_malformed_codes_are_refused(typed: str) -> None:
    assert totp.verify(SECRET, typed, NOW) is None


def test_spaces_and_dashes_in_a_typed_code_are_ignored() -> None:
    code = totp.hotp(RFC_SHA1_KEY, STEP)
    assert totp.verify(SECRET, f"{code[:3]} {code[3:]}", NOW) == STEP
    assert totp.verify(SECRET, f"{code[:3]}-{code[3:]}", NOW) == STEP


def test_code_at_matches_verify() -> None:
    secret = totp.generate_secret()
    assert totp.verify(secret, totp.code_at(secret, NOW), NOW) == STEP


def test_provisioning_uri() -> None:
    uri = totp.provisioning_uri(SECRET, "olga@example.uz")
    parsed = urlparse(uri)
    assert (parsed.scheme, parsed.netloc) == ("otpauth", "totp")
    assert parsed.path == "/UKM:olga@example.uz"
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    assert query == {
        "secret": SECRET,
        "issuer": "UKM",
        "algorithm": "SHA1",
        "digits": "6",
        "period": "30",
    }


def test_provisioning_uri_escapes_the_account() -> None:
    uri = totp.provisioning_uri(SECRET, "o l?g&a@example.uz")
    assert "/UKM:o%20l%3Fg%26a@example.uz?" in uri
