"""The executor's buttons (prefix letter `e`; flows/shift.py, work_lists.py, work, pool.py,
archive.py)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.callbacks._common import PageNumber, RequestNumber, SpecKey

__all__ = [
    "ExecList",
    "ExecOpen",
    "ExecPage",
    "ShiftAct",
    "ShiftDo",
    "ShiftFocus",
    "WorkDo",
    "WorkVerb",
]


class ExecList(StrEnum):
    """The executor's request lists."""

    WORK = "w"  # my requests in work
    POOL = "p"  # the free pool my shift covers
    ARCHIVE = "a"  # my finished requests


class ExecPage(CallbackData, prefix="el"):
    """Page `page` of an executor's list (its page tokens stay in FSM data)."""

    list: ExecList
    page: PageNumber


class ExecOpen(CallbackData, prefix="eo"):
    """A request's card from an executor's list (read afresh as the person first)."""

    list: ExecList
    number: RequestNumber


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
    number: RequestNumber
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
