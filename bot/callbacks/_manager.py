"""The manager's buttons: the people panels and invites (prefix letter `p`; flows/people.py,
verification.py, bindings.py, invites.py), and the boards and request actions (prefix letter
`m` plus one more — `MenuItem` owns the bare `m`; flows/boards.py, dispatch.py, review.py)."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.callbacks._common import DocTypeKey, PageNumber, RequestNumber, RoleKey, SpecKey
from bot.logic.boards import Board, Pool, Verb

__all__ = [
    "BoardPage",
    "CardDo",
    "DispatchGo",
    "DispatchStep",
    "OpenCard",
    "Panel",
    "PanelAct",
    "PanelKind",
    "PickDocType",
    "PickExecutor",
    "PickInviteRole",
    "PickPool",
    "PickSpec",
    "PickValidity",
    "ValidityKey",
]


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


class PickDocType(CallbackData, prefix="pt"):
    """Toggle a document kind to ask for."""

    type: DocTypeKey


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


# --- boards and request actions ------------------------------------------------------------------


class BoardPage(CallbackData, prefix="mb"):
    """Page `page` of a board (its page tokens stay in FSM data)."""

    board: Board
    page: PageNumber


class OpenCard(CallbackData, prefix="mo"):
    """A request's manager card (read afresh as the manager)."""

    number: RequestNumber


class CardDo(CallbackData, prefix="mv"):
    """A manager's action on a request, with the version the card showed (a card older than
    the request is refused before anything starts)."""

    verb: Verb
    number: RequestNumber
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
