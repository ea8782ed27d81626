"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), pure functions.

The service uses SHA-1, 30-second steps and 6 digits (what every authenticator app supports).
A code is accepted for the current step and one step either side (clock drift, slow typing);
`verify` returns the step it matched so the store can refuse that step and every earlier one
next time, which makes each code single-use even within its validity window.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from typing import Literal
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1
ISSUER = "UKM"
SECRET_BYTES = 20  # 160 bits, the HMAC-SHA-1 block-friendly size RFC 4226 recommends

Algorithm = Literal["sha1", "sha256", "sha512"]


def generate_secret() -> str:
    """A new random shared secret in base32 (32 characters, no padding)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_bytes(secret: str) -> bytes:
    """The key bytes of a base32 secret (spaces and lower case tolerated, padding optional)."""
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def time_step(moment: datetime | float) -> int:
    """The RFC 6238 counter at `moment` (an aware datetime or Unix seconds)."""
    seconds = moment.timestamp() if isinstance(moment, datetime) else moment
    return int(seconds // STEP_SECONDS)


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, algorithm: Algorithm = "sha1") -> str:
    """The RFC 4226 one-time password of `counter`, zero-padded to `digits`."""
    digest = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, algorithm)).digest()
    offset = digest[-1] & 0x0F
    (value,) = struct.unpack(">I", digest[offset : offset + 4])
    return str((value & 0x7FFFFFFF) % 10**digits).zfill(digits)


def code_at(
    secret: str, moment: datetime | float, *, digits: int = DIGITS, algorithm: Algorithm = "sha1"
) -> str:
    """The code an authenticator shows at `moment`."""
    return hotp(secret_bytes(secret), time_step(moment), digits=digits, algorithm=algorithm)


def normalise_code(code: str) -> str | None:
    """The digits of a typed code ("123 456" → "123456"), or None if it cannot be one."""
    digits = code.replace(" ", "").replace("-", "")
    return digits if len(digits) == DIGITS and digits.isascii() and digits.isdigit() else None


def verify(
    secret: str, code: str, now: datetime | float, *, last_used_step: int | None = None
) -> int | None:
    """The time step `code` belongs to (within ±`WINDOW` of now), or None.

    Steps at or before `last_used_step` are never accepted: a code that was used (or any code
    older than one used) cannot be replayed. Every candidate is compared, in constant time, so
    the answer's timing does not tell which step was close.
    """
    typed = normalise_code(code)
    if typed is None:
        return None
    key = secret_bytes(secret)
    current = time_step(now)
    matched: int | None = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        fresh = last_used_step is None or step > last_used_step
        if hmac.compare_digest(hotp(key, step), typed) and fresh and matched is None:
            matched = step
    return matched


def provisioning_uri(secret: str, account: str, *, issuer: str = ISSUER) -> str:
    """The `otpauth://` URI an authenticator app scans (as a QR code) to enrol `secret`."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"
