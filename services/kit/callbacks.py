"""Inline actions: the buttons a notification carries in Telegram, and what the bot reads back.

The notifications service puts them under its messages ("accept", "return", "answer"…); the
bot receives the button's callback data and starts the matching flow. Both sides use this one
codec, so the format is written down once: `act:<action>:<subject>`, e.g.
`act:accept:251125-007`, at most 64 bytes (Telegram's limit).

The data is only a hint of what the person wants to do: the bot checks that they may (the
services enforce it again), so a forged button can do nothing a typed command could not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

PREFIX = "act"
# A request number as DOMAIN.md defines it (YYMMDD-NNN, the counter growing past 999).
_REQUEST_NUMBER = re.compile(r"\d{6}-\d{3,6}")


class InlineAction(StrEnum):
    """What a notification's button asks the bot to do."""

    # Request actions (the subject is a request number).
    ACCEPT = "accept"  # the applicant accepts the work (then rates it)
    RETURN = "return"  # the applicant returns the work, with a reason
    ANSWER = "answer"  # the applicant answers a clarification question
    TAKE = "take"  # an on-shift executor claims a pool request
    OPEN = "open"  # show the request's card
    # Account actions (no subject: the person's own account).
    UPLOAD = "upload"  # the resident uploads the documents a manager asked for


# Actions about the person's own account carry no subject.
_NO_SUBJECT = frozenset({InlineAction.UPLOAD})


@dataclass(frozen=True)
class ActionRef:
    """A decoded button: the action and the request number it is about ("" for none)."""

    action: InlineAction
    subject: str = ""


def encode(action: InlineAction, subject: str = "") -> str:
    """The callback data of a button for `action` on `subject` (a request number)."""
    ref = ActionRef(action, subject)
    if not _valid(ref):
        raise ValueError(f"{action.value} needs {_expected(action)}; got {subject!r}")
    return f"{PREFIX}:{action.value}:{subject}"


def decode(data: str) -> ActionRef | None:
    """The action in callback `data`, or None when it is not a well-formed inline action."""
    prefix, _, rest = data.partition(":")
    name, _, subject = rest.partition(":")
    if prefix != PREFIX or name not in InlineAction.__members__.values():
        return None
    ref = ActionRef(InlineAction(name), subject)
    return ref if _valid(ref) else None


def _valid(ref: ActionRef) -> bool:
    if ref.action in _NO_SUBJECT:
        return ref.subject == ""
    return _REQUEST_NUMBER.fullmatch(ref.subject) is not None


def _expected(action: InlineAction) -> str:
    return "no subject" if action in _NO_SUBJECT else "a request number like 251125-007"
