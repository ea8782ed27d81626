"""People to notify in tests: signed-in people (tests/support/people.py) who can also be reached
on Telegram, by e-mail or by SMS, in their language.

The Telegram link is what the bot makes when someone first writes to it; here it is written
straight into the users service's table, as a test of the notifications service has no bot.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from tests.support.db import execute
from tests.support.people import SignedIn, log_in, make_person
from tests.support.stack import Stack

# Telegram user ids handed out to test people (a private chat's id is the user's id).
_CHATS = itertools.count(700_000_001)


@dataclass(frozen=True)
class Recipient:
    """A signed-in person and how they can be reached."""

    person: SignedIn
    chat_id: int | None
    phone: str | None
    language: str

    @property
    def user_id(self) -> str:
        """The person's id."""
        return self.person.user_id

    @property
    def email(self) -> str:
        """The person's e-mail address."""
        return self.person.email


async def recipient(
    stack: Stack,
    *roles: str,
    telegram: bool = True,
    phone: str | None = None,
    language: str = "ru",
    specializations: tuple[str, ...] = (),
) -> Recipient:
    """A new approved person holding `roles` (default: a resident), signed in."""
    roles = roles or ("applicant",)
    user_id, email, secret = await make_person(
        stack, *roles, specializations=specializations, phone=phone, language=language
    )
    chat_id = next(_CHATS) if telegram else None
    if chat_id is not None:
        await execute(
            stack.settings.database_url.get_secret_value(),
            "UPDATE users.users SET telegram_user_id = :chat WHERE id = :id",
            chat=chat_id,
            id=user_id,
        )
    tokens = await log_in(stack, email, secret)
    person = SignedIn(user_id, email, roles, tokens.access_token, tokens.refresh_token, secret)
    return Recipient(person, chat_id, phone, language)
