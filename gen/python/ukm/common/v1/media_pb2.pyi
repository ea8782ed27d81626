from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MediaKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEDIA_KIND_UNSPECIFIED: _ClassVar[MediaKind]
    MEDIA_KIND_PHOTO: _ClassVar[MediaKind]
    MEDIA_KIND_VIDEO: _ClassVar[MediaKind]
    MEDIA_KIND_DOCUMENT: _ClassVar[MediaKind]
MEDIA_KIND_UNSPECIFIED: MediaKind
MEDIA_KIND_PHOTO: MediaKind
MEDIA_KIND_VIDEO: MediaKind
MEDIA_KIND_DOCUMENT: MediaKind

class MediaRef(_message.Message):
    __slots__ = ("kind", "media_id", "telegram_file_id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    TELEGRAM_FILE_ID_FIELD_NUMBER: _ClassVar[int]
    kind: MediaKind
    media_id: str
    telegram_file_id: str
    def __init__(self, kind: _Optional[_Union[MediaKind, str]] = ..., media_id: _Optional[str] = ..., telegram_file_id: _Optional[str] = ...) -> None: ...
