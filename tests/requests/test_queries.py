"""Request listings and counts: every filter, text search in Russian and Uzbek, views,
visibility, keyset paging under concurrent inserts, board counts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.requests.lifecycle_codec import assignment_json
from services.requests.queries import ALL_STATUSES, RequestQueries
from services.requests.queries_filters import RequestFilters, View, Visibility
from services.requests.queries_sql import list_query
from services.requests.sla_clock import SlaState
from services.requests.workflow import Assignment, AssignmentMode
from tests.requests.test_sla_support import T0, file, migrated, minutes, move, new_uuid

STAFF = Visibility(user_id=new_uuid(), everything=True)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    async with migrated(database_url) as engine:
        yield engine


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(T0 + timedelta(hours=1))


@pytest.fixture
def queries(engine: AsyncEngine, clock: Clock) -> RequestQueries:
    return RequestQueries(engine, clock=clock)


async def listed(
    queries: RequestQueries,
    visibility: Visibility = STAFF,
    *,
    page_size: int = 50,
    **filters: Any,
) -> list[str]:
    """Every matching number, newest first, through all pages."""
    numbers: list[str] = []
    after = None
    while True:
        page = await queries.list(
            RequestFilters(**filters), visibility, limit=page_size, after=after
        )
        numbers += [row["number"] for row in page.rows]
        if page.next_after is None:
            return numbers
        after = page.next_after


def pool(specialisation: str) -> dict[str, Any]:
    """A pool assignment as the lifecycle store writes it."""
    return assignment_json(
        Assignment(
            mode=AssignmentMode.GROUP,
            executor_id=None,
            specialisation=specialisation,
            assigned_by=None,
            assigned_at=T0,
        )
    )


async def file_at(engine: AsyncEngine, minute: int, **changes: Any) -> str:
    row = await file(engine, created_at=T0 + minutes(minute), **changes)
    return str(row["number"])


# --- filters ----------------------------------------------------------------------------------


async def test_every_filter_narrows_the_listing(
    engine: AsyncEngine, queries: RequestQueries
) -> None:
    yard, building, applicant, executor = new_uuid(), new_uuid(), new_uuid(), new_uuid()
    plain = await file_at(engine, 1)
    by_yard = await file_at(engine, 2, yard_id=yard)
    by_building = await file_at(engine, 3, building_id=building)
    by_applicant = await file_at(engine, 4, applicant_id=applicant)
    elevator = await file_at(engine, 5, category="elevator", urgency="critical")
    assigned = await file_at(engine, 6)
    await move(engine, assigned, "in_progress", T0 + minutes(7), executor=executor)

    everything = [assigned, elevator, by_applicant, by_building, by_yard, plain]
    assert await listed(queries) == everything
    assert await listed(queries, statuses=("in_progress",)) == [assigned]
    assert await listed(queries, statuses=("new", "cancelled")) == everything[1:]
    assert await listed(queries, categories=("elevator",)) == [elevator]
    assert await listed(queries, urgencies=("critical", "low")) == [elevator]
    assert await listed(queries, executor_id=executor) == [assigned]
    assert await listed(queries, applicant_id=applicant) == [by_applicant]
    assert await listed(queries, building_id=building) == [by_building]
    assert await listed(queries, yard_id=yard) == [by_yard]
    # The lower bound is inclusive, the upper exclusive.
    assert await listed(queries, created_after=T0 + minutes(2), created_before=T0 + minutes(5)) == [
        by_applicant,
        by_building,
        by_yard,
    ]
    assert await listed(queries, categories=("plumbing",), urgencies=("critical",)) == []


async def test_sla_states_filter_on_the_resolution_clock(
    engine: AsyncEngine, queries: RequestQueries, clock: Clock
) -> None:
    # Critical: resolve in 4 h (warning from 3 h 12 min).
    on_track = await file_at(engine, 0, urgency="critical")
    warning = await file_at(engine, -200, urgency="critical")
    breached = await file_at(engine, -300, urgency="critical")
    met = await file_at(engine, -400, urgency="critical")
    await move(engine, met, "in_progress", T0 - minutes(390))
    await move(engine, met, "completed", T0 - minutes(300))
    late = await file_at(engine, -600, urgency="critical")
    await move(engine, late, "in_progress", T0 - minutes(590))
    await move(engine, late, "completed", T0 - minutes(200))
    paused = await file_at(engine, -250, urgency="critical")  # paused at 230 of 240 minutes
    await move(engine, paused, "in_progress", T0 - minutes(240))
    await move(engine, paused, "purchase", T0 - minutes(20))
    clock.now = T0

    async def states(*names: SlaState) -> set[str]:
        return set(await listed(queries, sla_states=tuple(s.value for s in names)))

    assert await states(SlaState.ON_TRACK) == {on_track}
    assert await states(SlaState.WARNING) == {warning, paused}
    assert await states(SlaState.BREACHED) == {breached, late}
    assert await states(SlaState.MET) == {met}
    assert await states(SlaState.MET, SlaState.ON_TRACK) == {met, on_track}
    counts = await queries.count(RequestFilters(sla_states=("breached",)), STAFF)
    assert counts.total == 2
    assert counts.by_status["new"] == 1 and counts.by_status["completed"] == 1
    # Time passes: the paused clock stays, the running ones move on.
    clock.now = T0 + timedelta(hours=1)
    assert await states(SlaState.WARNING) == {paused}


async def test_listed_rows_carry_their_clocks_and_moved_deadlines(
    engine: AsyncEngine, queries: RequestQueries
) -> None:
    number = await file_at(engine, 0, urgency="high")  # resolve in 24 h
    await move(engine, number, "in_progress", T0 + minutes(5))
    await move(engine, number, "clarification", T0 + minutes(10))
    await move(engine, number, "in_progress", T0 + minutes(70))
    bare = await file_at(engine, 1, clocks=False)
    page = await queries.list(RequestFilters(), STAFF, limit=10, after=None)
    rows = {row["number"]: row for row in page.rows}
    assert rows[number]["resolution_due_at"] == T0 + timedelta(hours=25)
    snapshot = page.clocks[number]
    assert snapshot.resolution.paused_total == minutes(60)
    assert snapshot.response.stopped_at == T0 + minutes(5)
    assert bare not in page.clocks  # filed before clocks existed: listed, without them
    assert rows[bare]["number"] == bare


# --- text -------------------------------------------------------------------------------------


async def test_text_matches_russian_whatever_the_case_and_e_for_yo(
    engine: AsyncEngine, queries: RequestQueries
) -> None:
    leak = await file_at(engine, 1, description="Течёт труба под раковиной на кухне")
    lift = await file_at(engine, 2, description="ЛИФТ не работает во втором подъезде")
    await file_at(engine, 3, description="Нет света на лестничной площадке")
    assert await listed(queries, text="ТРУБА") == [leak]
    assert await listed(queries, text="течет") == [leak]  # ё typed as е
    assert await listed(queries, text="ТЕЧЁТ") == [leak]
    assert await listed(queries, text="лифт") == [lift]
    assert await listed(queries, text="труб") == [leak]  # part of a word
    assert await listed(queries, text="  работает   лифт ") == [lift]  # every word, any order
    assert await listed(queries, text="лифт труба") == []


async def test_text_matches_uzbek_latin_whatever_the_apostrophe(
    engine: AsyncEngine, queries: RequestQueries
) -> None:
    official = await file_at(engine, 1, description="Oʻzbekiston koʻchasida gʻisht devor yiqildi")
    phone = await file_at(engine, 2, description="Yo‘lakda chiroq yo’q, iltimos tezroq")
    keyboard = await file_at(engine, 3, description="Hovlidagi o'yin maydonchasi buzilgan")
    assert await listed(queries, text="o'zbekiston") == [official]
    assert await listed(queries, text="KOʻCHASIDA") == [official]
    assert await listed(queries, text="g`isht") == [official]
    assert await listed(queries, text="yoʻlakda yoʻq") == [phone]
    assert await listed(queries, text="O‘YIN") == [keyboard]
    assert await listed(queries, text="o'") == [keyboard, phone, official]


async def test_text_matches_uzbek_cyrillic_whatever_the_case(
    engine: AsyncEngine, queries: RequestQueries
) -> None:
    number = await file_at(engine, 1, description="Ўзбекистон кўчасида ҳовли чироғи ёнмаяпти")
    assert await listed(queries, text="ЎЗБЕКИСТОН") == [number]
    assert await listed(queries, text="ҲОВЛИ ЧИРОҒИ") == [number]


@pytest.mark.parametrize("text", ["50%", "a_b", "(", "[", "\\", ".*", "a|b", "^", "$", "?"])
async def test_special_characters_in_text_are_taken_literally(
    engine: AsyncEngine, queries: RequestQueries, text: str
) -> None:
    await file_at(engine, 1, description="Protechka 5 0 axb xxxx: nothing special here")
    literal = await file_at(engine, 2, description=f"Belgilar bilan matn: {text} shu yerda")
    assert await listed(queries, text=text) == [literal]


async def test_empty_text_is_no_filter(engine: AsyncEngine, queries: RequestQueries) -> None:
    await file_at(engine, 1)
    assert len(await listed(queries, text="   ")) == 1


# --- paging -----------------------------------------------------------------------------------


async def test_paging_is_stable_under_concurrent_inserts(
    engine: AsyncEngine, queries: RequestQueries
) -> None:
    # Ten requests, some filed at the very same moment (the number breaks the tie).
    older = [await file_at(engine, minute) for minute in (1, 2, 2, 2, 3, 4, 4, 5, 6, 7)]
    expected = await listed(queries)
    assert sorted(expected) == sorted(older)
    seen: list[str] = []
    after = None
    minute = 100
    while True:
        page = await queries.list(RequestFilters(), STAFF, limit=3, after=after)
        seen += [row["number"] for row in page.rows]
        # Others file requests between our page calls, concurrently.
        await asyncio.gather(*(file_at(engine, minute + i) for i in range(3)))
        minute += 3
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == expected  # nothing skipped, nothing twice, same order


async def test_the_last_full_page_says_so(engine: AsyncEngine, queries: RequestQueries) -> None:
    for minute in range(4):
        await file_at(engine, minute)
    first = await queries.list(RequestFilters(), STAFF, limit=2, after=None)
    second = await queries.list(RequestFilters(), STAFF, limit=2, after=first.next_after)
    assert first.next_after is not None
    assert len(second.rows) == 2
    assert second.next_after is None


# --- counts -----------------------------------------------------------------------------------


async def test_counts_cover_every_status_with_zeros(
    engine: AsyncEngine, queries: RequestQueries
) -> None:
    empty = await queries.count(RequestFilters(), STAFF)
    assert list(empty.by_status) == list(ALL_STATUSES)
    assert set(empty.by_status.values()) == {0}
    assert empty.total == 0
    for minute in range(3):
        await file_at(engine, minute)
    working = await file_at(engine, 5, category="elevator")
    await move(engine, working, "in_progress", T0 + minutes(6))
    counts = await queries.count(RequestFilters(), STAFF)
    assert counts.by_status["new"] == 3
    assert counts.by_status["in_progress"] == 1
    assert counts.by_status["accepted"] == 0
    assert counts.total == 4
    elevator = await queries.count(RequestFilters(categories=("elevator",)), STAFF)
    assert (elevator.total, elevator.by_status["in_progress"]) == (1, 1)


# --- visibility and views -----------------------------------------------------------------------


async def test_who_sees_what(engine: AsyncEngine, queries: RequestQueries) -> None:
    resident, neighbour, executor = new_uuid(), new_uuid(), new_uuid()
    flat = new_uuid()
    own = await file_at(engine, 1, applicant_id=resident, apartment_id=flat)
    awaiting = await file_at(engine, 2, applicant_id=neighbour, apartment_id=flat)
    await move(engine, awaiting, "in_progress", T0 + minutes(3), executor=executor)
    await move(engine, awaiting, "confirmed", T0 + minutes(4))
    in_work = await file_at(engine, 5, applicant_id=neighbour, apartment_id=flat)
    await move(engine, in_work, "in_progress", T0 + minutes(6), executor=executor)
    plumbing_pool = await file_at(engine, 7, assignment=pool("plumber"))
    heating_pool = await file_at(engine, 8, category="heating", assignment=pool("heating"))
    unrelated = await file_at(engine, 9)

    everyone = [unrelated, heating_pool, plumbing_pool, in_work, awaiting, own]
    assert await listed(queries, STAFF) == everyone
    as_resident = Visibility(user_id=resident, shared_apartments=(flat,))
    # Their own, and the flat's request waiting for acceptance (not the one in work).
    assert await listed(queries, as_resident) == [awaiting, own]
    as_executor = Visibility(user_id=executor, pool_specialisations=frozenset({"plumber"}))
    assert await listed(queries, as_executor) == [plumbing_pool, in_work, awaiting]
    anywhere = Visibility(user_id=executor, pool_specialisations=frozenset({"universal"}))
    assert await listed(queries, anywhere) == [heating_pool, plumbing_pool, in_work, awaiting]
    assert await listed(queries, Visibility()) == []  # a workload acting for nobody
    counts = await queries.count(RequestFilters(), as_resident)
    assert counts.total == 2 and counts.by_status["confirmed"] == 1


async def test_views_mine_and_pool(engine: AsyncEngine, queries: RequestQueries) -> None:
    me, executor = new_uuid(), new_uuid()
    filed = await file_at(engine, 1, applicant_id=me)
    assigned = await file_at(engine, 2)
    await move(engine, assigned, "in_progress", T0 + minutes(3), executor=me)
    plumbing_pool = await file_at(engine, 4, assignment=pool("plumber"))
    heating_pool = await file_at(engine, 5, category="heating", assignment=pool("heating"))
    taken = await file_at(engine, 6, assignment=pool("plumber"))
    await move(engine, taken, "in_progress", T0 + minutes(7), executor=executor)

    as_me = Visibility(user_id=me)
    assert await listed(queries, as_me, view=View.MINE) == [assigned, filed]
    manager = Visibility(user_id=me, everything=True)
    assert await listed(queries, manager, view=View.MINE) == [assigned, filed]
    assert await listed(queries, manager, view=View.POOL) == [heating_pool, plumbing_pool]
    on_shift = Visibility(user_id=executor, pool_specialisations=frozenset({"plumber"}))
    assert await listed(queries, on_shift, view=View.POOL) == [plumbing_pool]
    assert await listed(queries, on_shift, view=View.MINE) == [taken]
    off_shift = Visibility(user_id=executor)
    assert await listed(queries, off_shift, view=View.POOL) == []
    assert await listed(queries, Visibility(), view=View.MINE) == []
    board = await queries.count(RequestFilters(view=View.POOL), manager)
    assert board.total == 2 and board.by_status["new"] == 2


async def test_listings_are_served_by_indexes(engine: AsyncEngine) -> None:
    """With enough rows for the planner to care, no listing reads the whole requests table
    (text search without pg_trgm excepted: see queries_text)."""
    async with engine.begin() as connection:
        for statement in _SEED.split(";"):
            if statement.strip():
                await connection.execute(sa.text(statement))
        await connection.execute(sa.text("ANALYZE requests.requests"))
        await connection.execute(sa.text("ANALYZE requests.sla_clocks"))
    executor = "40000000-0000-4000-8000-000000000007"
    cases: list[tuple[RequestFilters, Visibility]] = [
        (RequestFilters(), STAFF),
        (RequestFilters(statuses=("in_progress",)), STAFF),
        (RequestFilters(executor_id=executor), STAFF),
        (RequestFilters(yard_id="10000000-0000-4000-8000-000000000003"), STAFF),
        (RequestFilters(building_id="20000000-0000-4000-8000-000000000003"), STAFF),
        (RequestFilters(sla_states=("warning",)), STAFF),
        (RequestFilters(created_after=T0, created_before=T0 + timedelta(days=1)), STAFF),
        (RequestFilters(view=View.POOL), STAFF),
        (
            RequestFilters(),
            Visibility(user_id=executor, pool_specialisations=frozenset({"plumber"})),
        ),
    ]
    async with engine.connect() as connection:
        for filters, visibility in cases:
            query = list_query(filters, visibility, limit=21, after=None, now=T0)
            sql = query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
            plan = "\n".join(
                line for (line,) in await connection.execute(sa.text(f"EXPLAIN {sql}"))
            )
            assert "Seq Scan on requests" not in plan, (filters, plan)


# 30 000 requests over 100 days; old ones closed, recent ones spread over the statuses.
_SEED = """
INSERT INTO requests.requests (number, status, applicant_id, category, specialisation,
  description, urgency, address_level, yard_id, building_id, apartment_id, source,
  acceptance_mode, executor_id, assignment, response_due_at, resolution_due_at,
  created_at, updated_at)
SELECT 'x' || i, status,
  ('00000000-0000-4000-8000-' || lpad((i % 3000)::text, 12, '0'))::uuid,
  'plumbing', 'plumber', 'Течёт труба номер ' || i, 'medium', 'apartment',
  ('10000000-0000-4000-8000-' || lpad((i % 20)::text, 12, '0'))::uuid,
  ('20000000-0000-4000-8000-' || lpad((i % 200)::text, 12, '0'))::uuid,
  ('30000000-0000-4000-8000-' || lpad((i % 6000)::text, 12, '0'))::uuid,
  'bot', 'resident',
  CASE WHEN status <> 'new' THEN
    ('40000000-0000-4000-8000-' || lpad((i % 300)::text, 12, '0'))::uuid END,
  CASE WHEN status = 'new' THEN
    '{"mode": "ASSIGNMENT_MODE_GROUP", "specialization": "SPECIALIZATION_PLUMBER"}'::jsonb END,
  ts + interval '8 hours', ts + interval '3 days', ts, ts
FROM (
  SELECT i, ts, CASE WHEN ts < timestamptz '2025-11-11 09:00+00'
    THEN (ARRAY['accepted', 'accepted', 'accepted', 'cancelled'])[1 + i % 4]
    ELSE (ARRAY['new', 'in_progress', 'purchase', 'completed', 'accepted'])[1 + i % 5]
    END AS status
  FROM generate_series(1, 30000) AS i,
  LATERAL (SELECT timestamptz '2025-11-25 09:00+00' - (30000 - i) * interval '288 seconds'
           AS ts) t
) s;
INSERT INTO requests.sla_clocks (request_number, clock, started_at, target, paused_total,
  stopped_at, due_at, warn_at)
SELECT number, kind, created_at, target, interval '0',
  CASE WHEN status NOT IN ('new', 'in_progress') THEN created_at + interval '1 hour' END,
  created_at + target, created_at + target * 0.8
FROM requests.requests,
  LATERAL (VALUES ('response', interval '8 hours'), ('resolution', interval '3 days'))
    AS k(kind, target);
"""
