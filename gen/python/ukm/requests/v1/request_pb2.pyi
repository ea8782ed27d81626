import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ukm.common.v1 import media_pb2 as _media_pb2
from ukm.common.v1 import specialization_pb2 as _specialization_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RequestStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REQUEST_STATUS_UNSPECIFIED: _ClassVar[RequestStatus]
    REQUEST_STATUS_NEW: _ClassVar[RequestStatus]
    REQUEST_STATUS_IN_PROGRESS: _ClassVar[RequestStatus]
    REQUEST_STATUS_PURCHASE: _ClassVar[RequestStatus]
    REQUEST_STATUS_CLARIFICATION: _ClassVar[RequestStatus]
    REQUEST_STATUS_COMPLETED: _ClassVar[RequestStatus]
    REQUEST_STATUS_CONFIRMED: _ClassVar[RequestStatus]
    REQUEST_STATUS_RETURNED: _ClassVar[RequestStatus]
    REQUEST_STATUS_ACCEPTED: _ClassVar[RequestStatus]
    REQUEST_STATUS_CANCELLED: _ClassVar[RequestStatus]

class Urgency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    URGENCY_UNSPECIFIED: _ClassVar[Urgency]
    URGENCY_LOW: _ClassVar[Urgency]
    URGENCY_MEDIUM: _ClassVar[Urgency]
    URGENCY_HIGH: _ClassVar[Urgency]
    URGENCY_CRITICAL: _ClassVar[Urgency]

class Category(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CATEGORY_UNSPECIFIED: _ClassVar[Category]
    CATEGORY_ELECTRICITY: _ClassVar[Category]
    CATEGORY_PLUMBING: _ClassVar[Category]
    CATEGORY_HEATING: _ClassVar[Category]
    CATEGORY_VENTILATION: _ClassVar[Category]
    CATEGORY_ELEVATOR: _ClassVar[Category]
    CATEGORY_CLEANING: _ClassVar[Category]
    CATEGORY_LANDSCAPING: _ClassVar[Category]
    CATEGORY_SECURITY: _ClassVar[Category]
    CATEGORY_INTERNET: _ClassVar[Category]
    CATEGORY_REPAIR: _ClassVar[Category]
    CATEGORY_OTHER: _ClassVar[Category]

class Source(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOURCE_UNSPECIFIED: _ClassVar[Source]
    SOURCE_BOT: _ClassVar[Source]
    SOURCE_WEB: _ClassVar[Source]
    SOURCE_API: _ClassVar[Source]
    SOURCE_CALL_CENTER: _ClassVar[Source]
    SOURCE_INSPECTOR: _ClassVar[Source]
    SOURCE_WEBHOOK: _ClassVar[Source]

class AddressLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ADDRESS_LEVEL_UNSPECIFIED: _ClassVar[AddressLevel]
    ADDRESS_LEVEL_YARD: _ClassVar[AddressLevel]
    ADDRESS_LEVEL_BUILDING: _ClassVar[AddressLevel]
    ADDRESS_LEVEL_APARTMENT: _ClassVar[AddressLevel]

class AcceptanceMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCEPTANCE_MODE_UNSPECIFIED: _ClassVar[AcceptanceMode]
    ACCEPTANCE_MODE_RESIDENT: _ClassVar[AcceptanceMode]
    ACCEPTANCE_MODE_MANAGER: _ClassVar[AcceptanceMode]

class AssignmentMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSIGNMENT_MODE_UNSPECIFIED: _ClassVar[AssignmentMode]
    ASSIGNMENT_MODE_INDIVIDUAL: _ClassVar[AssignmentMode]
    ASSIGNMENT_MODE_GROUP: _ClassVar[AssignmentMode]

class SlaState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SLA_STATE_UNSPECIFIED: _ClassVar[SlaState]
    SLA_STATE_ON_TRACK: _ClassVar[SlaState]
    SLA_STATE_WARNING: _ClassVar[SlaState]
    SLA_STATE_BREACHED: _ClassVar[SlaState]
    SLA_STATE_MET: _ClassVar[SlaState]
REQUEST_STATUS_UNSPECIFIED: RequestStatus
REQUEST_STATUS_NEW: RequestStatus
REQUEST_STATUS_IN_PROGRESS: RequestStatus
REQUEST_STATUS_PURCHASE: RequestStatus
REQUEST_STATUS_CLARIFICATION: RequestStatus
REQUEST_STATUS_COMPLETED: RequestStatus
REQUEST_STATUS_CONFIRMED: RequestStatus
REQUEST_STATUS_RETURNED: RequestStatus
REQUEST_STATUS_ACCEPTED: RequestStatus
REQUEST_STATUS_CANCELLED: RequestStatus
URGENCY_UNSPECIFIED: Urgency
URGENCY_LOW: Urgency
URGENCY_MEDIUM: Urgency
URGENCY_HIGH: Urgency
URGENCY_CRITICAL: Urgency
CATEGORY_UNSPECIFIED: Category
CATEGORY_ELECTRICITY: Category
CATEGORY_PLUMBING: Category
CATEGORY_HEATING: Category
CATEGORY_VENTILATION: Category
CATEGORY_ELEVATOR: Category
CATEGORY_CLEANING: Category
CATEGORY_LANDSCAPING: Category
CATEGORY_SECURITY: Category
CATEGORY_INTERNET: Category
CATEGORY_REPAIR: Category
CATEGORY_OTHER: Category
SOURCE_UNSPECIFIED: Source
SOURCE_BOT: Source
SOURCE_WEB: Source
SOURCE_API: Source
SOURCE_CALL_CENTER: Source
SOURCE_INSPECTOR: Source
SOURCE_WEBHOOK: Source
ADDRESS_LEVEL_UNSPECIFIED: AddressLevel
ADDRESS_LEVEL_YARD: AddressLevel
ADDRESS_LEVEL_BUILDING: AddressLevel
ADDRESS_LEVEL_APARTMENT: AddressLevel
ACCEPTANCE_MODE_UNSPECIFIED: AcceptanceMode
ACCEPTANCE_MODE_RESIDENT: AcceptanceMode
ACCEPTANCE_MODE_MANAGER: AcceptanceMode
ASSIGNMENT_MODE_UNSPECIFIED: AssignmentMode
ASSIGNMENT_MODE_INDIVIDUAL: AssignmentMode
ASSIGNMENT_MODE_GROUP: AssignmentMode
SLA_STATE_UNSPECIFIED: SlaState
SLA_STATE_ON_TRACK: SlaState
SLA_STATE_WARNING: SlaState
SLA_STATE_BREACHED: SlaState
SLA_STATE_MET: SlaState

class Address(_message.Message):
    __slots__ = ("level", "yard_id", "building_id", "apartment_id")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    APARTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    level: AddressLevel
    yard_id: str
    building_id: str
    apartment_id: str
    def __init__(self, level: _Optional[_Union[AddressLevel, str]] = ..., yard_id: _Optional[str] = ..., building_id: _Optional[str] = ..., apartment_id: _Optional[str] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("mode", "specialization", "executor_id", "assigned_by", "assign_time")
    MODE_FIELD_NUMBER: _ClassVar[int]
    SPECIALIZATION_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    ASSIGN_TIME_FIELD_NUMBER: _ClassVar[int]
    mode: AssignmentMode
    specialization: _specialization_pb2.Specialization
    executor_id: str
    assigned_by: str
    assign_time: _timestamp_pb2.Timestamp
    def __init__(self, mode: _Optional[_Union[AssignmentMode, str]] = ..., specialization: _Optional[_Union[_specialization_pb2.Specialization, str]] = ..., executor_id: _Optional[str] = ..., assigned_by: _Optional[str] = ..., assign_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MaterialItem(_message.Message):
    __slots__ = ("name", "quantity", "unit")
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    name: str
    quantity: str
    unit: str
    def __init__(self, name: _Optional[str] = ..., quantity: _Optional[str] = ..., unit: _Optional[str] = ...) -> None: ...

class Materials(_message.Message):
    __slots__ = ("items", "comment", "requested_by", "request_time")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_TIME_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[MaterialItem]
    comment: str
    requested_by: str
    request_time: _timestamp_pb2.Timestamp
    def __init__(self, items: _Optional[_Iterable[_Union[MaterialItem, _Mapping]]] = ..., comment: _Optional[str] = ..., requested_by: _Optional[str] = ..., request_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Completion(_message.Message):
    __slots__ = ("report", "media", "completed_by", "complete_time")
    REPORT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_BY_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    report: str
    media: _containers.RepeatedCompositeFieldContainer[_media_pb2.MediaRef]
    completed_by: str
    complete_time: _timestamp_pb2.Timestamp
    def __init__(self, report: _Optional[str] = ..., media: _Optional[_Iterable[_Union[_media_pb2.MediaRef, _Mapping]]] = ..., completed_by: _Optional[str] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReturnInfo(_message.Message):
    __slots__ = ("reason", "media", "returned_by", "return_time")
    REASON_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    RETURNED_BY_FIELD_NUMBER: _ClassVar[int]
    RETURN_TIME_FIELD_NUMBER: _ClassVar[int]
    reason: str
    media: _containers.RepeatedCompositeFieldContainer[_media_pb2.MediaRef]
    returned_by: str
    return_time: _timestamp_pb2.Timestamp
    def __init__(self, reason: _Optional[str] = ..., media: _Optional[_Iterable[_Union[_media_pb2.MediaRef, _Mapping]]] = ..., returned_by: _Optional[str] = ..., return_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ManagerConfirmation(_message.Message):
    __slots__ = ("confirmed_by", "notes", "confirm_time")
    CONFIRMED_BY_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_TIME_FIELD_NUMBER: _ClassVar[int]
    confirmed_by: str
    notes: str
    confirm_time: _timestamp_pb2.Timestamp
    def __init__(self, confirmed_by: _Optional[str] = ..., notes: _Optional[str] = ..., confirm_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Rating(_message.Message):
    __slots__ = ("stars", "review", "rate_time")
    STARS_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    RATE_TIME_FIELD_NUMBER: _ClassVar[int]
    stars: int
    review: str
    rate_time: _timestamp_pb2.Timestamp
    def __init__(self, stars: _Optional[int] = ..., review: _Optional[str] = ..., rate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Cancellation(_message.Message):
    __slots__ = ("reason", "cancelled_by", "cancel_time")
    REASON_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_BY_FIELD_NUMBER: _ClassVar[int]
    CANCEL_TIME_FIELD_NUMBER: _ClassVar[int]
    reason: str
    cancelled_by: str
    cancel_time: _timestamp_pb2.Timestamp
    def __init__(self, reason: _Optional[str] = ..., cancelled_by: _Optional[str] = ..., cancel_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Sla(_message.Message):
    __slots__ = ("response_due_time", "resolution_due_time", "respond_time", "resolve_time", "response_state", "resolution_state", "paused")
    RESPONSE_DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESPOND_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_STATE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_STATE_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    response_due_time: _timestamp_pb2.Timestamp
    resolution_due_time: _timestamp_pb2.Timestamp
    respond_time: _timestamp_pb2.Timestamp
    resolve_time: _timestamp_pb2.Timestamp
    response_state: SlaState
    resolution_state: SlaState
    paused: bool
    def __init__(self, response_due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolution_due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., respond_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., response_state: _Optional[_Union[SlaState, str]] = ..., resolution_state: _Optional[_Union[SlaState, str]] = ..., paused: bool = ...) -> None: ...

class Request(_message.Message):
    __slots__ = ("request_number", "status", "applicant_id", "category", "description", "urgency", "address", "source", "media", "acceptance_mode", "executor_id", "assignment", "materials", "completion", "return_info", "manager_confirmation", "rating", "cancellation", "sla", "create_time", "update_time", "accept_time", "version")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    ACCEPTANCE_MODE_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_FIELD_NUMBER: _ClassVar[int]
    RETURN_INFO_FIELD_NUMBER: _ClassVar[int]
    MANAGER_CONFIRMATION_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_FIELD_NUMBER: _ClassVar[int]
    SLA_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_TIME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    status: RequestStatus
    applicant_id: str
    category: Category
    description: str
    urgency: Urgency
    address: Address
    source: Source
    media: _containers.RepeatedCompositeFieldContainer[_media_pb2.MediaRef]
    acceptance_mode: AcceptanceMode
    executor_id: str
    assignment: Assignment
    materials: Materials
    completion: Completion
    return_info: ReturnInfo
    manager_confirmation: ManagerConfirmation
    rating: Rating
    cancellation: Cancellation
    sla: Sla
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    accept_time: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, request_number: _Optional[str] = ..., status: _Optional[_Union[RequestStatus, str]] = ..., applicant_id: _Optional[str] = ..., category: _Optional[_Union[Category, str]] = ..., description: _Optional[str] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., address: _Optional[_Union[Address, _Mapping]] = ..., source: _Optional[_Union[Source, str]] = ..., media: _Optional[_Iterable[_Union[_media_pb2.MediaRef, _Mapping]]] = ..., acceptance_mode: _Optional[_Union[AcceptanceMode, str]] = ..., executor_id: _Optional[str] = ..., assignment: _Optional[_Union[Assignment, _Mapping]] = ..., materials: _Optional[_Union[Materials, _Mapping]] = ..., completion: _Optional[_Union[Completion, _Mapping]] = ..., return_info: _Optional[_Union[ReturnInfo, _Mapping]] = ..., manager_confirmation: _Optional[_Union[ManagerConfirmation, _Mapping]] = ..., rating: _Optional[_Union[Rating, _Mapping]] = ..., cancellation: _Optional[_Union[Cancellation, _Mapping]] = ..., sla: _Optional[_Union[Sla, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., accept_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...
