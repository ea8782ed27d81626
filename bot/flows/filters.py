"""Router filters on who the person is (see bot/middlewares/person.py)."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from bot.person import Person

__all__ = ["Approved", "HasRole", "Pending"]


class Approved(Filter):
    """Approved people (everything but onboarding)."""

    async def __call__(self, event: TelegramObject, person: Person | None = None) -> bool:
        """True for an approved person."""
        return person is not None and person.approved


class Pending(Filter):
    """People waiting for a manager: onboarding only."""

    async def __call__(self, event: TelegramObject, person: Person | None = None) -> bool:
        """True for a pending person."""
        return person is not None and person.pending


class HasRole(Filter):
    """People holding one of `roles` (admins count as managers)."""

    def __init__(self, *roles: str) -> None:
        self.roles = frozenset(roles) | ({"admin"} if "manager" in roles else frozenset())

    async def __call__(self, event: TelegramObject, person: Person | None = None) -> bool:
        """True when the person holds one of the roles."""
        return person is not None and bool(self.roles & set(person.roles))
