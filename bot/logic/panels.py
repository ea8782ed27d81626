"""Rules of the manager's people panels (pending users, verification, bindings, invites), with
no I/O: what a decision's reason and a comment may be, which roles a manager may invite,
how specialisations are picked, the invite link, and how a pending person came to UKM.

The users service is the authority on all of it (roles.py, invites.py, verification.py
there); these checks only save a round trip and say precisely what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot.logic.inputs import Checked
from services.kit.vocabulary import SPECIALISATIONS as SPECIALIZATIONS
from services.kit.vocabulary import UNIVERSAL

__all__ = [
    "COMMENT_MAX",
    "REASON_MAX",
    "REASON_MIN",
    "SPECIALIZATIONS",
    "UNIVERSAL",
    "check_comment",
    "check_decision_reason",
    "invitable_roles",
    "invite_link",
    "joined_by_invite",
    "looks_like_phone",
    "toggle",
    "toggle_specialization",
]

# A manager's reason to block, reject a document, a verification or a binding: the person is
# told it (users service: 3–500 characters).
REASON_MIN, REASON_MAX = 3, 500
# The comment sent with a request for documents.
COMMENT_MAX = 1000
# Roles only an invite gives (residents sign up by themselves).
_STAFF_ROLES = ("executor", "inspector", "manager", "admin")
# Only admins hand out the staff-management roles (users service, roles.py).
_ADMIN_ONLY = frozenset({"manager", "admin"})
# Telegram: a start parameter is 1–64 characters of A-Z a-z 0-9 _ -.
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PHONE_LIKE = re.compile(r"\+?[\d\s().-]{7,}")


def check_decision_reason(raw: str | None) -> Checked:
    """Why a manager says no: 3–500 characters, surrounding whitespace not counted."""
    text = (raw or "").strip()
    if len(text) < REASON_MIN:
        return Checked(problem="panels.input.reason_short", length=len(text))
    if len(text) > REASON_MAX:
        return Checked(problem="panels.input.reason_long", length=len(text))
    return Checked(value=text, length=len(text))


def check_comment(raw: str | None) -> Checked:
    """An optional comment to a request for documents: at most 1000 characters."""
    text = (raw or "").strip()
    if len(text) > COMMENT_MAX:
        return Checked(problem="panels.input.comment_long", length=len(text))
    return Checked(value=text, length=len(text))


def invitable_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """The staff roles someone holding `roles` may invite: managers invite executors and
    inspectors; admins also managers and admins."""
    held = set(roles)
    if "admin" in held:
        return _STAFF_ROLES
    if "manager" in held:
        return tuple(r for r in _STAFF_ROLES if r not in _ADMIN_ONLY)
    return ()


def toggle(selected: Sequence[str], value: str, known: Sequence[str]) -> list[str]:
    """`selected` with `value` added or removed, in the order of `known`."""
    chosen = set(selected) ^ {value}
    return [k for k in known if k in chosen]


def toggle_specialization(selected: Sequence[str], value: str) -> list[str]:
    """Pick or unpick a specialisation: `universal` stands alone (it already means
    everything), so choosing it clears the others and choosing another clears it."""
    if value == UNIVERSAL:
        return [] if UNIVERSAL in selected else [UNIVERSAL]
    if value not in SPECIALIZATIONS:
        return list(selected)
    rest = [s for s in selected if s != UNIVERSAL]
    return toggle(rest, value, SPECIALIZATIONS)


def invite_link(bot_username: str, token: str) -> str:
    """The deep link a new staff member opens: `https://t.me/<bot>?start=join_<token>`."""
    parameter = f"join_{token}"
    if not bot_username or not _START_PARAMETER.fullmatch(parameter):
        raise ValueError("an invite link needs the bot's username and a start-parameter token")
    return f"https://t.me/{bot_username}?start={parameter}"


def joined_by_invite(roles: Iterable[str]) -> bool:
    """Whether a pending person came with a staff invite (staff join only that way, DOMAIN.md)
    rather than by signing up as a resident."""
    return bool(set(roles) & set(_STAFF_ROLES))


def looks_like_phone(raw: str) -> bool:
    """Whether what a manager typed to find someone is a phone number rather than a name part
    (the users service matches numbers exactly, so they are normalised first)."""
    return bool(_PHONE_LIKE.fullmatch(raw.strip()))
