"""Every button's callback data: aiogram `CallbackData` factories with short prefixes.

Values are typed (enums, UUIDs packed as 32 hex digits, bounded integers), so a button that
does not parse — forged, or from an older bot — matches no handler and gets the polite
"this button is out of date" (flows/common.py). Telegram allows 64 bytes; `pack` refuses more.

Parsing is not permission: a button only names what the person wants; before acting on a
request the bot reads it as the person (GetRequest), and the services check again.

Notification buttons (`act:<action>:<number>`) use the kit's codec, `services.kit.callbacks`,
shared with the notifications service; see flows/actions.py.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.logic.boards import Board, Pool, Verb

__all__ = [
    "BoardPage",
    "CardDo",
    "DispatchGo",
    "DispatchStep",
    "DocTypeKey",
    "ExecList",
    "ExecOpen",
    "ExecPage",
    "Fork",
    "ForkChoice",
    "LangPick",
    "ListKind",
    "MenuItem",
    "MenuKey",
    "MineAct",
    "MineCard",
    "MineDo",
    "MineList",
    "MineView",
    "Nav",
    "NavTo",
    "OpenCard",
    "PageTo",
    "Panel",
    "PanelAct",
    "PanelKind",
    "PickAddress",
    "PickBuilding",
    "PickCategory",
    "PickDocType",
    "PickExecutor",
    "PickFlat",
    "PickInviteRole",
    "PickPool",
    "PickSpec",
    "PickUrgency",
    "PickValidity",
    "PickYard",
    "ProfileKey",
    "ProfileOpen",
    "QuietPick",
    "RolePick",
    "ShiftAct",
    "ShiftDo",
    "ShiftFocus",
    "SpecKey",
    "Stars",
    "StepAction",
    "StepDo",
    "UploadDocType",
    "UploadNext",
    "UploadThen",
    "ValidityKey",
    "WorkDo",
    "WorkVerb",
]


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
    page: int = Field(ge=0, le=999)


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


class StepAction(StrEnum):
    """Step-local buttons."""

    DONE = "done"
    SKIP = "skip"
    CONFIRM = "ok"


class StepDo(CallbackData, prefix="s"):
    """Finish or skip an optional step, or confirm a summary."""

    action: StepAction


class Stars(CallbackData, prefix="st"):
    """A rating."""

    stars: int = Field(ge=1, le=5)


# --- the resident's flows (prefix letter `r`; flows/my_requests.py, profile.py, documents.py) --
# (`r` alone is RolePick's.)

# A request number (DOMAIN.md: YYMMDD-NNN, the counter growing past 999).
_REQUEST_NUMBER = r"^\d{6}-\d{3,6}$"


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

    number: str = Field(pattern=_REQUEST_NUMBER)


class MineAct(StrEnum):
    """Card actions of the resident's own (the others are the kit's `act:` buttons)."""

    CANCEL = "x"


class MineDo(CallbackData, prefix="rd"):
    """An action on a request from its card."""

    act: MineAct
    number: str = Field(pattern=_REQUEST_NUMBER)


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


# --- the manager's people panels (prefix letter `p`; flows/people.py and its siblings) --------


class PanelKind(StrEnum):
    """What a panel button is about."""

    USER = "u"  # a pending person (id: the user)
    CASE = "v"  # a verification case (id: the user)
    DOCUMENT = "d"  # a document of a case (id: the document)
    BINDING = "b"  # an apartment binding (id: the binding)


class PanelAct(StrEnum):
    """What to do with it."""

    OPEN = "o"
    APPROVE = "y"
    REJECT = "n"  # block, for a person
    ASK_DOCUMENTS = "d"


class Panel(CallbackData, prefix="p"):
    """Open or decide one item of a people panel. The id is checked against what the manager
    was shown, then read afresh as them before anything is decided."""

    kind: PanelKind
    act: PanelAct
    id: UUID


class DocTypeKey(StrEnum):
    """Document kinds (ukm.users.v1.DocumentType keys)."""

    PASSPORT = "passport"
    PROPERTY_DEED = "property_deed"
    RENTAL_AGREEMENT = "rental_agreement"
    UTILITY_BILL = "utility_bill"
    OTHER = "other"


class PickDocType(CallbackData, prefix="pt"):
    """Toggle a document kind to ask for."""

    type: DocTypeKey


class SpecKey(StrEnum):
    """Executor specialisations in canonical order, then the wildcard (DOMAIN.md)."""

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


class PickSpec(CallbackData, prefix="ps"):
    """Toggle a specialisation of an executor invite."""

    spec: SpecKey


class PickInviteRole(CallbackData, prefix="pi"):
    """The role an invite gives (staff roles only; the handler checks which)."""

    role: RoleKey


class ValidityKey(StrEnum):
    """How long an invite lives (ukm.users.v1.InviteValidity keys)."""

    ONE_HOUR = "one_hour"
    ONE_DAY = "one_day"
    SEVEN_DAYS = "seven_days"


class PickValidity(CallbackData, prefix="pl"):
    """An invite's validity."""

    validity: ValidityKey


# --- the resident's documents (prefix letter `r`; flows/documents.py) ---------------------------


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


# --- the manager's boards and request actions (prefix letter `m`; flows/boards.py, dispatch.py,
# review.py). `MenuItem` owns the bare "m"; these are "m" plus one letter.

# A request number as DOMAIN.md defines it (YYMMDD-NNN, the counter growing past 999).
_NUMBER = r"^[0-9]{6}-[0-9]{3,6}$"


class BoardPage(CallbackData, prefix="mb"):
    """Page `page` of a board (its page tokens stay in FSM data)."""

    board: Board
    page: int = Field(ge=0, le=999)


class OpenCard(CallbackData, prefix="mo"):
    """A request's manager card (read afresh as the manager)."""

    number: str = Field(pattern=_NUMBER)


class CardDo(CallbackData, prefix="mv"):
    """A manager's action on a request, with the version the card showed (a card older than
    the request is refused before anything starts)."""

    verb: Verb
    number: str = Field(pattern=_NUMBER)
    version: int = Field(ge=1, le=10**12)


class PickPool(CallbackData, prefix="mp"):
    """A specialisation pool to address a request to (never `universal`)."""

    pool: Pool


class PickExecutor(CallbackData, prefix="me"):
    """An on-duty executor from the candidates shown."""

    id: UUID


class DispatchStep(StrEnum):
    """Screens of the assignment flow one can go back to."""

    CHOOSE = "c"
    POOLS = "p"


class DispatchGo(CallbackData, prefix="mg"):
    """Back to a screen of the assignment flow."""

    to: DispatchStep


# --- the executor's flows (prefix letter `e`; flows/shift.py, work.py, pool.py, archive.py) ---

# A request number (DOMAIN.md: YYMMDD-NNN, the counter growing past 999).
_WORK_NUMBER = r"^\d{6}-\d{3,6}$"


class ExecList(StrEnum):
    """The executor's request lists."""

    WORK = "w"  # my requests in work
    POOL = "p"  # the free pool my shift covers
    ARCHIVE = "a"  # my finished requests


class ExecPage(CallbackData, prefix="el"):
    """Page `page` of an executor's list (its page tokens stay in FSM data)."""

    list: ExecList
    page: int = Field(ge=0, le=999)


class ExecOpen(CallbackData, prefix="eo"):
    """A request's card from an executor's list (read afresh as the person first)."""

    list: ExecList
    number: str = Field(pattern=_WORK_NUMBER)


class WorkVerb(StrEnum):
    """What an executor does with a request from its card."""

    PURCHASE = "p"
    RESUME = "r"
    COMPLETE = "c"
    TAKE = "t"


class WorkDo(CallbackData, prefix="ew"):
    """An action on a request card, with the version the card showed: a double tap or an
    old card is refused (STALE_VERSION), never repeated."""

    verb: WorkVerb
    number: str = Field(pattern=_WORK_NUMBER)
    version: int = Field(ge=0, le=2**31 - 1)


class ShiftFocus(CallbackData, prefix="ef"):
    """Toggle a specialisation of the shift about to start."""

    spec: SpecKey


class ShiftAct(StrEnum):
    """Taking and handing over a shift."""

    START = "on"
    ALL = "all"  # no focus: everything the executor does
    END = "off"


class ShiftDo(CallbackData, prefix="es"):
    """Start the shift, clear its focus, or confirm the hand-over."""

    act: ShiftAct
