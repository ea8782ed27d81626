import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ukm.common.v1 import specialization_pb2 as _specialization_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ShiftStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHIFT_STATUS_UNSPECIFIED: _ClassVar[ShiftStatus]
    SHIFT_STATUS_PLANNED: _ClassVar[ShiftStatus]
    SHIFT_STATUS_ACTIVE: _ClassVar[ShiftStatus]
    SHIFT_STATUS_PAUSED: _ClassVar[ShiftStatus]
    SHIFT_STATUS_COMPLETED: _ClassVar[ShiftStatus]
    SHIFT_STATUS_CANCELLED: _ClassVar[ShiftStatus]

class ShiftType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHIFT_TYPE_UNSPECIFIED: _ClassVar[ShiftType]
    SHIFT_TYPE_REGULAR: _ClassVar[ShiftType]
    SHIFT_TYPE_EMERGENCY: _ClassVar[ShiftType]
    SHIFT_TYPE_OVERTIME: _ClassVar[ShiftType]
    SHIFT_TYPE_MAINTENANCE: _ClassVar[ShiftType]
SHIFT_STATUS_UNSPECIFIED: ShiftStatus
SHIFT_STATUS_PLANNED: ShiftStatus
SHIFT_STATUS_ACTIVE: ShiftStatus
SHIFT_STATUS_PAUSED: ShiftStatus
SHIFT_STATUS_COMPLETED: ShiftStatus
SHIFT_STATUS_CANCELLED: ShiftStatus
SHIFT_TYPE_UNSPECIFIED: ShiftType
SHIFT_TYPE_REGULAR: ShiftType
SHIFT_TYPE_EMERGENCY: ShiftType
SHIFT_TYPE_OVERTIME: ShiftType
SHIFT_TYPE_MAINTENANCE: ShiftType

class Shift(_message.Message):
    __slots__ = ("id", "executor_id", "status", "type", "specializations", "yard_ids", "building_ids", "capacity", "planned_start_time", "planned_end_time", "start_time", "end_time", "template_id", "note", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SPECIALIZATIONS_FIELD_NUMBER: _ClassVar[int]
    YARD_IDS_FIELD_NUMBER: _ClassVar[int]
    BUILDING_IDS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    PLANNED_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PLANNED_END_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    executor_id: str
    status: ShiftStatus
    type: ShiftType
    specializations: _containers.RepeatedScalarFieldContainer[_specialization_pb2.Specialization]
    yard_ids: _containers.RepeatedScalarFieldContainer[str]
    building_ids: _containers.RepeatedScalarFieldContainer[str]
    capacity: int
    planned_start_time: _timestamp_pb2.Timestamp
    planned_end_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    template_id: str
    note: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., executor_id: _Optional[str] = ..., status: _Optional[_Union[ShiftStatus, str]] = ..., type: _Optional[_Union[ShiftType, str]] = ..., specializations: _Optional[_Iterable[_Union[_specialization_pb2.Specialization, str]]] = ..., yard_ids: _Optional[_Iterable[str]] = ..., building_ids: _Optional[_Iterable[str]] = ..., capacity: _Optional[int] = ..., planned_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., planned_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., template_id: _Optional[str] = ..., note: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
