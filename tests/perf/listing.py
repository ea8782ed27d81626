"""`ListRequests` with filters on a large data set: latency per filter combination.

Once the generated year of requests is in the database (tests/perf/dataset.py, bulk.py), and
before the load runs add their own, the manager lists requests through Envoy's edge, one call
at a time (a person paging a board, not a load test), with each combination a dispatcher
uses: status + category, an executor's requests,
a yard, SLA state (WARNING: the few open requests close to their deadline; BREACHED: many),
words in the description (a common one and a rare one), and the unfiltered newest-first board.
Every call asks for one page of 20 (the default). Each combination is warmed up, then timed
call by call; the figures are p50/p95/max per combination. `CountRequests` with the same
filter (not timed) says how many requests matched, printed next to the times: a fast answer
to a filter that matched nothing says little (the small data set of `--quick` may leave the
rarest combinations empty).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import requests_service_pb2_grpc as rpc

from tests.perf import dataset_texts as texts
from tests.perf.cpu import OTHER, CpuSnapshot
from tests.perf.dataset import Directory
from tests.perf.load import BenchError, Metadata, percentile

PAGE_SIZE = 20


@dataclass(frozen=True)
class ListingCase:
    """One filter combination."""

    name: str
    label: str
    filters: pb.ListRequestsRequest  # without paging

    @property
    def message(self) -> pb.ListRequestsRequest:
        """The call: the filters and a first page of PAGE_SIZE."""
        message = pb.ListRequestsRequest(page_size=PAGE_SIZE)
        message.MergeFrom(self.filters)
        return message


@dataclass(frozen=True)
class ListingResult:
    """The timed calls of one combination."""

    name: str
    label: str
    calls: int
    matching: int  # requests matching the filter (CountRequests)
    page_rows: int  # rows in the answer (at most PAGE_SIZE)
    p50_ms: float
    p95_ms: float
    max_ms: float
    # Cores kept busy by processes outside the benchmark meanwhile (a shared machine).
    other_cores: float


def cases(directory: Directory) -> list[ListingCase]:
    """The combinations, with the executor and yard taken from the generated company."""
    listing = pb.ListRequestsRequest
    status, category, urgency, sla = (
        request_pb2.RequestStatus,
        request_pb2.Category,
        request_pb2.Urgency,
        request_pb2.SlaState,
    )
    yard = directory.yards[0]
    return [
        ListingCase("newest", "newest first, no filter", listing()),
        ListingCase(
            "status_category",
            "NEW+IN_PROGRESS, plumbing",
            listing(
                statuses=[status.REQUEST_STATUS_NEW, status.REQUEST_STATUS_IN_PROGRESS],
                categories=[category.CATEGORY_PLUMBING],
            ),
        ),
        ListingCase(
            "executor", "one executor's", listing(executor_id=directory.executors["plumber"][0])
        ),
        ListingCase("yard", "one yard", listing(yard_id=yard)),
        ListingCase(
            "yard_open",
            "one yard, IN_PROGRESS, high+critical",
            listing(
                yard_id=yard,
                statuses=[status.REQUEST_STATUS_IN_PROGRESS],
                urgencies=[urgency.URGENCY_HIGH, urgency.URGENCY_CRITICAL],
            ),
        ),
        ListingCase("sla_warning", "SLA WARNING", listing(sla_states=[sla.SLA_STATE_WARNING])),
        ListingCase("sla_breached", "SLA BREACHED", listing(sla_states=[sla.SLA_STATE_BREACHED])),
        ListingCase("text_common", f'text "{texts.COMMON_WORD}"', listing(text=texts.COMMON_WORD)),
        ListingCase("text_rare", f'text "{texts.RARE_WORD}"', listing(text=texts.RARE_WORD)),
    ]


async def time_listings(
    address: str,
    metadata: Metadata,
    listing_cases: Sequence[ListingCase],
    *,
    calls: int,
    warmup: int,
    groups: dict[str, int],
) -> list[ListingResult]:
    """Each case: `warmup` calls, then `calls` timed ones, one at a time. `groups` are the
    stack's process groups (to tell the stack's CPU from other processes')."""
    results: list[ListingResult] = []
    async with grpc.aio.insecure_channel(address) as channel:
        stub = rpc.RequestServiceStub(channel)
        for listing in listing_cases:
            counted = await stub.CountRequests(
                pb.CountRequestsRequest(filter=listing.filters), timeout=30, metadata=metadata
            )
            message = listing.message
            for _ in range(warmup):
                await stub.ListRequests(message, timeout=30, metadata=metadata)
            latencies: list[float] = []
            rows = 0
            before, began = CpuSnapshot.take(groups), time.perf_counter()
            for _ in range(calls):
                started = time.perf_counter()
                answer = await stub.ListRequests(message, timeout=30, metadata=metadata)
                latencies.append((time.perf_counter() - started) * 1000)
                rows = len(answer.requests)
            other = before.until(CpuSnapshot.take(groups))[OTHER]
            elapsed = time.perf_counter() - began
            if rows != min(PAGE_SIZE, counted.total):
                raise BenchError(
                    f"ListRequests {listing.label}: {rows} rows on the first page, "
                    f"but {counted.total} match"
                )
            results.append(
                ListingResult(
                    name=listing.name,
                    label=listing.label,
                    calls=calls,
                    matching=counted.total,
                    page_rows=rows,
                    p50_ms=percentile(latencies, 50),
                    p95_ms=percentile(latencies, 95),
                    max_ms=max(latencies),
                    other_cores=other / elapsed if elapsed > 0 else 0.0,
                )
            )
    return results
