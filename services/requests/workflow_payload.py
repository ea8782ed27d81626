"""What each action takes as input, and the checks on it (pure).

`normalise` refuses fields an action does not take (so a client never believes it recorded
something that was dropped), strips text, turns empty values into "not given", and checks
lengths and ranges. Bad values answer InvalidArgument naming the field; a missing reason or
rating answers FailedPrecondition REASON_REQUIRED / RATING_REQUIRED, which clients turn into a
prompt ("say why", "rate from 1 to 5").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from decimal import Decimal, InvalidOperation

from services.kit.errors import FailedPrecondition, FieldViolation, InvalidArgument
from services.requests.domain import MEDIA_MAX
from services.requests.workflow_state import (
    SPECIALISATIONS,
    UNIVERSAL,
    Action,
    MaterialItem,
    Media,
    Payload,
)

TEXT_MAX = 2000
FORCE_ACCEPT_COMMENT_MIN = 10
MATERIALS_MAX = 50
MATERIAL_NAME_MAX = 200
MATERIAL_UNIT_MAX = 20
MATERIAL_QUANTITY_MAX = 20
RATING_MIN, RATING_MAX = 1, 5

_TEXT_FIELDS = ("question", "answer", "reason", "comment", "notes", "report", "review")
# An individual assignment: who, and their skills (to check or record the match).
_EXECUTOR = frozenset({"executor_id", "executor_specialisations"})

# The fields each action takes. PURCHASE_DONE, CLARIFY_RESOLVED and RETURN_TO_WORK may name an
# executor: they lead to IN_PROGRESS, which needs one, and a request that went to purchase or
# clarification straight from NEW has none yet (DOMAIN.md is silent; without this it would be
# stuck, since MANAGER_ASSIGN only starts from NEW or IN_PROGRESS).
ACCEPTS: Mapping[Action, frozenset[str]] = {
    Action.DISPATCH_ASSIGN: _EXECUTOR,
    Action.ASSIGN_GROUP: frozenset({"specialisation"}),
    Action.MANAGER_ASSIGN: _EXECUTOR | {"reason"},
    Action.EXECUTOR_CLAIM: frozenset(),
    Action.EXECUTOR_PURCHASE: frozenset({"materials", "comment"}),
    Action.MANAGER_PURCHASE: frozenset({"materials", "comment"}),
    Action.PURCHASE_DONE: _EXECUTOR | {"comment"},
    Action.CLARIFY: frozenset({"question"}),
    Action.CLARIFY_ANSWER: frozenset({"answer", "media"}),
    Action.CLARIFY_RESOLVED: _EXECUTOR,
    Action.EXECUTOR_RESUME: frozenset(),
    Action.EXECUTOR_COMPLETE: frozenset({"report", "media"}),
    Action.MANAGER_COMPLETE: frozenset({"report", "media"}),
    Action.MANAGER_CONFIRM: frozenset({"notes"}),
    Action.RETURN_TO_WORK: _EXECUTOR | {"reason"},
    Action.APPLICANT_ACCEPT: frozenset({"rating", "review"}),
    Action.APPLICANT_RETURN: frozenset({"reason", "media"}),
    Action.MANAGER_FORCE_ACCEPT: frozenset({"comment"}),
    Action.CANCEL: frozenset({"reason"}),
    # The pool is optional: the caller names the pool the request was taken from, which the
    # snapshot no longer shows once someone is assigned; without it, the category's.
    Action.RELEASE_TO_POOL: frozenset({"reason", "specialisation"}),
}

# Required fields whose absence is a bad request (reason and rating have their own reasons).
_REQUIRED: Mapping[Action, tuple[tuple[str, str], ...]] = {
    Action.DISPATCH_ASSIGN: (("executor_id", "name the executor to assign"),),
    Action.MANAGER_ASSIGN: (("executor_id", "name the executor to assign"),),
    Action.ASSIGN_GROUP: (("specialisation", "name the pool (a specialisation)"),),
    Action.EXECUTOR_PURCHASE: (("materials", "list the materials you need"),),
    Action.CLARIFY: (("question", "write the question for the applicant"),),
    Action.CLARIFY_ANSWER: (("answer", "write your answer"),),
    Action.EXECUTOR_COMPLETE: (("report", "describe the work done"),),
    Action.MANAGER_COMPLETE: (("report", "describe the work done"),),
    Action.MANAGER_FORCE_ACCEPT: (
        (
            "comment",
            f"say in at least {FORCE_ACCEPT_COMMENT_MIN} characters why you accept for the "
            "resident",
        ),
    ),
}
_REASON_REQUIRED = frozenset(
    {Action.RETURN_TO_WORK, Action.APPLICANT_RETURN, Action.CANCEL, Action.RELEASE_TO_POOL}
)


def normalise(action: Action, payload: Payload) -> Payload:
    """The payload with text stripped and defaults applied, or the refusal."""
    _refuse_foreign(action, payload)
    texts = {name: _text(name, getattr(payload, name)) for name in _TEXT_FIELDS}
    clean = replace(
        payload,
        executor_id=(payload.executor_id or "").strip() or None,
        executor_specialisations=_skills(payload.executor_specialisations),
        specialisation=_pool(payload.specialisation),
        materials=_materials(payload.materials),
        media=_media(payload.media),
        rating=payload.rating or None,  # 0 is proto3's "not given"
        **texts,
    )
    _require(action, clean)
    if clean.rating is not None:
        _check_rating(clean.rating)
    return clean


def _given(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (tuple, frozenset, list, set)):
        return bool(value)
    return value is not None and value != 0


def _refuse_foreign(action: Action, payload: Payload) -> None:
    accepted = ACCEPTS[action]
    foreign = [
        f.name
        for f in fields(payload)
        if f.name not in accepted and _given(getattr(payload, f.name))
    ]
    if foreign:
        name = action.name
        raise InvalidArgument(
            f"{name} does not take {', '.join(foreign)}",
            [FieldViolation(f, f"does not apply to {name}; leave it empty") for f in foreign],
        )


def _text(name: str, value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > TEXT_MAX:
        raise InvalidArgument.field(name, f"at most {TEXT_MAX} characters (has {len(text)})")
    return text or None


def _skills(values: frozenset[str]) -> frozenset[str]:
    unknown = sorted(values - {*SPECIALISATIONS, UNIVERSAL})
    if unknown:
        raise InvalidArgument.field(
            "executor_specialisations",
            f"unknown {', '.join(unknown)}; use {', '.join((*SPECIALISATIONS, UNIVERSAL))}",
        )
    return values


def _pool(value: str | None) -> str | None:
    pool = (value or "").strip() or None
    if pool is not None and pool not in SPECIALISATIONS:
        hint = "a pool is one specialisation, not universal" if pool == UNIVERSAL else "unknown"
        raise InvalidArgument.field(
            "specialisation", f"{hint}; use one of {', '.join(SPECIALISATIONS)}"
        )
    return pool


def _materials(items: tuple[MaterialItem, ...]) -> tuple[MaterialItem, ...]:
    if len(items) > MATERIALS_MAX:
        raise InvalidArgument.field("materials", f"at most {MATERIALS_MAX} lines")
    return tuple(_material(i, item) for i, item in enumerate(items))


def _material(index: int, item: MaterialItem) -> MaterialItem:
    where = f"materials[{index}]"
    name = item.name.strip()
    if not 1 <= len(name) <= MATERIAL_NAME_MAX:
        raise InvalidArgument.field(f"{where}.name", f"1 to {MATERIAL_NAME_MAX} characters")
    quantity = item.quantity.strip()
    try:
        amount = Decimal(quantity)
    except InvalidOperation:
        amount = Decimal(0)
    if len(quantity) > MATERIAL_QUANTITY_MAX or not amount.is_finite() or amount <= 0:
        raise InvalidArgument.field(
            f"{where}.quantity", 'a positive decimal number written as text, e.g. "2" or "0.5"'
        )
    unit = item.unit.strip() or "pcs"
    if len(unit) > MATERIAL_UNIT_MAX:
        raise InvalidArgument.field(f"{where}.unit", f"at most {MATERIAL_UNIT_MAX} characters")
    return MaterialItem(name, quantity, unit)


def _media(media: Media) -> Media:
    if len(media) > MEDIA_MAX:
        raise InvalidArgument.field("media", f"at most {MEDIA_MAX} photos or videos")
    return tuple(media)


def _require(action: Action, payload: Payload) -> None:
    for name, what in _REQUIRED.get(action, ()):
        if not _given(getattr(payload, name)):
            raise InvalidArgument.field(name, f"is required: {what}")
    if action is Action.MANAGER_FORCE_ACCEPT:
        comment = payload.comment or ""
        if len(comment) < FORCE_ACCEPT_COMMENT_MIN:
            raise InvalidArgument.field(
                "comment",
                f"at least {FORCE_ACCEPT_COMMENT_MIN} characters (has {len(comment)}): say "
                "why you accept for the resident",
            )
    if action in _REASON_REQUIRED and payload.reason is None:
        raise FailedPrecondition(
            "REASON_REQUIRED", f"say why: {action.name} needs a reason, which others are told"
        )
    if action is Action.APPLICANT_ACCEPT and payload.rating is None:
        raise FailedPrecondition("RATING_REQUIRED", "rate the work from 1 to 5 stars to accept it")


def _check_rating(rating: int) -> None:
    if isinstance(rating, bool) or not RATING_MIN <= rating <= RATING_MAX:
        raise InvalidArgument.field("rating", f"from {RATING_MIN} to {RATING_MAX} stars")
