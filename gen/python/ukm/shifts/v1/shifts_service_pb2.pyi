import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ukm.common.v1 import specialization_pb2 as _specialization_pb2
from ukm.shifts.v1 import shift_pb2 as _shift_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StartShiftRequest(_message.Message):
    __slots__ = ("specializations", "type", "planned_end_time", "note")
    SPECIALIZATIONS_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PLANNED_END_TIME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    specializations: _containers.RepeatedScalarFieldContainer[_specialization_pb2.Specialization]
    type: _shift_pb2.ShiftType
    planned_end_time: _timestamp_pb2.Timestamp
    note: str
    def __init__(self, specializations: _Optional[_Iterable[_Union[_specialization_pb2.Specialization, str]]] = ..., type: _Optional[_Union[_shift_pb2.ShiftType, str]] = ..., planned_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class StartShiftResponse(_message.Message):
    __slots__ = ("shift",)
    SHIFT_FIELD_NUMBER: _ClassVar[int]
    shift: _shift_pb2.Shift
    def __init__(self, shift: _Optional[_Union[_shift_pb2.Shift, _Mapping]] = ...) -> None: ...

class EndShiftRequest(_message.Message):
    __slots__ = ("shift_id", "note")
    SHIFT_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    shift_id: str
    note: str
    def __init__(self, shift_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class EndShiftResponse(_message.Message):
    __slots__ = ("shift",)
    SHIFT_FIELD_NUMBER: _ClassVar[int]
    shift: _shift_pb2.Shift
    def __init__(self, shift: _Optional[_Union[_shift_pb2.Shift, _Mapping]] = ...) -> None: ...

class ListActiveShiftsRequest(_message.Message):
    __slots__ = ("executor_id", "specialization")
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SPECIALIZATION_FIELD_NUMBER: _ClassVar[int]
    executor_id: str
    specialization: _specialization_pb2.Specialization
    def __init__(self, executor_id: _Optional[str] = ..., specialization: _Optional[_Union[_specialization_pb2.Specialization, str]] = ...) -> None: ...

class ListActiveShiftsResponse(_message.Message):
    __slots__ = ("shifts",)
    SHIFTS_FIELD_NUMBER: _ClassVar[int]
    shifts: _containers.RepeatedCompositeFieldContainer[_shift_pb2.Shift]
    def __init__(self, shifts: _Optional[_Iterable[_Union[_shift_pb2.Shift, _Mapping]]] = ...) -> None: ...

class ListShiftsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "executor_id", "started_after", "started_before")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AFTER_FIELD_NUMBER: _ClassVar[int]
    STARTED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    executor_id: str
    started_after: _timestamp_pb2.Timestamp
    started_before: _timestamp_pb2.Timestamp
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., executor_id: _Optional[str] = ..., started_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListShiftsResponse(_message.Message):
    __slots__ = ("shifts", "next_page_token")
    SHIFTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    shifts: _containers.RepeatedCompositeFieldContainer[_shift_pb2.Shift]
    next_page_token: str
    def __init__(self, shifts: _Optional[_Iterable[_Union[_shift_pb2.Shift, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetOnDutyRequest(_message.Message):
    __slots__ = ("executor_id",)
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    executor_id: str
    def __init__(self, executor_id: _Optional[str] = ...) -> None: ...

class GetOnDutyResponse(_message.Message):
    __slots__ = ("shift", "executor_specializations")
    SHIFT_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_SPECIALIZATIONS_FIELD_NUMBER: _ClassVar[int]
    shift: _shift_pb2.Shift
    executor_specializations: _containers.RepeatedScalarFieldContainer[_specialization_pb2.Specialization]
    def __init__(self, shift: _Optional[_Union[_shift_pb2.Shift, _Mapping]] = ..., executor_specializations: _Optional[_Iterable[_Union[_specialization_pb2.Specialization, str]]] = ...) -> None: ...
