"""What executors read: their shift, lines of their request lists, and the request card with
what matters for the work (address, materials, report, return reason, rating).

Values people typed are escaped here (`html.escape` or `t(...)`); texts composed from
catalogue results go through `t.raw`, which does not escape them a second time.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from ukm.common.v1 import specialization_pb2
from ukm.requests.v1 import request_pb2
from ukm.shifts.v1 import shift_pb2

from bot.i18n import Translator
from bot.logic.moments import display_number, local_time
from bot.mesh.requests import CATEGORY, STATUS
from bot.ui.cards import card_text
from services.kit.enums import EnumKeys

__all__ = [
    "SPECIALIZATION",
    "list_line",
    "place_of",
    "shift_text",
    "spec_keys",
    "spec_names",
    "work_card_text",
]

SPECIALIZATION = EnumKeys(specialization_pb2.Specialization.DESCRIPTOR)
_SHORT = 60


def spec_keys(numbers: Iterable[int]) -> list[str]:
    """Specialisation keys (`plumber`…) of enum numbers this build knows, in their order."""
    return [SPECIALIZATION.key(n) for n in numbers if n in SPECIALIZATION.by_number]


def spec_names(keys: Iterable[str], t: Translator) -> str:
    """`🚰 Сантехник, 💡 Электрик` (plain catalogue words: safe markup)."""
    return ", ".join(t(f"shift.spec.{key}") for key in keys)


def shift_text(shift: shift_pb2.Shift, own: Iterable[str], t: Translator, key: str) -> str:
    """`key` (`shift.on`…) about `shift`: since when, and what it covers (its focus, or
    everything the executor does)."""
    focus = spec_keys(shift.specializations)
    own = list(own)
    if focus:
        covers = spec_names(focus, t)
    elif own:
        covers = t.raw("shift.covers.all", own=spec_names(own, t))
    else:
        # No skills of their own: a universal shift covers nothing (DOMAIN.md "ANY" matching).
        covers = t("shift.covers.nothing")
    return t.raw(
        key,
        since=local_time(shift.start_time.seconds),
        until=local_time(shift.end_time.seconds),
        covers=covers,
    )


def place_of(request: request_pb2.Request) -> str:
    """The id of the most precise place of the request (what `Directory.labels` is asked)."""
    address = request.address
    return address.apartment_id or address.building_id or address.yard_id


def _label(request: request_pb2.Request, labels: dict[str, str]) -> str:
    return html.escape(labels.get(place_of(request), ""), quote=False) or "—"


def list_line(
    index: int, request: request_pb2.Request, labels: dict[str, str], t: Translator
) -> str:
    """One request of a list: number, category, status, address and the start of the
    description."""
    category = CATEGORY.by_number.get(request.category, "other")
    status = STATUS.by_number.get(request.status, "new")
    description = request.description
    if len(description) > _SHORT:
        description = description[: _SHORT - 1].rstrip() + "…"
    return t.raw(
        "work.list.line",
        index=index,
        number=display_number(request.request_number),
        category=t(f"category.{category}"),
        status=t(f"status.{status}"),
        address=_label(request, labels),
        description=html.escape(description, quote=False),
    )


def work_card_text(request: request_pb2.Request, labels: dict[str, str], t: Translator) -> str:
    """The shared card, then the address and what the work has produced so far."""
    parts = [card_text(request, t), t.raw("work.card.address", address=_label(request, labels))]
    if request.materials.items:
        lines = "\n".join(
            t("work.materials.item", name=m.name, quantity=m.quantity, unit=m.unit)
            for m in request.materials.items
        )
        parts.append(t.raw("work.card.materials", items=lines))
    if request.completion.report:
        parts.append(
            t(
                "work.card.report",
                report=request.completion.report,
                media=len(request.completion.media),
            )
        )
    if request.return_info.reason:
        parts.append(t("work.card.returned", reason=request.return_info.reason))
    if request.rating.stars:
        stars = "⭐" * request.rating.stars
        if request.rating.review:
            parts.append(t("work.card.rating_review", stars=stars, review=request.rating.review))
        else:
            parts.append(t("work.card.rating", stars=stars))
    return "\n".join(parts)
