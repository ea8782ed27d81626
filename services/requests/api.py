"""The `ukm.requests.v1.RequestService` servicer: protos in, domain calls, protos out.

Filing, reading and listing live here; the workflow's RPCs (`lifecycle_api`) and comments
(`comments_api`) are mixed in, sharing the stores and lookups set up in `__init__`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import grpc
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import requests_service_pb2_grpc as rpc

from services.kit.context import Caller, current_caller
from services.kit.errors import InvalidArgument
from services.kit.hashing import message_fingerprint
from services.kit.paging import decode_token, encode_token, filters_fingerprint, page_size
from services.requests import access, events, mapping
from services.requests.comments_api import CommentRpcs
from services.requests.comments_store import CommentStore
from services.requests.directory import AddressBook
from services.requests.domain import plan_filing
from services.requests.lifecycle import Lifecycle, VisibilityCheck
from services.requests.lifecycle_api import LifecycleRpcs
from services.requests.lifecycle_dispatch import to_pool
from services.requests.lifecycle_duty import Roster
from services.requests.lifecycle_executors import Executors
from services.requests.lifecycle_store import LifecycleStore
from services.requests.queries import RequestQueries
from services.requests.queries_filters import (
    Visibility,
    claimable_pools,
    filters_from_proto,
    visibility_for,
)
from services.requests.sla import SlaPolicy
from services.requests.sla_proto import request_with_sla
from services.requests.store import IdempotencyKey, RequestStore


class RequestApi(LifecycleRpcs, CommentRpcs, rpc.RequestServiceServicer):
    """Files, reads and lists requests, runs their workflow, keeps their comments."""

    def __init__(
        self,
        store: RequestStore,
        lifecycle_store: LifecycleStore,
        comments: CommentStore,
        addresses: AddressBook,
        roster: Roster,
        executors: Executors,
        queries: RequestQueries,
        *,
        clock: Callable[[], datetime],
        policy: SlaPolicy,
    ) -> None:
        self.store = store
        self.lifecycle_store = lifecycle_store
        self.comment_store = comments
        self.addresses = addresses
        self.clock = clock
        self.policy = policy
        self.roster = roster
        self.queries = queries
        self.visibility = VisibilityCheck(addresses, roster)
        self.lifecycle = Lifecycle(
            lifecycle_store, store, self.visibility, addresses, roster, executors, clock=clock
        )

    async def CreateRequest(
        self, request: pb.CreateRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateRequestResponse:
        """File a request (or return the one an earlier call with the same key filed)."""
        caller = current_caller()
        new = mapping.new_request(request)
        check = access.check_filing(caller, new)
        if check.resolve_address:
            # Re-resolved here, never trusted from the client: the directory decides.
            reachable = await self.addresses.reachable(check.applicant_id)
            access.require_reachable(new.address, reachable)
        filing = plan_filing(
            replace(new, applicant_id=check.applicant_id),
            caller_user_id=caller.user_id,
            now=self.clock(),
            policy=self.policy,
        )
        idempotency = None
        if request.idempotency_key:
            idempotency = IdempotencyKey(
                # A key belongs to one client (workload) acting for one person.
                scope=f"{caller.user_id or '-'} via {caller.workload or '-'}",
                key=request.idempotency_key,
                fingerprint=message_fingerprint(request, exclude=("idempotency_key",)),
            )
        # Offered to its category's pool at once, in the same transaction.
        then = self.lifecycle_store.after_filing(
            filed_by=caller.user_id, dispatch=lambda state: to_pool(state, now=filing.created_at)
        )
        row, _ = await self.store.file(
            filing, idempotency=idempotency, event=events.request_created, then=then
        )
        return pb.CreateRequestResponse(request=await self.present(row))

    async def GetRequest(
        self, request: pb.GetRequestRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetRequestResponse:
        """One request by number (if the caller may see it)."""
        # The row and its clocks in one read: most callers may see what they ask for.
        row, clocks = await self.queries.one(request.request_number)
        # Indistinguishable from a missing request: numbers are guessable.
        await self.visibility.require(current_caller(), row)
        return pb.GetRequestResponse(request=request_with_sla(row, clocks, self.clock()))

    async def ListRequests(
        self, request: pb.ListRequestsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListRequestsResponse:
        """A page of the requests the caller may see, newest first, with their SLA states."""
        fingerprint = filters_fingerprint(request)
        position = decode_token(request.page_token, fingerprint)
        after = _keyset(position) if position else None
        visibility = await self._visibility(current_caller())
        page = await self.queries.list(
            filters_from_proto(request), visibility, limit=page_size(request.page_size), after=after
        )
        now = self.clock()
        response = pb.ListRequestsResponse(
            requests=[request_with_sla(r, page.clocks.get(r["number"]), now) for r in page.rows]
        )
        if page.next_after is not None:
            created, number = page.next_after
            response.next_page_token = encode_token([created.isoformat(), number], fingerprint)
        return response

    async def CountRequests(
        self, request: pb.CountRequestsRequest, context: grpc.aio.ServicerContext
    ) -> pb.CountRequestsResponse:
        """Requests per status (every status, zeros included) among those the caller may list,
        with the listing's filters."""
        visibility = await self._visibility(current_caller())
        counted = await self.queries.count(filters_from_proto(request.filter), visibility)
        by_status = {
            mapping.request_status_name(key): count for key, count in counted.by_status.items()
        }
        return pb.CountRequestsResponse(by_status=by_status, total=counted.total)

    async def _visibility(self, caller: Caller) -> Visibility:
        """What `caller` may see (DOMAIN.md): everything for staff; else their own requests,
        their flats' requests awaiting acceptance (approved residents) and the pools their
        active shift lets them claim (executors)."""
        if caller.is_staff or caller.user_id is None:
            return visibility_for(caller)
        apartments: set[str] = set()
        if caller.status == "approved" and "applicant" in caller.roles:
            apartments = await self.addresses.apartments_of(caller.user_id)
        pools: frozenset[str] = frozenset()
        if "executor" in caller.roles:
            duty = await self.roster.duty(caller.user_id)
            focus = duty.shift_specialisations if duty.on_shift else None
            pools = claimable_pools(duty.executor_specialisations, focus)
        return visibility_for(caller, apartments=apartments, pool_specialisations=pools)

    async def CountAddressReferences(
        self, request: pb.CountAddressReferencesRequest, context: grpc.aio.ServicerContext
    ) -> pb.CountAddressReferencesResponse:
        """How many requests (of any status) name a yard, building or apartment."""
        count = await self.store.count_at(
            yard_id=request.yard_id or None,
            building_id=request.building_id or None,
            apartment_id=request.apartment_id or None,
        )
        return pb.CountAddressReferencesResponse(requests=count)


def _keyset(position: list[object]) -> tuple[datetime, str]:
    """The (created_at, number) inside a page token."""
    try:
        created, number = position
        return datetime.fromisoformat(str(created)), str(number)
    except ValueError as exc:
        raise InvalidArgument.field("page_token", "is not a token this service issued") from exc
