"""The cast and props of the routing scenarios (test_routing_*_e2e.py): the module's managers,
a resident with an approved home, a request to file, REST as one of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from tests.notifications.inbox import Hears, Inbox
from tests.support.recipients import Recipient, recipient
from tests.support.rest import Rest, a_home
from tests.support.stack import Stack

# The street of every home `a_home` makes (the address label holds it).
HOME = "Amir Temur 108"


@dataclass(frozen=True)
class Staff:
    """A module's managers, one per language.

    Made once per module, before any of its events: "the managers" are everyone approved
    holding the role, and the service reuses that list for a few seconds, so a manager made
    halfway through a module could miss the first messages meant for them.
    """

    ru: Recipient
    uz: Recipient
    en: Recipient

    @property
    def all(self) -> tuple[Recipient, ...]:
        return (self.ru, self.uz, self.en)


async def make_staff(stack: Stack) -> Staff:
    """Three managers reachable on Telegram: ru, uz and en."""
    return Staff(*[await recipient(stack, "manager", language=lang) for lang in ("ru", "uz", "en")])


async def a_resident(
    stack: Stack, staff: Staff, inbox: Inbox, language: str
) -> tuple[Recipient, dict[str, str]]:
    """A resident with an approved home, watched by `inbox`; they hear the approval
    (user.binding_approved), which this asserts."""
    resident = await recipient(stack, language=language)
    inbox.add(resident)
    address = await a_home(stack, staff.ru.person, resident.person)
    await inbox.step(
        resident.user_id, Hears(resident, "user.binding_approved.subject", also=(HOME,))
    )
    return resident, address


def filing(category: str, address: dict[str, str], **extra: Any) -> dict[str, Any]:
    """A new request of `category` (`plumbing`…) at `address`, urgency high."""
    return {
        "category": f"CATEGORY_{category.upper()}",
        "description": f"Problem with the {category} in the flat, please come",
        "urgency": "URGENCY_HIGH",
        "address": address,
        **extra,
    }


def on(http: aiohttp.ClientSession, person: Recipient) -> Rest:
    """REST through Envoy as `person`."""
    return Rest(http, person.person)
