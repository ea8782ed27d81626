from ukm.shifts.v1 import shift_pb2 as _shift_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ShiftStarted(_message.Message):
    __slots__ = ("shift",)
    SHIFT_FIELD_NUMBER: _ClassVar[int]
    shift: _shift_pb2.Shift
    def __init__(self, shift: _Optional[_Union[_shift_pb2.Shift, _Mapping]] = ...) -> None: ...

class ShiftEnded(_message.Message):
    __slots__ = ("shift", "ended_by")
    SHIFT_FIELD_NUMBER: _ClassVar[int]
    ENDED_BY_FIELD_NUMBER: _ClassVar[int]
    shift: _shift_pb2.Shift
    ended_by: str
    def __init__(self, shift: _Optional[_Union[_shift_pb2.Shift, _Mapping]] = ..., ended_by: _Optional[str] = ...) -> None: ...
