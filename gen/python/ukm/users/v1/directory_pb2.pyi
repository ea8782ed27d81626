import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BindingStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BINDING_STATUS_UNSPECIFIED: _ClassVar[BindingStatus]
    BINDING_STATUS_PENDING: _ClassVar[BindingStatus]
    BINDING_STATUS_APPROVED: _ClassVar[BindingStatus]
    BINDING_STATUS_REJECTED: _ClassVar[BindingStatus]
BINDING_STATUS_UNSPECIFIED: BindingStatus
BINDING_STATUS_PENDING: BindingStatus
BINDING_STATUS_APPROVED: BindingStatus
BINDING_STATUS_REJECTED: BindingStatus

class GeoPoint(_message.Message):
    __slots__ = ("latitude_e6", "longitude_e6")
    LATITUDE_E6_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_E6_FIELD_NUMBER: _ClassVar[int]
    latitude_e6: int
    longitude_e6: int
    def __init__(self, latitude_e6: _Optional[int] = ..., longitude_e6: _Optional[int] = ...) -> None: ...

class Yard(_message.Message):
    __slots__ = ("id", "name", "location", "description", "active", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    location: GeoPoint
    description: str
    active: bool
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., location: _Optional[_Union[GeoPoint, _Mapping]] = ..., description: _Optional[str] = ..., active: bool = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Building(_message.Message):
    __slots__ = ("id", "yard_id", "address", "location", "entrances", "floors", "active", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    ENTRANCES_FIELD_NUMBER: _ClassVar[int]
    FLOORS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    yard_id: str
    address: str
    location: GeoPoint
    entrances: int
    floors: int
    active: bool
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., yard_id: _Optional[str] = ..., address: _Optional[str] = ..., location: _Optional[_Union[GeoPoint, _Mapping]] = ..., entrances: _Optional[int] = ..., floors: _Optional[int] = ..., active: bool = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Apartment(_message.Message):
    __slots__ = ("id", "building_id", "number", "entrance", "floor", "rooms", "area_m2", "active", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    ENTRANCE_FIELD_NUMBER: _ClassVar[int]
    FLOOR_FIELD_NUMBER: _ClassVar[int]
    ROOMS_FIELD_NUMBER: _ClassVar[int]
    AREA_M2_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    building_id: str
    number: str
    entrance: int
    floor: int
    rooms: int
    area_m2: str
    active: bool
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., building_id: _Optional[str] = ..., number: _Optional[str] = ..., entrance: _Optional[int] = ..., floor: _Optional[int] = ..., rooms: _Optional[int] = ..., area_m2: _Optional[str] = ..., active: bool = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ApartmentBinding(_message.Message):
    __slots__ = ("id", "user_id", "apartment_id", "status", "primary", "owner", "decision_reason", "decided_by", "requested_at", "decided_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    APARTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DECISION_REASON_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    user_id: str
    apartment_id: str
    status: BindingStatus
    primary: bool
    owner: bool
    decision_reason: str
    decided_by: str
    requested_at: _timestamp_pb2.Timestamp
    decided_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., apartment_id: _Optional[str] = ..., status: _Optional[_Union[BindingStatus, str]] = ..., primary: bool = ..., owner: bool = ..., decision_reason: _Optional[str] = ..., decided_by: _Optional[str] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class YardGrant(_message.Message):
    __slots__ = ("id", "user_id", "yard_id", "granted_by", "granted_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    GRANTED_BY_FIELD_NUMBER: _ClassVar[int]
    GRANTED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    user_id: str
    yard_id: str
    granted_by: str
    granted_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., yard_id: _Optional[str] = ..., granted_by: _Optional[str] = ..., granted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ResolvedAddress(_message.Message):
    __slots__ = ("yard_id", "building_id", "apartment_id", "label", "via")
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    APARTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    VIA_FIELD_NUMBER: _ClassVar[int]
    yard_id: str
    building_id: str
    apartment_id: str
    label: str
    via: str
    def __init__(self, yard_id: _Optional[str] = ..., building_id: _Optional[str] = ..., apartment_id: _Optional[str] = ..., label: _Optional[str] = ..., via: _Optional[str] = ...) -> None: ...
