"""What a request listing asks for and what the caller may see (plain values, no I/O).

`RequestFilters` mirrors `ListRequestsRequest` in stored keys (`filters_from_proto`);
`Visibility` is the row-level rule of DOMAIN.md "Who may see a request" for one caller
(`visibility_for`). `RequestQueries` turns both into SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from ukm.requests.v1 import requests_service_pb2 as pb

from services.kit.context import Caller
from services.kit.enums import EnumKeys
from services.requests.mapping import CATEGORY, STATUS, URGENCY
from services.requests.sla_proto import SLA_STATE

VIEW = EnumKeys(pb.RequestView.DESCRIPTOR)
UNIVERSAL = "universal"


class View(StrEnum):
    """Which slice of the visible requests (the proto `RequestView`)."""

    ALL = "all"
    # Filed by the caller or assigned to them.
    MINE = "mine"
    # NEW requests addressed to a specialisation pool the caller may claim from.
    POOL = "pool"


@dataclass(frozen=True)
class RequestFilters:
    """Filters of a listing or a count; empty collections and None mean "any"."""

    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    urgencies: tuple[str, ...] = ()
    executor_id: str | None = None
    applicant_id: str | None = None
    building_id: str | None = None
    yard_id: str | None = None
    # States of the resolution clock.
    sla_states: tuple[str, ...] = ()
    # Inclusive lower and exclusive upper bound of the creation time.
    created_after: datetime | None = None
    created_before: datetime | None = None
    # Words that must all occur in the description (see queries_text).
    text: str = ""
    view: View = View.ALL


@dataclass(frozen=True)
class Visibility:
    """Which requests one caller may see.

    Staff see `everything`. Others see what they filed or work on (`user_id`), the requests of
    their flats that wait for the residents' acceptance (`shared_apartments`), and NEW requests
    of the pools their active shift lets them claim (`pool_specialisations`; `universal` in it
    means every pool).
    """

    user_id: str | None = None
    everything: bool = False
    shared_apartments: tuple[str, ...] = ()
    pool_specialisations: frozenset[str] = frozenset()


def visibility_for(
    caller: Caller,
    *,
    apartments: Iterable[str] = (),
    pool_specialisations: Collection[str] = (),
) -> Visibility:
    """The caller's visibility. `apartments` are the flats the caller is bound to (looked up
    for approved residents); `pool_specialisations` what the caller may claim now
    (`claimable_pools`). Both are ignored for callers whose roles do not use them."""
    if caller.is_staff:
        return Visibility(user_id=caller.user_id, everything=True)
    if caller.user_id is None:
        return Visibility()
    shared: tuple[str, ...] = ()
    if caller.status == "approved" and "applicant" in caller.roles:
        shared = tuple(sorted(set(apartments)))
    pools = frozenset(pool_specialisations) if "executor" in caller.roles else frozenset()
    return Visibility(user_id=caller.user_id, shared_apartments=shared, pool_specialisations=pools)


def claimable_pools(own: Collection[str], shift_focus: Collection[str] | None) -> frozenset[str]:
    """The pools an executor may see and claim from: those matching both their own
    specialisations and their active shift's focus (None: not on shift, so none).

    `universal` (or, for a shift, an empty focus) covers everything; the result holds
    `universal` when every pool is claimable.
    """
    if shift_focus is None:
        return frozenset()
    own_any = UNIVERSAL in own
    shift_any = not shift_focus or UNIVERSAL in shift_focus
    if own_any and shift_any:
        return frozenset({UNIVERSAL})
    if own_any:
        return frozenset(shift_focus)
    if shift_any:
        return frozenset(own)
    return frozenset(own) & frozenset(shift_focus)


def filters_from_proto(message: pb.ListRequestsRequest) -> RequestFilters:
    """The filters of a `ListRequests` call (or a `CountRequests` call's `filter`)."""
    return RequestFilters(
        statuses=tuple(STATUS.key(s) for s in message.statuses),
        categories=tuple(CATEGORY.key(c) for c in message.categories),
        urgencies=tuple(URGENCY.key(u) for u in message.urgencies),
        executor_id=message.executor_id or None,
        applicant_id=message.applicant_id or None,
        building_id=message.building_id or None,
        yard_id=message.yard_id or None,
        sla_states=tuple(SLA_STATE.key(s) for s in message.sla_states),
        created_after=message.created_after.ToDatetime(tzinfo=UTC)
        if message.HasField("created_after")
        else None,
        created_before=message.created_before.ToDatetime(tzinfo=UTC)
        if message.HasField("created_before")
        else None,
        text=message.text,
        view=View(VIEW.key(message.view)) if message.view else View.ALL,
    )
