"""Multi-step flows shared by the service tests (addresses, bindings, documents)."""

from __future__ import annotations

from ukm.common.v1 import media_pb2
from ukm.users.v1 import directory_pb2, user_pb2
from ukm.users.v1 import directory_service_pb2 as dpb
from ukm.users.v1 import verification_service_pb2 as vpb

from tests.support.identity import Person
from tests.users.conftest import MANAGER, UsersService

PASSPORT = vpb.DOCUMENT_TYPE_PASSPORT
DEED = vpb.DOCUMENT_TYPE_PROPERTY_DEED


def photo(file_id: str) -> media_pb2.MediaRef:
    return media_pb2.MediaRef(kind=media_pb2.MEDIA_KIND_DOCUMENT, telegram_file_id=file_id)


async def apartments(service: UsersService, how_many: int) -> list[str]:
    """Apartment ids in a fresh yard and building (created by a manager)."""
    staff = service.as_(MANAGER)
    point = dpb.GeoPointInput(latitude_e6=41_311_081, longitude_e6=69_240_562)
    yard = await service.directory.CreateYard(
        dpb.CreateYardRequest(name="ЖК Светлый", location=point), metadata=staff
    )
    building = await service.directory.CreateBuilding(
        dpb.CreateBuildingRequest(
            yard_id=yard.yard.id, address="ул. Навои, 12", location=point, entrances=2, floors=9
        ),
        metadata=staff,
    )
    ids = []
    for number in range(1, how_many + 1):
        created = await service.directory.CreateApartment(
            dpb.CreateApartmentRequest(building_id=building.building.id, number=str(number)),
            metadata=staff,
        )
        ids.append(created.apartment.id)
    return ids


async def resident_with_bindings(
    service: UsersService, how_many: int = 2, resident: Person | None = None
) -> tuple[Person, list[str]]:
    """A resident (new unless given) asking for `how_many` apartments; the binding ids."""
    resident = resident or await service.register("Nodira")
    binding_ids = []
    for apartment_id in await apartments(service, how_many):
        asked = await service.directory.RequestApartmentBinding(
            dpb.RequestApartmentBindingRequest(apartment_id=apartment_id, owner=True),
            metadata=service.as_(resident),
        )
        binding_ids.append(asked.binding.id)
    return resident, binding_ids


async def ask_and_upload(service: UsersService, resident: Person) -> list[str]:
    """Documents asked for by the manager and uploaded by the resident; their ids."""
    asked = await service.verification.RequestDocuments(
        vpb.RequestDocumentsRequest(
            user_id=resident.user_id, document_types=[PASSPORT, DEED], comment="passport + deed"
        ),
        metadata=service.as_(MANAGER),
    )
    assert asked.verification.status == user_pb2.VERIFICATION_STATUS_REQUESTED
    ids = []
    for kind, file_id in ((PASSPORT, "tg-passport-file"), (DEED, "tg-deed-file")):
        uploaded = await service.verification.SubmitDocument(
            vpb.SubmitDocumentRequest(type=kind, media=photo(file_id), note="page 2"),
            metadata=service.as_(resident),
        )
        assert uploaded.document.status == vpb.DOCUMENT_STATUS_SUBMITTED
        ids.append(uploaded.document.id)
    return ids


async def accept_all(service: UsersService, document_ids: list[str]) -> None:
    for document_id in document_ids:
        await service.verification.ReviewDocument(
            vpb.ReviewDocumentRequest(document_id=document_id, accept=True),
            metadata=service.as_(MANAGER),
        )


async def binding_statuses(service: UsersService, user_id: str) -> list[str]:
    listed = await service.directory.ListApartmentBindings(
        dpb.ListApartmentBindingsRequest(user_id=user_id), metadata=service.as_(MANAGER)
    )
    return [directory_pb2.BindingStatus.Name(b.status) for b in listed.bindings]
