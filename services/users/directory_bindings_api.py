"""Who may file for which address: the binding, yard grant and address resolution RPCs of
`DirectoryService` (part of `directory_api.DirectoryApi`).

Residents see and ask only for their own bindings, grants and addresses; managers see everyone's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeAlias

import grpc
from ukm.users.v1 import directory_pb2
from ukm.users.v1 import directory_service_pb2 as pb

from services.kit.context import Caller, current_caller
from services.kit.errors import PermissionDenied
from services.users.address_bindings import BindingStatus
from services.users.binding_grants import grant_proto
from services.users.binding_store import binding_proto
from services.users.directory_paging_api import created_keyset, page
from services.users.directory_sql import After, Row
from services.users.directory_store import DirectoryStore

Context: TypeAlias = grpc.aio.ServicerContext
_STATUS = {
    directory_pb2.BINDING_STATUS_PENDING: BindingStatus.PENDING,
    directory_pb2.BINDING_STATUS_APPROVED: BindingStatus.APPROVED,
    directory_pb2.BINDING_STATUS_REJECTED: BindingStatus.REJECTED,
}


class BindingRpcs:
    """Bindings, yard grants and address resolution (a mixin of `directory_api.DirectoryApi`,
    which sets these)."""

    store: DirectoryStore
    clock: Callable[[], datetime]

    # --- bindings -----------------------------------------------------------------------------

    async def RequestApartmentBinding(
        self, request: pb.RequestApartmentBindingRequest, context: Context
    ) -> pb.RequestApartmentBindingResponse:
        """The caller asks to be bound to an apartment; a manager decides."""
        row = await self.store.bindings.request_binding(
            _person(current_caller()),
            request.apartment_id,
            owner=request.owner,
            primary=request.primary,
            now=self.clock(),
        )
        return pb.RequestApartmentBindingResponse(binding=binding_proto(row))

    async def ListApartmentBindings(
        self, request: pb.ListApartmentBindingsRequest, context: Context
    ) -> pb.ListApartmentBindingsResponse:
        """Bindings, oldest first: all of them for managers, one's own for everyone else."""
        user_id = _scope(current_caller(), request.user_id, "bindings")
        status = _STATUS.get(request.status)

        async def fetch(limit: int, after: After) -> list[Row]:
            return await self.store.bindings.list_bindings(
                status=status,
                user_id=user_id,
                apartment_id=request.apartment_id or None,
                limit=limit,
                after=after,
            )

        rows, token = await page(request, fetch, created_keyset)
        return pb.ListApartmentBindingsResponse(
            bindings=[binding_proto(r) for r in rows], next_page_token=token
        )

    async def DecideApartmentBinding(
        self, request: pb.DecideApartmentBindingRequest, context: Context
    ) -> pb.DecideApartmentBindingResponse:
        """A manager approves or rejects a pending binding; the resident is told."""
        row = await self.store.bindings.decide_binding(
            request.binding_id,
            approve=request.approve,
            reason=request.reason,
            decided_by=current_caller().user_id or "",
            now=self.clock(),
        )
        return pb.DecideApartmentBindingResponse(binding=binding_proto(row))

    # --- yard grants --------------------------------------------------------------------------

    async def GrantYard(
        self, request: pb.GrantYardRequest, context: Context
    ) -> pb.GrantYardResponse:
        """Give a person access to a whole yard."""
        row = await self.store.grants.grant_yard(
            request.user_id, request.yard_id, current_caller().user_id or "", self.clock()
        )
        return pb.GrantYardResponse(grant=grant_proto(row))

    async def RevokeYardGrant(
        self, request: pb.RevokeYardGrantRequest, context: Context
    ) -> pb.RevokeYardGrantResponse:
        """Take a yard grant back."""
        await self.store.grants.revoke_yard_grant(request.grant_id)
        return pb.RevokeYardGrantResponse()

    async def ListYardGrants(
        self, request: pb.ListYardGrantsRequest, context: Context
    ) -> pb.ListYardGrantsResponse:
        """Yard grants, oldest first: all for managers, one's own for everyone else."""
        user_id = _scope(current_caller(), request.user_id, "yard grants")

        async def fetch(limit: int, after: After) -> list[Row]:
            return await self.store.grants.list_grants(
                user_id=user_id, yard_id=request.yard_id or None, limit=limit, after=after
            )

        rows, token = await page(request, fetch, created_keyset)
        return pb.ListYardGrantsResponse(
            grants=[grant_proto(r) for r in rows], next_page_token=token
        )

    # --- resolution ---------------------------------------------------------------------------

    async def ResolveAddresses(
        self, request: pb.ResolveAddressesRequest, context: Context
    ) -> pb.ResolveAddressesResponse:
        """What a person may file requests for (apartments first, the primary one leading)."""
        caller = current_caller()
        # A service (requests) asks about anyone; a person only about themselves unless staff.
        if caller.is_user and not caller.is_staff and request.user_id != caller.user_id:
            raise PermissionDenied(
                "NOT_YOUR_ADDRESSES", "you may only see the addresses you may file for yourself"
            )
        reach = await self.store.reach.resolve(request.user_id)
        return pb.ResolveAddressesResponse(
            addresses=[
                directory_pb2.ResolvedAddress(
                    yard_id=a.yard_id,
                    building_id=a.building_id or "",
                    apartment_id=a.apartment_id or "",
                    label=a.label,
                    via=a.via.value,
                )
                for a in reach.addresses
            ]
        )


# --- access -----------------------------------------------------------------------------------


def _person(caller: Caller) -> str:
    """The signed-in person behind the call (the matrix lets no one else in)."""
    if caller.user_id is None:
        raise PermissionDenied("PERSON_REQUIRED", "only a signed-in person may do this")
    return caller.user_id


def _scope(caller: Caller, asked: str, what: str) -> str | None:
    """The user a listing is limited to: whom staff ask about (None: everyone), else the
    caller, who may not ask about anyone else."""
    if caller.is_staff:
        return asked or None
    me = _person(caller)
    if asked and asked != me:
        raise PermissionDenied("NOT_YOURS", f"you may only list your own {what}")
    return me
