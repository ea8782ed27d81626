from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from ukm.users.v1 import directory_pb2 as _directory_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GeoPointInput(_message.Message):
    __slots__ = ("latitude_e6", "longitude_e6")
    LATITUDE_E6_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_E6_FIELD_NUMBER: _ClassVar[int]
    latitude_e6: int
    longitude_e6: int
    def __init__(self, latitude_e6: _Optional[int] = ..., longitude_e6: _Optional[int] = ...) -> None: ...

class CreateYardRequest(_message.Message):
    __slots__ = ("name", "location", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    location: GeoPointInput
    description: str
    def __init__(self, name: _Optional[str] = ..., location: _Optional[_Union[GeoPointInput, _Mapping]] = ..., description: _Optional[str] = ...) -> None: ...

class CreateYardResponse(_message.Message):
    __slots__ = ("yard",)
    YARD_FIELD_NUMBER: _ClassVar[int]
    yard: _directory_pb2.Yard
    def __init__(self, yard: _Optional[_Union[_directory_pb2.Yard, _Mapping]] = ...) -> None: ...

class UpdateYardRequest(_message.Message):
    __slots__ = ("yard_id", "name", "location", "description", "active")
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    yard_id: str
    name: str
    location: GeoPointInput
    description: str
    active: bool
    def __init__(self, yard_id: _Optional[str] = ..., name: _Optional[str] = ..., location: _Optional[_Union[GeoPointInput, _Mapping]] = ..., description: _Optional[str] = ..., active: bool = ...) -> None: ...

class UpdateYardResponse(_message.Message):
    __slots__ = ("yard",)
    YARD_FIELD_NUMBER: _ClassVar[int]
    yard: _directory_pb2.Yard
    def __init__(self, yard: _Optional[_Union[_directory_pb2.Yard, _Mapping]] = ...) -> None: ...

class DeleteYardRequest(_message.Message):
    __slots__ = ("yard_id",)
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    yard_id: str
    def __init__(self, yard_id: _Optional[str] = ...) -> None: ...

class DeleteYardResponse(_message.Message):
    __slots__ = ("yard",)
    YARD_FIELD_NUMBER: _ClassVar[int]
    yard: _directory_pb2.Yard
    def __init__(self, yard: _Optional[_Union[_directory_pb2.Yard, _Mapping]] = ...) -> None: ...

class PurgeYardRequest(_message.Message):
    __slots__ = ("yard_id",)
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    yard_id: str
    def __init__(self, yard_id: _Optional[str] = ...) -> None: ...

class PurgeYardResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListYardsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "query", "include_inactive")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    query: str
    include_inactive: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., query: _Optional[str] = ..., include_inactive: bool = ...) -> None: ...

class ListYardsResponse(_message.Message):
    __slots__ = ("yards", "next_page_token")
    YARDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    yards: _containers.RepeatedCompositeFieldContainer[_directory_pb2.Yard]
    next_page_token: str
    def __init__(self, yards: _Optional[_Iterable[_Union[_directory_pb2.Yard, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateBuildingRequest(_message.Message):
    __slots__ = ("yard_id", "address", "location", "entrances", "floors")
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    ENTRANCES_FIELD_NUMBER: _ClassVar[int]
    FLOORS_FIELD_NUMBER: _ClassVar[int]
    yard_id: str
    address: str
    location: GeoPointInput
    entrances: int
    floors: int
    def __init__(self, yard_id: _Optional[str] = ..., address: _Optional[str] = ..., location: _Optional[_Union[GeoPointInput, _Mapping]] = ..., entrances: _Optional[int] = ..., floors: _Optional[int] = ...) -> None: ...

class CreateBuildingResponse(_message.Message):
    __slots__ = ("building",)
    BUILDING_FIELD_NUMBER: _ClassVar[int]
    building: _directory_pb2.Building
    def __init__(self, building: _Optional[_Union[_directory_pb2.Building, _Mapping]] = ...) -> None: ...

class UpdateBuildingRequest(_message.Message):
    __slots__ = ("building_id", "address", "location", "entrances", "floors", "active")
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    ENTRANCES_FIELD_NUMBER: _ClassVar[int]
    FLOORS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    building_id: str
    address: str
    location: GeoPointInput
    entrances: int
    floors: int
    active: bool
    def __init__(self, building_id: _Optional[str] = ..., address: _Optional[str] = ..., location: _Optional[_Union[GeoPointInput, _Mapping]] = ..., entrances: _Optional[int] = ..., floors: _Optional[int] = ..., active: bool = ...) -> None: ...

class UpdateBuildingResponse(_message.Message):
    __slots__ = ("building",)
    BUILDING_FIELD_NUMBER: _ClassVar[int]
    building: _directory_pb2.Building
    def __init__(self, building: _Optional[_Union[_directory_pb2.Building, _Mapping]] = ...) -> None: ...

class DeleteBuildingRequest(_message.Message):
    __slots__ = ("building_id",)
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    building_id: str
    def __init__(self, building_id: _Optional[str] = ...) -> None: ...

class DeleteBuildingResponse(_message.Message):
    __slots__ = ("building",)
    BUILDING_FIELD_NUMBER: _ClassVar[int]
    building: _directory_pb2.Building
    def __init__(self, building: _Optional[_Union[_directory_pb2.Building, _Mapping]] = ...) -> None: ...

class PurgeBuildingRequest(_message.Message):
    __slots__ = ("building_id",)
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    building_id: str
    def __init__(self, building_id: _Optional[str] = ...) -> None: ...

class PurgeBuildingResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListBuildingsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "yard_id", "query", "include_inactive")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    yard_id: str
    query: str
    include_inactive: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., yard_id: _Optional[str] = ..., query: _Optional[str] = ..., include_inactive: bool = ...) -> None: ...

class ListBuildingsResponse(_message.Message):
    __slots__ = ("buildings", "next_page_token")
    BUILDINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    buildings: _containers.RepeatedCompositeFieldContainer[_directory_pb2.Building]
    next_page_token: str
    def __init__(self, buildings: _Optional[_Iterable[_Union[_directory_pb2.Building, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateApartmentRequest(_message.Message):
    __slots__ = ("building_id", "number", "entrance", "floor", "rooms", "area_m2")
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    ENTRANCE_FIELD_NUMBER: _ClassVar[int]
    FLOOR_FIELD_NUMBER: _ClassVar[int]
    ROOMS_FIELD_NUMBER: _ClassVar[int]
    AREA_M2_FIELD_NUMBER: _ClassVar[int]
    building_id: str
    number: str
    entrance: int
    floor: int
    rooms: int
    area_m2: str
    def __init__(self, building_id: _Optional[str] = ..., number: _Optional[str] = ..., entrance: _Optional[int] = ..., floor: _Optional[int] = ..., rooms: _Optional[int] = ..., area_m2: _Optional[str] = ...) -> None: ...

class CreateApartmentResponse(_message.Message):
    __slots__ = ("apartment",)
    APARTMENT_FIELD_NUMBER: _ClassVar[int]
    apartment: _directory_pb2.Apartment
    def __init__(self, apartment: _Optional[_Union[_directory_pb2.Apartment, _Mapping]] = ...) -> None: ...

class CreateApartmentRangeRequest(_message.Message):
    __slots__ = ("building_id", "first", "last", "apartments_per_floor", "floors_per_entrance")
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    APARTMENTS_PER_FLOOR_FIELD_NUMBER: _ClassVar[int]
    FLOORS_PER_ENTRANCE_FIELD_NUMBER: _ClassVar[int]
    building_id: str
    first: int
    last: int
    apartments_per_floor: int
    floors_per_entrance: int
    def __init__(self, building_id: _Optional[str] = ..., first: _Optional[int] = ..., last: _Optional[int] = ..., apartments_per_floor: _Optional[int] = ..., floors_per_entrance: _Optional[int] = ...) -> None: ...

class CreateApartmentRangeResponse(_message.Message):
    __slots__ = ("apartments",)
    APARTMENTS_FIELD_NUMBER: _ClassVar[int]
    apartments: _containers.RepeatedCompositeFieldContainer[_directory_pb2.Apartment]
    def __init__(self, apartments: _Optional[_Iterable[_Union[_directory_pb2.Apartment, _Mapping]]] = ...) -> None: ...

class UpdateApartmentRequest(_message.Message):
    __slots__ = ("apartment_id", "number", "entrance", "floor", "rooms", "area_m2", "active")
    APARTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    ENTRANCE_FIELD_NUMBER: _ClassVar[int]
    FLOOR_FIELD_NUMBER: _ClassVar[int]
    ROOMS_FIELD_NUMBER: _ClassVar[int]
    AREA_M2_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    apartment_id: str
    number: str
    entrance: int
    floor: int
    rooms: int
    area_m2: str
    active: bool
    def __init__(self, apartment_id: _Optional[str] = ..., number: _Optional[str] = ..., entrance: _Optional[int] = ..., floor: _Optional[int] = ..., rooms: _Optional[int] = ..., area_m2: _Optional[str] = ..., active: bool = ...) -> None: ...

class UpdateApartmentResponse(_message.Message):
    __slots__ = ("apartment",)
    APARTMENT_FIELD_NUMBER: _ClassVar[int]
    apartment: _directory_pb2.Apartment
    def __init__(self, apartment: _Optional[_Union[_directory_pb2.Apartment, _Mapping]] = ...) -> None: ...

class DeleteApartmentRequest(_message.Message):
    __slots__ = ("apartment_id",)
    APARTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    apartment_id: str
    def __init__(self, apartment_id: _Optional[str] = ...) -> None: ...

class DeleteApartmentResponse(_message.Message):
    __slots__ = ("apartment",)
    APARTMENT_FIELD_NUMBER: _ClassVar[int]
    apartment: _directory_pb2.Apartment
    def __init__(self, apartment: _Optional[_Union[_directory_pb2.Apartment, _Mapping]] = ...) -> None: ...

class PurgeApartmentRequest(_message.Message):
    __slots__ = ("apartment_id",)
    APARTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    apartment_id: str
    def __init__(self, apartment_id: _Optional[str] = ...) -> None: ...

class PurgeApartmentResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListApartmentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "building_id", "query", "include_inactive")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    building_id: str
    query: str
    include_inactive: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., building_id: _Optional[str] = ..., query: _Optional[str] = ..., include_inactive: bool = ...) -> None: ...

class ListApartmentsResponse(_message.Message):
    __slots__ = ("apartments", "next_page_token")
    APARTMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    apartments: _containers.RepeatedCompositeFieldContainer[_directory_pb2.Apartment]
    next_page_token: str
    def __init__(self, apartments: _Optional[_Iterable[_Union[_directory_pb2.Apartment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RequestApartmentBindingRequest(_message.Message):
    __slots__ = ("apartment_id", "owner", "primary")
    APARTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    apartment_id: str
    owner: bool
    primary: bool
    def __init__(self, apartment_id: _Optional[str] = ..., owner: bool = ..., primary: bool = ...) -> None: ...

class RequestApartmentBindingResponse(_message.Message):
    __slots__ = ("binding",)
    BINDING_FIELD_NUMBER: _ClassVar[int]
    binding: _directory_pb2.ApartmentBinding
    def __init__(self, binding: _Optional[_Union[_directory_pb2.ApartmentBinding, _Mapping]] = ...) -> None: ...

class ListApartmentBindingsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "status", "user_id", "apartment_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    APARTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    status: _directory_pb2.BindingStatus
    user_id: str
    apartment_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[_Union[_directory_pb2.BindingStatus, str]] = ..., user_id: _Optional[str] = ..., apartment_id: _Optional[str] = ...) -> None: ...

class ListApartmentBindingsResponse(_message.Message):
    __slots__ = ("bindings", "next_page_token")
    BINDINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    bindings: _containers.RepeatedCompositeFieldContainer[_directory_pb2.ApartmentBinding]
    next_page_token: str
    def __init__(self, bindings: _Optional[_Iterable[_Union[_directory_pb2.ApartmentBinding, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DecideApartmentBindingRequest(_message.Message):
    __slots__ = ("binding_id", "approve", "reason")
    BINDING_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    binding_id: str
    approve: bool
    reason: str
    def __init__(self, binding_id: _Optional[str] = ..., approve: bool = ..., reason: _Optional[str] = ...) -> None: ...

class DecideApartmentBindingResponse(_message.Message):
    __slots__ = ("binding",)
    BINDING_FIELD_NUMBER: _ClassVar[int]
    binding: _directory_pb2.ApartmentBinding
    def __init__(self, binding: _Optional[_Union[_directory_pb2.ApartmentBinding, _Mapping]] = ...) -> None: ...

class GrantYardRequest(_message.Message):
    __slots__ = ("user_id", "yard_id")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    yard_id: str
    def __init__(self, user_id: _Optional[str] = ..., yard_id: _Optional[str] = ...) -> None: ...

class GrantYardResponse(_message.Message):
    __slots__ = ("grant",)
    GRANT_FIELD_NUMBER: _ClassVar[int]
    grant: _directory_pb2.YardGrant
    def __init__(self, grant: _Optional[_Union[_directory_pb2.YardGrant, _Mapping]] = ...) -> None: ...

class RevokeYardGrantRequest(_message.Message):
    __slots__ = ("grant_id",)
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    grant_id: str
    def __init__(self, grant_id: _Optional[str] = ...) -> None: ...

class RevokeYardGrantResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListYardGrantsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "user_id", "yard_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    user_id: str
    yard_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., user_id: _Optional[str] = ..., yard_id: _Optional[str] = ...) -> None: ...

class ListYardGrantsResponse(_message.Message):
    __slots__ = ("grants", "next_page_token")
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    grants: _containers.RepeatedCompositeFieldContainer[_directory_pb2.YardGrant]
    next_page_token: str
    def __init__(self, grants: _Optional[_Iterable[_Union[_directory_pb2.YardGrant, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResolveAddressesRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class ResolveAddressesResponse(_message.Message):
    __slots__ = ("addresses",)
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    addresses: _containers.RepeatedCompositeFieldContainer[_directory_pb2.ResolvedAddress]
    def __init__(self, addresses: _Optional[_Iterable[_Union[_directory_pb2.ResolvedAddress, _Mapping]]] = ...) -> None: ...

class PlaceRef(_message.Message):
    __slots__ = ("yard_id", "building_id", "apartment_id")
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    APARTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    yard_id: str
    building_id: str
    apartment_id: str
    def __init__(self, yard_id: _Optional[str] = ..., building_id: _Optional[str] = ..., apartment_id: _Optional[str] = ...) -> None: ...

class LabelAddressesRequest(_message.Message):
    __slots__ = ("places",)
    PLACES_FIELD_NUMBER: _ClassVar[int]
    places: _containers.RepeatedCompositeFieldContainer[PlaceRef]
    def __init__(self, places: _Optional[_Iterable[_Union[PlaceRef, _Mapping]]] = ...) -> None: ...

class LabelledPlace(_message.Message):
    __slots__ = ("place", "label")
    PLACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    place: PlaceRef
    label: str
    def __init__(self, place: _Optional[_Union[PlaceRef, _Mapping]] = ..., label: _Optional[str] = ...) -> None: ...

class LabelAddressesResponse(_message.Message):
    __slots__ = ("places",)
    PLACES_FIELD_NUMBER: _ClassVar[int]
    places: _containers.RepeatedCompositeFieldContainer[LabelledPlace]
    def __init__(self, places: _Optional[_Iterable[_Union[LabelledPlace, _Mapping]]] = ...) -> None: ...
