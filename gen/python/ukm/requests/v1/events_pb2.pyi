import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ukm.common.v1 import specialization_pb2 as _specialization_pb2
from ukm.requests.v1 import request_pb2 as _request_pb2
from ukm.requests.v1 import workflow_pb2 as _workflow_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SlaClock(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SLA_CLOCK_UNSPECIFIED: _ClassVar[SlaClock]
    SLA_CLOCK_RESPONSE: _ClassVar[SlaClock]
    SLA_CLOCK_RESOLUTION: _ClassVar[SlaClock]
SLA_CLOCK_UNSPECIFIED: SlaClock
SLA_CLOCK_RESPONSE: SlaClock
SLA_CLOCK_RESOLUTION: SlaClock

class RequestCreated(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class RequestStatusChanged(_message.Message):
    __slots__ = ("request", "from_status", "to_status", "action", "actor_id", "text")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    from_status: _request_pb2.RequestStatus
    to_status: _request_pb2.RequestStatus
    action: _workflow_pb2.TransitionAction
    actor_id: str
    text: str
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ..., from_status: _Optional[_Union[_request_pb2.RequestStatus, str]] = ..., to_status: _Optional[_Union[_request_pb2.RequestStatus, str]] = ..., action: _Optional[_Union[_workflow_pb2.TransitionAction, str]] = ..., actor_id: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class RequestAssigned(_message.Message):
    __slots__ = ("request", "executor_id", "specialization", "previous_executor_id", "assigned_by", "previous_specialization")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SPECIALIZATION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SPECIALIZATION_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    executor_id: str
    specialization: _specialization_pb2.Specialization
    previous_executor_id: str
    assigned_by: str
    previous_specialization: _specialization_pb2.Specialization
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ..., executor_id: _Optional[str] = ..., specialization: _Optional[_Union[_specialization_pb2.Specialization, str]] = ..., previous_executor_id: _Optional[str] = ..., assigned_by: _Optional[str] = ..., previous_specialization: _Optional[_Union[_specialization_pb2.Specialization, str]] = ...) -> None: ...

class RequestUnassigned(_message.Message):
    __slots__ = ("request", "executor_id", "reason", "action")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    executor_id: str
    reason: str
    action: _workflow_pb2.TransitionAction
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ..., executor_id: _Optional[str] = ..., reason: _Optional[str] = ..., action: _Optional[_Union[_workflow_pb2.TransitionAction, str]] = ...) -> None: ...

class RequestCommented(_message.Message):
    __slots__ = ("request", "comment", "action")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    comment: _workflow_pb2.Comment
    action: _workflow_pb2.TransitionAction
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ..., comment: _Optional[_Union[_workflow_pb2.Comment, _Mapping]] = ..., action: _Optional[_Union[_workflow_pb2.TransitionAction, str]] = ...) -> None: ...

class RequestRated(_message.Message):
    __slots__ = ("request", "rating", "executor_id")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    rating: _request_pb2.Rating
    executor_id: str
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ..., rating: _Optional[_Union[_request_pb2.Rating, _Mapping]] = ..., executor_id: _Optional[str] = ...) -> None: ...

class RequestUpdated(_message.Message):
    __slots__ = ("request", "changes", "updated_by", "reason")
    class ChangesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    changes: _containers.ScalarMap[str, str]
    updated_by: str
    reason: str
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ..., changes: _Optional[_Mapping[str, str]] = ..., updated_by: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class SlaWarning(_message.Message):
    __slots__ = ("request", "clock", "due_time")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    clock: SlaClock
    due_time: _timestamp_pb2.Timestamp
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ..., clock: _Optional[_Union[SlaClock, str]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SlaBreached(_message.Message):
    __slots__ = ("request", "clock", "due_time")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    clock: SlaClock
    due_time: _timestamp_pb2.Timestamp
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ..., clock: _Optional[_Union[SlaClock, str]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
