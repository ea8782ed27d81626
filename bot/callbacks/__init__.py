"""Every button's callback data: aiogram `CallbackData` factories with short prefixes.

Values are typed (enums, UUIDs packed as 32 hex digits, bounded integers), so a button that
does not parse — forged, or from an older bot — matches no handler and gets the polite
"this button is out of date" (flows/common.py). Telegram allows 64 bytes; `pack` refuses more.

Parsing is not permission: a button only names what the person wants; before acting on a
request the bot reads it as the person (GetRequest), and the services check again.

The factories live by whose buttons they are — shared ones (`_common`), the resident's, the
manager's, the executor's — and are all imported from here. Notification buttons
(`act:<action>:<number>`) use the kit's codec, `services.kit.callbacks`, shared with the
notifications service; see flows/actions.py.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from bot.callbacks._common import (
    DocTypeKey,
    Fork,
    ForkChoice,
    LangPick,
    Language,
    ListKind,
    MenuItem,
    MenuKey,
    Nav,
    NavTo,
    PageTo,
    PickBuilding,
    PickFlat,
    PickYard,
    RoleKey,
    RolePick,
    SpecKey,
    StepAction,
    StepDo,
)
from bot.callbacks._executor import (
    ExecList,
    ExecOpen,
    ExecPage,
    ShiftAct,
    ShiftDo,
    ShiftFocus,
    WorkDo,
    WorkVerb,
)
from bot.callbacks._manager import (
    BoardPage,
    CardDo,
    DispatchGo,
    DispatchStep,
    OpenCard,
    Panel,
    PanelAct,
    PanelKind,
    PickDocType,
    PickExecutor,
    PickInviteRole,
    PickPool,
    PickSpec,
    PickValidity,
    ValidityKey,
)
from bot.callbacks._resident import (
    CategoryKey,
    MineAct,
    MineCard,
    MineDo,
    MineList,
    MineView,
    PickAddress,
    PickCategory,
    PickUrgency,
    ProfileKey,
    ProfileOpen,
    QuietPick,
    Stars,
    UploadDocType,
    UploadNext,
    UploadThen,
    UrgencyKey,
)

__all__ = [
    "BoardPage",
    "CallbackData",
    "CardDo",
    "CategoryKey",
    "DispatchGo",
    "DispatchStep",
    "DocTypeKey",
    "ExecList",
    "ExecOpen",
    "ExecPage",
    "Fork",
    "ForkChoice",
    "LangPick",
    "Language",
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
    "RoleKey",
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
    "UrgencyKey",
    "ValidityKey",
    "WorkDo",
    "WorkVerb",
]
