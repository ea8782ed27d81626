"""Keyboard building blocks shared by every flow."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.callbacks import ListKind, Nav, NavTo, PageTo
from bot.i18n import Translator

__all__ = [
    "button",
    "contact_keyboard",
    "grid",
    "inline",
    "nav_row",
    "pager_row",
    "retry_keyboard",
]


def button(text: str, data: str) -> InlineKeyboardButton:
    """An inline button with callback data (already packed)."""
    return InlineKeyboardButton(text=text, callback_data=data)


def inline(rows: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows (empty rows dropped)."""
    return InlineKeyboardMarkup(inline_keyboard=[list(row) for row in rows if row])


def grid(
    buttons: Sequence[InlineKeyboardButton], columns: int = 2
) -> list[list[InlineKeyboardButton]]:
    """Buttons in rows of `columns`."""
    return [list(buttons[i : i + columns]) for i in range(0, len(buttons), columns)]


def nav_row(t: Translator, *, back: bool = True, cancel: bool = True) -> list[InlineKeyboardButton]:
    """Back and cancel: on every step."""
    row = []
    if back:
        row.append(button(t("button.back"), Nav(to=NavTo.BACK).pack()))
    if cancel:
        row.append(button(t("button.cancel"), Nav(to=NavTo.CANCEL).pack()))
    return row


def pager_row(
    t: Translator, kind: ListKind, page: int, *, has_next: bool
) -> list[InlineKeyboardButton]:
    """Previous / next page of a picker."""
    row = []
    if page > 0:
        row.append(button(t("button.previous"), PageTo(list=kind, page=page - 1).pack()))
    if has_next:
        row.append(button(t("button.next"), PageTo(list=kind, page=page + 1).pack()))
    return row


def retry_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """After a busy moment: try again, or give up."""
    return inline(
        [
            [button(t("button.retry"), Nav(to=NavTo.RETRY).pack())],
            [button(t("button.cancel"), Nav(to=NavTo.CANCEL).pack())],
        ]
    )


def contact_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    """The "share my number" button (a reply keyboard: Telegram's only way to ask for it)."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t("button.share_phone"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=t("onboarding.phone.placeholder"),
    )
