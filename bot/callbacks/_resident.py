"""The resident's buttons: filing a request (flows/new_request.py), rating it (flows/actions.py),
and — prefix letter `r` plus one more (`r` alone is RolePick's) — "my requests", the profile
and the documents (flows/my_requests.py, profile.py, documents.py)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.callbacks._common import DocTypeKey, RequestNumber

__all__ = [
    "CategoryKey",
    "MineAct",
    "MineCard",
    "MineDo",
    "MineList",
    "MineView",
    "PickAddress",
    "PickCategory",
    "PickUrgency",
    "ProfileKey",
    "ProfileOpen",
    "QuietPick",
    "Stars",
    "UploadDocType",
    "UploadNext",
    "UploadThen",
    "UrgencyKey",
]


class CategoryKey(StrEnum):
    """Request categories (ukm.requests.v1.Category keys)."""

    ELECTRICITY = "electricity"
    PLUMBING = "plumbing"
    HEATING = "heating"
    VENTILATION = "ventilation"
    ELEVATOR = "elevator"
    CLEANING = "cleaning"
    LANDSCAPING = "landscaping"
    SECURITY = "security"
    INTERNET = "internet"
    REPAIR = "repair"
    OTHER = "other"


class PickCategory(CallbackData, prefix="k"):
    """A request category."""

    category: CategoryKey


class PickAddress(CallbackData, prefix="a"):
    """One of the addresses shown (by position: three UUIDs do not fit in 64 bytes)."""

    index: int = Field(ge=0, le=99)


class UrgencyKey(StrEnum):
    """Urgencies (ukm.requests.v1.Urgency keys)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class PickUrgency(CallbackData, prefix="u"):
    """An urgency."""

    urgency: UrgencyKey


class Stars(CallbackData, prefix="st"):
    """A rating."""

    stars: int = Field(ge=1, le=5)


# --- "my requests" ------------------------------------------------------------------------------


class MineView(StrEnum):
    """The filters of "my requests"."""

    ACTIVE = "a"
    WAITING = "w"  # awaiting my acceptance (the neighbours' of my flat too)
    CLOSED = "c"


class MineList(CallbackData, prefix="rl"):
    """Show "my requests" with a filter."""

    view: MineView


class MineCard(CallbackData, prefix="rc"):
    """Open a request's card (read afresh as the person before anything is shown)."""

    number: RequestNumber


class MineAct(StrEnum):
    """Card actions of the resident's own (the others are the kit's `act:` buttons)."""

    CANCEL = "x"


class MineDo(CallbackData, prefix="rd"):
    """An action on a request from its card."""

    act: MineAct
    number: RequestNumber


# --- the profile and the documents --------------------------------------------------------------


class ProfileKey(StrEnum):
    """Parts of the profile."""

    NAME = "name"
    PHONE = "phone"
    FLATS = "flats"
    ADD_FLAT = "add"
    NOTIFY = "notify"
    DOCS = "docs"


class ProfileOpen(CallbackData, prefix="rp"):
    """Open a part of the profile."""

    item: ProfileKey


class QuietPick(CallbackData, prefix="rq"):
    """Quiet hours (22:00–08:00) on or off."""

    on: bool


class UploadDocType(CallbackData, prefix="ru"):
    """The kind of document about to be uploaded."""

    type: DocTypeKey


class UploadNext(StrEnum):
    """After a document was received."""

    MORE = "more"
    DONE = "done"


class UploadThen(CallbackData, prefix="rn"):
    """Another document, or done."""

    then: UploadNext
