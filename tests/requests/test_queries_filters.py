"""Listing inputs (pure): the proto → filters mapping, the caller's visibility, claimable pools,
text patterns."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from services.kit.context import Caller
from services.requests.queries_filters import (
    RequestFilters,
    View,
    Visibility,
    claimable_pools,
    filters_from_proto,
    visibility_for,
)
from services.requests.queries_text import MAX_WORDS, search_words, word_pattern

USER = "9c4f5da1-6ec0-4f88-b154-3d4e5f607182"
FLAT = "8b3e4c90-5dbf-4e77-a043-2c3d4e5f6071"


def stamp(moment: datetime) -> Timestamp:
    result = Timestamp()
    result.FromDatetime(moment)
    return result


def test_every_list_field_becomes_a_filter() -> None:
    after, before = datetime(2025, 11, 1, tzinfo=UTC), datetime(2025, 12, 1, tzinfo=UTC)
    message = pb.ListRequestsRequest(
        page_size=5,
        page_token="ignored-here",
        statuses=[request_pb2.REQUEST_STATUS_NEW, request_pb2.REQUEST_STATUS_IN_PROGRESS],
        categories=[request_pb2.CATEGORY_ELEVATOR],
        urgencies=[request_pb2.URGENCY_CRITICAL],
        applicant_id="a" * 8,
        building_id="b" * 8,
        created_after=stamp(after),
        created_before=stamp(before),
        executor_id="e" * 8,
        yard_id="y" * 8,
        sla_states=[request_pb2.SLA_STATE_WARNING, request_pb2.SLA_STATE_BREACHED],
        text="Течёт труба",
        view=pb.REQUEST_VIEW_POOL,
    )
    assert filters_from_proto(message) == RequestFilters(
        statuses=("new", "in_progress"),
        categories=("elevator",),
        urgencies=("critical",),
        executor_id="e" * 8,
        applicant_id="a" * 8,
        building_id="b" * 8,
        yard_id="y" * 8,
        sla_states=("warning", "breached"),
        created_after=after,
        created_before=before,
        text="Течёт труба",
        view=View.POOL,
    )


def test_an_empty_request_filters_nothing() -> None:
    assert filters_from_proto(pb.ListRequestsRequest()) == RequestFilters()
    mine = filters_from_proto(pb.ListRequestsRequest(view=pb.REQUEST_VIEW_MINE))
    assert mine.view is View.MINE


def test_staff_see_everything() -> None:
    for role in ("manager", "admin"):
        caller = Caller(user_id=USER, roles=frozenset({role}), status="approved")
        assert visibility_for(caller, apartments=[FLAT]).everything


def test_approved_residents_see_their_flats_awaiting_acceptance() -> None:
    resident = Caller(user_id=USER, roles=frozenset({"applicant"}), status="approved")
    assert visibility_for(resident, apartments=[FLAT, FLAT]) == Visibility(
        user_id=USER, shared_apartments=(FLAT,)
    )
    pending = Caller(user_id=USER, roles=frozenset({"applicant"}), status="pending")
    assert visibility_for(pending, apartments=[FLAT]) == Visibility(user_id=USER)


def test_only_executors_see_pools() -> None:
    executor = Caller(user_id=USER, roles=frozenset({"executor"}), status="approved")
    assert visibility_for(executor, pool_specialisations={"plumber"}).pool_specialisations == {
        "plumber"
    }
    inspector = Caller(user_id=USER, roles=frozenset({"inspector"}), status="approved")
    assert visibility_for(inspector, pool_specialisations={"plumber"}).pool_specialisations == (
        frozenset()
    )


def test_a_workload_without_a_person_sees_nothing() -> None:
    assert visibility_for(Caller(workload="spiffe://ukm.local/svc/bot")) == Visibility()


def test_claimable_pools_need_both_skill_and_shift() -> None:
    assert claimable_pools({"plumber", "heating"}, None) == frozenset()
    assert claimable_pools({"plumber", "heating"}, set()) == {"plumber", "heating"}
    assert claimable_pools({"plumber", "heating"}, {"plumber", "elevator"}) == {"plumber"}
    assert claimable_pools({"universal"}, {"elevator"}) == {"elevator"}
    assert claimable_pools({"plumber"}, {"universal"}) == {"plumber"}
    assert claimable_pools({"universal"}, set()) == {"universal"}


def test_search_words_are_distinct_and_capped() -> None:
    assert search_words("  труба  ТРУБА труба ") == ("труба", "ТРУБА")
    assert len(search_words(" ".join(f"w{i}" for i in range(50)))) == MAX_WORDS
    assert search_words("   ") == ()


def test_word_patterns_are_literal_except_apostrophes_and_yo() -> None:
    def matches(word: str, text: str) -> bool:
        # Python's `re` reads these patterns as PostgreSQL does (classes and \-escapes).
        return re.search(word_pattern(word), text, re.IGNORECASE) is not None

    assert matches("o'zbek", "Oʻzbekiston")
    assert matches("g‘isht", "g`isht")
    assert matches("течет", "ТЕЧЁТ")
    assert matches("a.b", "a.b") and not matches("a.b", "axb")
    assert matches("(1)", "кв. (1)") and not matches("[1]", "1")
    assert word_pattern("труба") == "труба"
