"""Staff invites: single-use, expiring links signed with HMAC-SHA256. Pure; no I/O.

A manager creates an invite for a role (and specialisations, for executors) that lives 1 h,
24 h or 7 d. The person opens it in the bot as `/start join_<token>`. Telegram allows at most 64
characters of `[A-Za-z0-9_-]` in a start parameter, so the token cannot carry the invite: the
invite is a row on the server, and the token holds only its id, a random nonce and a MAC
(base64url of 16 + 8 + 16 bytes = 54 characters; 59 with the `join_` prefix).

The MAC covers the whole invite as stored (id, nonce, role, specialisations, expiry, issuer),
so a token is valid only for exactly what the manager created: editing the row (say, turning an
executor invite into an admin one) invalidates it. The HMAC key is derived from the service's
data keys (`UKM_DATA_KEYS`) with HKDF, label `users.invites` (see `kit.crypto`); after a key
rotation, tokens signed with an older configured key still verify until they expire.

Single use is the store's job: it locks the row, checks it here (`check_redeemable`), and marks
it redeemed in the same transaction.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.kit.crypto import Keyring, bind
from services.kit.errors import FailedPrecondition, InvalidArgument
from services.users.roles import (
    EXECUTOR,
    check_role,
    normalize_specialisations,
    require_may_grant,
)

KEY_PURPOSE = "users.invites"
START_PREFIX = "join_"
LIFETIMES = (timedelta(hours=1), timedelta(hours=24), timedelta(days=7))
NONCE_BYTES = 8
MAC_BYTES = 16  # HMAC-SHA256 truncated to 128 bits: forging still takes ~2^128 tries
_ID_BYTES = 16
_TOKEN_BYTES = _ID_BYTES + NONCE_BYTES + MAC_BYTES
_TOKEN = re.compile(r"[A-Za-z0-9_-]{54}")
_INVALID = "this invite link is not valid; ask a manager for a new one"


@dataclass(frozen=True)
class Invite:
    """An invite as stored (what the token's MAC covers)."""

    id: uuid.UUID
    nonce: bytes
    role: str
    specialisations: tuple[str, ...]
    issuer_id: str
    expires_at: datetime


@dataclass(frozen=True)
class InviteToken:
    """The parts of a token: which invite, its nonce, and the MAC to check."""

    invite_id: uuid.UUID
    nonce: bytes
    mac: bytes


def new_invite(
    *,
    role: str,
    specialisations: Iterable[str],
    lifetime: timedelta,
    issuer_id: str,
    issuer_roles: Iterable[str],
    now: datetime,
) -> Invite:
    """A fresh invite, after checking the issuer may grant the role and the input is sound."""
    check_role(role)
    require_may_grant(issuer_roles, role)
    if lifetime not in LIFETIMES:
        raise InvalidArgument.field("lifetime", "must be 1 hour, 24 hours or 7 days")
    skills = normalize_specialisations(specialisations)
    if role == EXECUTOR and not skills:
        raise InvalidArgument.field(
            "specialisations", "an executor invite needs at least one specialisation"
        )
    if role != EXECUTOR and skills:
        raise InvalidArgument.field("specialisations", "only executor invites carry them")
    return Invite(
        id=uuid.uuid4(),
        nonce=os.urandom(NONCE_BYTES),
        role=role,
        specialisations=skills,
        issuer_id=issuer_id,
        expires_at=now + lifetime,
    )


def signing_keys(keyring: Keyring) -> list[bytes]:
    """Invite MAC keys, current first (the first signs; any of them verifies)."""
    versions = sorted(keyring.versions, reverse=True)
    return [keyring.derive_key(KEY_PURPOSE, version=v) for v in versions]


def sign(invite: Invite, key: bytes) -> str:
    """The url-safe token for `invite` (54 characters of `[A-Za-z0-9_-]`)."""
    raw = invite.id.bytes + invite.nonce + _mac(invite, key)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_token(token: str) -> InviteToken:
    """The parts of a token, or InvalidArgument for anything that is not one of ours."""
    if not _TOKEN.fullmatch(token):
        raise InvalidArgument.field("token", _INVALID)
    try:
        raw = base64.urlsafe_b64decode(token + "==")
    except (binascii.Error, ValueError):
        raise InvalidArgument.field("token", _INVALID) from None
    # Only the canonical spelling: the last character's spare bits must not make a second,
    # different-looking token for the same invite.
    if len(raw) != _TOKEN_BYTES or base64.urlsafe_b64encode(raw).decode().rstrip("=") != token:
        raise InvalidArgument.field("token", _INVALID)
    return InviteToken(
        invite_id=uuid.UUID(bytes=raw[:_ID_BYTES]),
        nonce=raw[_ID_BYTES : _ID_BYTES + NONCE_BYTES],
        mac=raw[_ID_BYTES + NONCE_BYTES :],
    )


def check_redeemable(
    invite: Invite | None,
    token: InviteToken,
    keys: Sequence[bytes],
    *,
    now: datetime,
    redeemed: bool,
    revoked: bool = False,
) -> Invite:
    """The invite if `token` may redeem it now; FailedPrecondition otherwise.

    An unknown invite and a wrong MAC give the same answer, so tokens cannot be probed. Every
    key is tried, each comparison in constant time.
    """
    authentic = invite is not None and invite.nonce == token.nonce
    if invite is not None:
        matches = [hmac.compare_digest(_mac(invite, key), token.mac) for key in keys]
        authentic = authentic and any(matches)
    if invite is None or not authentic:
        raise FailedPrecondition("INVITE_INVALID", _INVALID)
    if redeemed:
        raise FailedPrecondition(
            "INVITE_ALREADY_USED", "this invite link was already used; ask a manager for a new one"
        )
    if revoked:
        raise FailedPrecondition(
            "INVITE_REVOKED", "this invite link was withdrawn; ask a manager for a new one"
        )
    if now >= invite.expires_at:
        raise FailedPrecondition(
            "INVITE_EXPIRED", "this invite link has expired; ask a manager for a new one"
        )
    return invite


def start_parameter(token: str) -> str:
    """The Telegram `/start` parameter of an invite (`join_<token>`, at most 64 characters)."""
    return START_PREFIX + token


def token_from_start_parameter(parameter: str) -> str:
    """The token inside a `/start join_<token>` parameter (the bare token is accepted too)."""
    return parameter.removeprefix(START_PREFIX)


def _mac(invite: Invite, key: bytes) -> bytes:
    message = bind(
        "ukm.users.invite.v1",
        invite.id.hex,
        invite.nonce.hex(),
        invite.role,
        ",".join(invite.specialisations),
        str(int(invite.expires_at.timestamp())),
        invite.issuer_id,
    )
    return hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES]
