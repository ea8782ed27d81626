"""The menu of each role (DOMAIN.md "People and roles"), as data.

A flow adds its entry by handling `MenuItem.filter(F.item == MenuKey.X)`; items without a
handler yet answer "coming soon" (flows/common.py).
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot.callbacks import MenuItem, MenuKey
from bot.i18n import Translator
from bot.person import Person
from bot.ui.keyboards import button, grid, inline

__all__ = ["MENUS", "menu_keyboard", "menu_text"]

K = MenuKey
MENUS: dict[str, tuple[MenuKey, ...]] = {
    "applicant": (K.NEW_REQUEST, K.MY_REQUESTS, K.PROFILE),
    "executor": (K.SHIFT_START, K.SHIFT_END, K.MY_WORK, K.POOL, K.ARCHIVE, K.PROFILE),
    "manager": (
        K.BOARD_NEW,
        K.BOARD_ACTIVE,
        K.BOARD_CHECK,
        K.BOARD_RETURNED,
        K.BOARD_WAITING,
        K.PENDING_USERS,
        K.BINDINGS,
        K.VERIFICATION,
        K.INVITE,
        K.PROFILE,
    ),
    "inspector": (K.INSPECT, K.MY_REQUESTS, K.PROFILE),
}
# Admins manage roles and configuration on top of everything a manager does.
MENUS["admin"] = MENUS["manager"]
# Everyone: language and help; role switching for people with more than one role.
_COMMON = (K.LANGUAGE, K.HELP)


def menu_keyboard(person: Person, t: Translator) -> InlineKeyboardMarkup:
    """The buttons of the person's active role."""
    items = list(MENUS.get(person.role, MENUS["applicant"]))
    if len(person.roles) > 1:
        items.append(K.SWITCH_ROLE)
    items.extend(_COMMON)
    buttons = [button(t(f"menu.item.{item.value}"), MenuItem(item=item).pack()) for item in items]
    return inline(grid(buttons, 2))


def menu_text(person: Person, t: Translator) -> str:
    """The menu's heading: which role it is."""
    return t("menu.title", role=t(f"role.{person.role}"))
