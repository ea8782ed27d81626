import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ukm.common.v1 import media_pb2 as _media_pb2
from ukm.requests.v1 import request_pb2 as _request_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AddressInput(_message.Message):
    __slots__ = ("level", "yard_id", "building_id", "apartment_id")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    APARTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    level: _request_pb2.AddressLevel
    yard_id: str
    building_id: str
    apartment_id: str
    def __init__(self, level: _Optional[_Union[_request_pb2.AddressLevel, str]] = ..., yard_id: _Optional[str] = ..., building_id: _Optional[str] = ..., apartment_id: _Optional[str] = ...) -> None: ...

class CreateRequestRequest(_message.Message):
    __slots__ = ("category", "description", "urgency", "address", "source", "media", "acceptance_mode", "applicant_id", "idempotency_key")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    ACCEPTANCE_MODE_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    category: _request_pb2.Category
    description: str
    urgency: _request_pb2.Urgency
    address: AddressInput
    source: _request_pb2.Source
    media: _containers.RepeatedCompositeFieldContainer[_media_pb2.MediaRef]
    acceptance_mode: _request_pb2.AcceptanceMode
    applicant_id: str
    idempotency_key: str
    def __init__(self, category: _Optional[_Union[_request_pb2.Category, str]] = ..., description: _Optional[str] = ..., urgency: _Optional[_Union[_request_pb2.Urgency, str]] = ..., address: _Optional[_Union[AddressInput, _Mapping]] = ..., source: _Optional[_Union[_request_pb2.Source, str]] = ..., media: _Optional[_Iterable[_Union[_media_pb2.MediaRef, _Mapping]]] = ..., acceptance_mode: _Optional[_Union[_request_pb2.AcceptanceMode, str]] = ..., applicant_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class GetRequestRequest(_message.Message):
    __slots__ = ("request_number",)
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    def __init__(self, request_number: _Optional[str] = ...) -> None: ...

class GetRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class ListRequestsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "statuses", "categories", "urgencies", "applicant_id", "building_id", "created_after", "created_before")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    URGENCIES_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AFTER_FIELD_NUMBER: _ClassVar[int]
    CREATED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    statuses: _containers.RepeatedScalarFieldContainer[_request_pb2.RequestStatus]
    categories: _containers.RepeatedScalarFieldContainer[_request_pb2.Category]
    urgencies: _containers.RepeatedScalarFieldContainer[_request_pb2.Urgency]
    applicant_id: str
    building_id: str
    created_after: _timestamp_pb2.Timestamp
    created_before: _timestamp_pb2.Timestamp
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[_request_pb2.RequestStatus, str]]] = ..., categories: _Optional[_Iterable[_Union[_request_pb2.Category, str]]] = ..., urgencies: _Optional[_Iterable[_Union[_request_pb2.Urgency, str]]] = ..., applicant_id: _Optional[str] = ..., building_id: _Optional[str] = ..., created_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListRequestsResponse(_message.Message):
    __slots__ = ("requests", "next_page_token")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[_request_pb2.Request]
    next_page_token: str
    def __init__(self, requests: _Optional[_Iterable[_Union[_request_pb2.Request, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CountAddressReferencesRequest(_message.Message):
    __slots__ = ("yard_id", "building_id", "apartment_id")
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    APARTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    yard_id: str
    building_id: str
    apartment_id: str
    def __init__(self, yard_id: _Optional[str] = ..., building_id: _Optional[str] = ..., apartment_id: _Optional[str] = ...) -> None: ...

class CountAddressReferencesResponse(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: int
    def __init__(self, requests: _Optional[int] = ...) -> None: ...
