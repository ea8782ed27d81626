"""What routing produces: a `Route` and its parts, before anyone is resolved (plain values).

A route names its recipients by *spec* (a user id, a role, the on-shift executors of a
specialisation) and its parties by the `Party` they play in the event; the resolver later turns
specs into people and the renderer reads `data` through the template `<kind>.<party>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

# A template value: text, or a list of label keys (categories, documents…) that the template
# renders in the reader's language.
Value = str | tuple[str, ...]
TemplateData = Mapping[str, Value]


class Party(StrEnum):
    """Who, relative to the event, hears it."""

    APPLICANT = "applicant"
    # The executor working on the request (the newly assigned one for an assignment).
    EXECUTOR = "executor"
    # The executor who lost the request (reassignment, shift handed over).
    REMOVED_EXECUTOR = "removed_executor"
    MANAGERS = "managers"
    # On-shift executors of the pool a request was addressed to.
    POOL = "pool"
    # The user the event is about (verification, account, security).
    SUBJECT = "subject"


@dataclass(frozen=True)
class UserRecipient:
    """One known person."""

    user_id: str
    party: Party


@dataclass(frozen=True)
class RoleRecipient:
    """Everyone holding a role (approved users only; admins count as managers)."""

    role: str
    party: Party


@dataclass(frozen=True)
class OnShiftRecipient:
    """Executors on an active shift covering `specialization` (universal shifts included)."""

    specialization: str
    party: Party


RecipientSpec = UserRecipient | RoleRecipient | OnShiftRecipient


@dataclass(frozen=True)
class Addressee:
    """Who hears the route, through which template, with which inline actions."""

    recipient: RecipientSpec
    template: str
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class AddressRef:
    """The directory ids of a request's (or binding's) address, for the resolver to label."""

    yard_id: str = ""
    building_id: str = ""
    apartment_id: str = ""


@dataclass(frozen=True)
class Route:
    """What one event means for people's inboxes (before resolving anyone)."""

    kind: str
    addressees: tuple[Addressee, ...]
    data: TemplateData
    urgent: bool
    # The request number or user id the event is about (tracking lists deliveries by it).
    subject: str
    # Drop every resolved person who is not staff (internal comments).
    staff_only: bool = False
    # People never told: whoever caused the event.
    exclude: frozenset[str] = frozenset()
    # When set, the only channels allowed (a reset link goes by e-mail only).
    channels: tuple[str, ...] | None = None
    # Contact details the event itself carries, by channel ("email" → the address).
    contacts: Mapping[str, str] = field(default_factory=dict)
    # The reader's language when the event knows it better than the profile.
    language: str = ""
    address: AddressRef | None = None
    # Data fields that must never reach a log (tokens).
    secret_fields: frozenset[str] = frozenset()
    # A photo to show with the Telegram message (a Telegram file id of the same bot), "" none.
    photo: str = ""
