"""Buttons every flow shares: navigation, the menus, roles and language, step buttons, the
paged pickers (onboarding's places, the manager's panels), and the field types and key enums
more than one part of the bot sends."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from uuid import UUID

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

__all__ = [
    "DocTypeKey",
    "Fork",
    "ForkChoice",
    "LangPick",
    "Language",
    "ListKind",
    "MenuItem",
    "MenuKey",
    "Nav",
    "NavTo",
    "PageNumber",
    "PageTo",
    "PickBuilding",
    "PickFlat",
    "PickYard",
    "RequestNumber",
    "RoleKey",
    "RolePick",
    "SpecKey",
    "StepAction",
    "StepDo",
]

# A request number as DOMAIN.md defines it (YYMMDD-NNN, the counter growing past 999), in
# ASCII digits (one pattern for every button that names a request).
RequestNumber = Annotated[str, Field(pattern=r"^[0-9]{6}-[0-9]{3,6}$")]
# A page of a paged list (its page tokens stay in FSM data: they do not fit in 64 bytes).
PageNumber = Annotated[int, Field(ge=0, le=999)]


class NavTo(StrEnum):
    """Moves every step offers."""

    BACK = "back"
    CANCEL = "cancel"
    RETRY = "retry"
    MENU = "menu"


class Nav(CallbackData, prefix="n"):
    """Back, cancel, retry after a busy moment, or the menu."""

    to: NavTo


class MenuKey(StrEnum):
    """Items of the role menus (bot/ui/menus.py); `menu.item.<value>` is the label."""

    NEW_REQUEST = "new"
    MY_REQUESTS = "mine"
    PROFILE = "profile"
    LANGUAGE = "lang"
    SWITCH_ROLE = "role"
    HELP = "help"
    SHIFT_START = "shift_on"
    SHIFT_END = "shift_off"
    MY_WORK = "work"
    POOL = "pool"
    ARCHIVE = "archive"
    BOARD_NEW = "b_new"
    BOARD_ACTIVE = "b_active"
    BOARD_CHECK = "b_check"
    BOARD_RETURNED = "b_returned"
    BOARD_WAITING = "b_waiting"
    PENDING_USERS = "users"
    BINDINGS = "bindings"
    VERIFICATION = "verify"
    INVITE = "invite"
    INSPECT = "inspect"


class MenuItem(CallbackData, prefix="m"):
    """A role menu item."""

    item: MenuKey


class RoleKey(StrEnum):
    """Roles one may switch to (ukm.users.v1.Role keys)."""

    APPLICANT = "applicant"
    EXECUTOR = "executor"
    MANAGER = "manager"
    INSPECTOR = "inspector"
    ADMIN = "admin"


class RolePick(CallbackData, prefix="r"):
    """Switch the active role."""

    role: RoleKey


class Language(StrEnum):
    """The bot's languages."""

    RU = "ru"
    UZ = "uz"
    EN = "en"


class LangPick(CallbackData, prefix="l"):
    """Choose the language."""

    code: Language


class StepAction(StrEnum):
    """Step-local buttons."""

    DONE = "done"
    SKIP = "skip"
    CONFIRM = "ok"


class StepDo(CallbackData, prefix="s"):
    """Finish or skip an optional step, or confirm a summary."""

    action: StepAction


class ForkChoice(StrEnum):
    """The first question to a newcomer."""

    RESIDENT = "resident"
    STAFF = "staff"


class Fork(CallbackData, prefix="o"):
    """Resident or staff."""

    choice: ForkChoice


class PickYard(CallbackData, prefix="y"):
    """A yard from the list shown."""

    id: UUID


class PickBuilding(CallbackData, prefix="b"):
    """A building from the list shown."""

    id: UUID


class PickFlat(CallbackData, prefix="f"):
    """An apartment from the list shown."""

    id: UUID


class ListKind(StrEnum):
    """Paged pickers (their page tokens live in FSM data: they do not fit in 64 bytes)."""

    YARDS = "y"
    BUILDINGS = "b"
    FLATS = "f"
    MINE = "m"
    # The manager's people panels (flows/people.py, verification.py, bindings.py).
    PENDING_USERS = "pu"
    VERIFICATIONS = "pv"
    PENDING_BINDINGS = "pb"


class PageTo(CallbackData, prefix="pg"):
    """Go to page `page` of a picker."""

    list: ListKind
    page: PageNumber


class DocTypeKey(StrEnum):
    """Document kinds (ukm.users.v1.DocumentType keys): the resident uploads them, a manager
    asks for them."""

    PASSPORT = "passport"
    PROPERTY_DEED = "property_deed"
    RENTAL_AGREEMENT = "rental_agreement"
    UTILITY_BILL = "utility_bill"
    OTHER = "other"


class SpecKey(StrEnum):
    """Executor specialisations in canonical order, then the wildcard (DOMAIN.md): an invite
    gives them, a shift focuses on them."""

    ELECTRICIAN = "electrician"
    PLUMBER = "plumber"
    HEATING = "heating"
    VENTILATION = "ventilation"
    ELEVATOR = "elevator"
    CLEANING = "cleaning"
    SECURITY = "security"
    LANDSCAPING = "landscaping"
    REPAIR = "repair"
    UNIVERSAL = "universal"
