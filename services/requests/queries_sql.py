"""The SQL of request listings and counts: filters, views and visibility as conditions.

Built with an eye on the planner (100 000 requests, a page in a few milliseconds):

- the listing order (created_at, number) is an index, so a page is read from the top of an index
  and stops after `limit` rows whenever matches are common;
- a caller who may not see everything sees a small set (their own requests, a few flats, their
  pools): it is collected by index lookups first (`number IN (… UNION ALL …)`), then sorted,
  instead of filtering the whole listing index for the few rows that pass;
- SLA states are plain comparisons on the clock columns (`sla_store.state_condition`), with
  "now" written into the statement: the planner then knows how many clocks qualify (as a bind
  parameter, a reused generic plan would have to guess).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from ukm.common.v1 import specialization_pb2

from services.kit.enums import EnumKeys
from services.requests import models
from services.requests.queries_filters import UNIVERSAL, RequestFilters, View, Visibility
from services.requests.queries_text import matches_all
from services.requests.sla_clock import ClockKind
from services.requests.sla_models import sla_clocks
from services.requests.sla_store import state_condition

Key = tuple[datetime, str]

_R = models.requests
RESPONSE = sla_clocks.alias("response_clock")
RESOLUTION = sla_clocks.alias("resolution_clock")
# The resolution clock as a filter, inside the page's subquery.
_FILTER_CLOCK = sla_clocks.alias("sla_filter")
# Clock columns a listing returns, prefixed by the alias name (`resolution_clock_paused_at`).
CLOCK_FIELDS = (
    "started_at",
    "target",
    "paused_total",
    "paused_at",
    "stopped_at",
    "warned_at",
    "breached_at",
)

# Assignments are stored in the proto JSON form (`mapping._JSON_FIELDS`), enums by name.
_SPECIALIZATION = EnumKeys(specialization_pb2.Specialization.DESCRIPTOR)


def _join_clock(
    source: sa.FromClause, number: sa.ColumnElement[str], alias: sa.FromClause, kind: ClockKind
) -> sa.Join:
    on = (alias.c.request_number == number) & (alias.c.clock == kind.value)
    return sa.outerjoin(source, alias, on)


def _with_clocks(source: sa.FromClause, number: sa.ColumnElement[str]) -> sa.Join:
    """`source` with both clocks of the request `number` names (outer joins: may be none)."""
    return _join_clock(
        _join_clock(source, number, RESPONSE, ClockKind.RESPONSE),
        number,
        RESOLUTION,
        ClockKind.RESOLUTION,
    )


def _clock_columns() -> list[sa.Label[Any]]:
    """The raw clock columns, prefixed by the alias name (`resolution_clock_paused_at`)."""
    return [
        alias.c[field].label(f"{alias.name}_{field}")
        for alias in (RESPONSE, RESOLUTION)
        for field in CLOCK_FIELDS
    ]


# One request with its clocks, in one round trip (answers about single requests). Built once:
# building a statement costs more Python time than running it.
ONE_WITH_CLOCKS = (
    sa.select(_R, *_clock_columns())
    .select_from(_with_clocks(_R, _R.c.number))
    .where(_R.c.number == sa.bindparam("number"))
)


def _filtered(filters: RequestFilters) -> sa.FromClause:
    """What the conditions read: the requests, with their resolution clock if filtered by it."""
    if filters.sla_states:
        return _join_clock(_R, _R.c.number, _FILTER_CLOCK, ClockKind.RESOLUTION)
    return _R


def list_query(
    filters: RequestFilters,
    visibility: Visibility,
    *,
    limit: int,
    after: Key | None,
    now: datetime,
) -> sa.Select[Any]:
    """A listing page: the request columns (deadlines as the clocks moved them) and the raw
    clock columns, newest first, after the key `after`.

    The page is chosen first and the clocks joined to its rows only, so a large visible set
    is sorted without dragging clock rows along.
    """
    chosen = (
        sa.select(_R)
        .select_from(_filtered(filters))
        .where(*conditions(filters, visibility, now))
        .order_by(_R.c.created_at.desc(), _R.c.number.desc())
        .limit(limit)
    )
    if after is not None:
        chosen = chosen.where(sa.tuple_(_R.c.created_at, _R.c.number) < sa.tuple_(*after))
    page = chosen.subquery("page")
    replaced = ("response_due_at", "resolution_due_at")
    return (
        sa.select(
            *(c for c in page.c if c.name not in replaced),
            sa.func.coalesce(RESPONSE.c.due_at, page.c.response_due_at).label("response_due_at"),
            sa.func.coalesce(RESOLUTION.c.due_at, page.c.resolution_due_at).label(
                "resolution_due_at"
            ),
            *_clock_columns(),
        )
        .select_from(_with_clocks(page, page.c.number))
        .order_by(page.c.created_at.desc(), page.c.number.desc())
    )


def count_query(filters: RequestFilters, visibility: Visibility, now: datetime) -> sa.Select[Any]:
    """(status, count) of the matching requests."""
    return (
        sa.select(_R.c.status, sa.func.count())
        .select_from(_filtered(filters))
        .where(*conditions(filters, visibility, now))
        .group_by(_R.c.status)
    )


def conditions(
    filters: RequestFilters, visibility: Visibility, now: datetime
) -> list[sa.ColumnElement[bool]]:
    """The WHERE clause of a listing or count, as a list of conjuncts."""
    r = _R.c
    where: list[sa.ColumnElement[bool]] = []
    if not visibility.everything:
        where.append(_visible(visibility))
    if filters.view is View.MINE:
        where.append(_mine(_R, visibility.user_id))
    elif filters.view is View.POOL:
        where.append(_pool(_R, None if visibility.everything else visibility.pool_specialisations))
    for column, values in (
        (r.status, filters.statuses),
        (r.category, filters.categories),
        (r.urgency, filters.urgencies),
    ):
        if values:
            where.append(column.in_(values))
    for column, value in (
        (r.executor_id, filters.executor_id),
        (r.applicant_id, filters.applicant_id),
        (r.building_id, filters.building_id),
        (r.yard_id, filters.yard_id),
    ):
        if value is not None:
            where.append(column == value)
    if filters.sla_states:
        # Written into the statement (see the module docstring); it is our clock, not input.
        literal_now = sa.bindparam(
            "sla_now", now, type_=sa.DateTime(timezone=True), literal_execute=True
        )
        where.append(state_condition(_FILTER_CLOCK, filters.sla_states, literal_now))
    if filters.created_after is not None:
        where.append(r.created_at >= filters.created_after)
    if filters.created_before is not None:
        where.append(r.created_at < filters.created_before)
    text = matches_all(r.description, filters.text)
    if text is not None:
        where.append(text)
    return where


def _visible(visibility: Visibility) -> sa.ColumnElement[bool]:
    """DOMAIN.md "Who may see a request", for a caller who may not see everything: the numbers
    of their own requests, their flats' requests awaiting acceptance and their pools."""
    inner = models.requests.alias("visible")
    v = inner.c
    parts: list[sa.Select[Any]] = []
    if visibility.user_id is not None:
        parts += [
            sa.select(v.number).where(v.applicant_id == visibility.user_id),
            sa.select(v.number).where(v.executor_id == visibility.user_id),
        ]
    if visibility.shared_apartments:
        parts.append(
            sa.select(v.number).where(
                v.status == "confirmed", v.apartment_id.in_(visibility.shared_apartments)
            )
        )
    if visibility.pool_specialisations:
        parts.append(sa.select(v.number).where(_pool(inner, visibility.pool_specialisations)))
    if not parts:
        return sa.false()
    return _R.c.number.in_(sa.union_all(*parts))


def _mine(table: sa.FromClause, user_id: str | None) -> sa.ColumnElement[bool]:
    """Filed by or assigned to the person."""
    if user_id is None:
        return sa.false()
    return (table.c.applicant_id == user_id) | (table.c.executor_id == user_id)


def _pool(table: sa.FromClause, specialisations: frozenset[str] | None) -> sa.ColumnElement[bool]:
    """NEW requests addressed to one of these pools (None or `universal`: any pool).

    A NEW request's assignment can only be a group one (assigning someone makes it
    IN_PROGRESS), and only group assignments name a specialization; the expression is the one
    the `requests_pool` index of migration 0002_sla is built on.
    """
    pool: sa.ColumnElement[str] = table.c.assignment["specialization"].astext
    condition = table.c.status == "new"
    if specialisations is None or UNIVERSAL in specialisations:
        return condition & pool.is_not(None)
    if not specialisations:
        return sa.false()
    names = sorted(
        specialization_pb2.Specialization.Name(_SPECIALIZATION.number(s)) for s in specialisations
    )
    return condition & pool.in_(names)
