from ukm.requests.v1 import request_pb2 as _request_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RequestCreated(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...
