"""`ukm.users.v1.DirectoryService` as the bot uses it: choosing an address, asking for a
binding, and the addresses a person may file requests for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ukm.users.v1 import directory_pb2
from ukm.users.v1 import directory_service_pb2 as pb

from bot.mesh.acting import Acting

__all__ = ["Directory", "Page"]

_SERVICE = "/ukm.users.v1.DirectoryService/"
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing and the token of the next ("" on the last page)."""

    items: list[T]
    next_token: str


class Directory:
    """Yards → buildings → apartments, bindings and reachable addresses."""

    def __init__(self, acting: Acting) -> None:
        self.acting = acting

    async def yards(
        self, *, page_token: str = "", query: str = "", page_size: int = 8
    ) -> Page[directory_pb2.Yard]:
        """Active yards by name."""
        answer = await self.acting.unary(
            _SERVICE + "ListYards",
            pb.ListYardsRequest(page_size=page_size, page_token=page_token, query=query),
            pb.ListYardsResponse,
        )
        return Page(list(answer.yards), answer.next_page_token)

    async def buildings(
        self, yard_id: str, *, page_token: str = "", query: str = "", page_size: int = 8
    ) -> Page[directory_pb2.Building]:
        """Active buildings of a yard by address."""
        answer = await self.acting.unary(
            _SERVICE + "ListBuildings",
            pb.ListBuildingsRequest(
                yard_id=yard_id, page_size=page_size, page_token=page_token, query=query
            ),
            pb.ListBuildingsResponse,
        )
        return Page(list(answer.buildings), answer.next_page_token)

    async def apartments(
        self, building_id: str, *, page_token: str = "", query: str = "", page_size: int = 8
    ) -> Page[directory_pb2.Apartment]:
        """Active apartments of a building (`query`: a number prefix)."""
        answer = await self.acting.unary(
            _SERVICE + "ListApartments",
            pb.ListApartmentsRequest(
                building_id=building_id, page_size=page_size, page_token=page_token, query=query
            ),
            pb.ListApartmentsResponse,
        )
        return Page(list(answer.apartments), answer.next_page_token)

    async def request_binding(
        self, apartment_id: str, *, primary: bool = True, owner: bool = False
    ) -> directory_pb2.ApartmentBinding:
        """Ask to be bound to an apartment (a manager decides)."""
        answer = await self.acting.unary(
            _SERVICE + "RequestApartmentBinding",
            pb.RequestApartmentBindingRequest(
                apartment_id=apartment_id, primary=primary, owner=owner
            ),
            pb.RequestApartmentBindingResponse,
        )
        return answer.binding

    async def bindings(
        self, *, status: int = directory_pb2.BINDING_STATUS_UNSPECIFIED
    ) -> list[directory_pb2.ApartmentBinding]:
        """The person's own bindings (first page: a person has few)."""
        answer = await self.acting.unary(
            _SERVICE + "ListApartmentBindings",
            pb.ListApartmentBindingsRequest(page_size=50, status=status),  # type: ignore[arg-type]
            pb.ListApartmentBindingsResponse,
        )
        return list(answer.bindings)

    async def addresses(self, user_id: str) -> list[directory_pb2.ResolvedAddress]:
        """Where the person may file requests (the whole chain active)."""
        answer = await self.acting.unary(
            _SERVICE + "ResolveAddresses",
            pb.ResolveAddressesRequest(user_id=user_id),
            pb.ResolveAddressesResponse,
        )
        return list(answer.addresses)

    # --- managers -----------------------------------------------------------------------------

    async def list_bindings(
        self,
        *,
        status: int = directory_pb2.BINDING_STATUS_UNSPECIFIED,
        user_id: str = "",
        page_token: str = "",
        page_size: int = 20,
    ) -> Page[directory_pb2.ApartmentBinding]:
        """Bindings, oldest first: everyone's for managers (or one person's, `user_id`)."""
        answer = await self.acting.unary(
            _SERVICE + "ListApartmentBindings",
            pb.ListApartmentBindingsRequest(
                page_size=page_size,
                page_token=page_token,
                status=status,  # type: ignore[arg-type]
                user_id=user_id,
            ),
            pb.ListApartmentBindingsResponse,
        )
        return Page(list(answer.bindings), answer.next_page_token)

    async def decide_binding(
        self, binding_id: str, *, approve: bool, reason: str = ""
    ) -> directory_pb2.ApartmentBinding:
        """Approve or reject a pending binding (a rejection needs a reason; the resident is
        told)."""
        answer = await self.acting.unary(
            _SERVICE + "DecideApartmentBinding",
            pb.DecideApartmentBindingRequest(binding_id=binding_id, approve=approve, reason=reason),
            pb.DecideApartmentBindingResponse,
        )
        return answer.binding

    async def labels(
        self,
        *,
        apartment_ids: Sequence[str] = (),
        building_ids: Sequence[str] = (),
        yard_ids: Sequence[str] = (),
    ) -> dict[str, str]:
        """Human labels of places ("ЖК … · ул. …, 12 · кв. 45") by the id asked for; places
        that do not exist are left out."""
        places = [
            *(pb.PlaceRef(apartment_id=i) for i in dict.fromkeys(apartment_ids) if i),
            *(pb.PlaceRef(building_id=i) for i in dict.fromkeys(building_ids) if i),
            *(pb.PlaceRef(yard_id=i) for i in dict.fromkeys(yard_ids) if i),
        ]
        if not places:
            return {}
        labels: dict[str, str] = {}
        for start in range(0, len(places), 200):  # the contract's bound per call
            answer = await self.acting.unary(
                _SERVICE + "LabelAddresses",
                pb.LabelAddressesRequest(places=places[start : start + 200]),
                pb.LabelAddressesResponse,
            )
            for found in answer.places:
                ref = found.place
                key = ref.apartment_id or ref.building_id or ref.yard_id
                labels[key] = found.label
        return labels
