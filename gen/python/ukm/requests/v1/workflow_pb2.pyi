import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ukm.common.v1 import media_pb2 as _media_pb2
from ukm.common.v1 import specialization_pb2 as _specialization_pb2
from ukm.requests.v1 import request_pb2 as _request_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TransitionAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSITION_ACTION_UNSPECIFIED: _ClassVar[TransitionAction]
    TRANSITION_ACTION_DISPATCH_ASSIGN: _ClassVar[TransitionAction]
    TRANSITION_ACTION_ASSIGN_GROUP: _ClassVar[TransitionAction]
    TRANSITION_ACTION_MANAGER_ASSIGN: _ClassVar[TransitionAction]
    TRANSITION_ACTION_EXECUTOR_CLAIM: _ClassVar[TransitionAction]
    TRANSITION_ACTION_EXECUTOR_PURCHASE: _ClassVar[TransitionAction]
    TRANSITION_ACTION_MANAGER_PURCHASE: _ClassVar[TransitionAction]
    TRANSITION_ACTION_PURCHASE_DONE: _ClassVar[TransitionAction]
    TRANSITION_ACTION_CLARIFY: _ClassVar[TransitionAction]
    TRANSITION_ACTION_CLARIFY_ANSWER: _ClassVar[TransitionAction]
    TRANSITION_ACTION_CLARIFY_RESOLVED: _ClassVar[TransitionAction]
    TRANSITION_ACTION_EXECUTOR_RESUME: _ClassVar[TransitionAction]
    TRANSITION_ACTION_EXECUTOR_COMPLETE: _ClassVar[TransitionAction]
    TRANSITION_ACTION_MANAGER_COMPLETE: _ClassVar[TransitionAction]
    TRANSITION_ACTION_MANAGER_CONFIRM: _ClassVar[TransitionAction]
    TRANSITION_ACTION_RETURN_TO_WORK: _ClassVar[TransitionAction]
    TRANSITION_ACTION_APPLICANT_ACCEPT: _ClassVar[TransitionAction]
    TRANSITION_ACTION_APPLICANT_RETURN: _ClassVar[TransitionAction]
    TRANSITION_ACTION_MANAGER_FORCE_ACCEPT: _ClassVar[TransitionAction]
    TRANSITION_ACTION_CANCEL: _ClassVar[TransitionAction]
    TRANSITION_ACTION_RELEASE_TO_POOL: _ClassVar[TransitionAction]

class CommentKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMMENT_KIND_UNSPECIFIED: _ClassVar[CommentKind]
    COMMENT_KIND_STATUS_CHANGE: _ClassVar[CommentKind]
    COMMENT_KIND_CLARIFICATION: _ClassVar[CommentKind]
    COMMENT_KIND_PURCHASE: _ClassVar[CommentKind]
    COMMENT_KIND_REPORT: _ClassVar[CommentKind]
    COMMENT_KIND_MATERIAL: _ClassVar[CommentKind]
    COMMENT_KIND_NOTE: _ClassVar[CommentKind]
TRANSITION_ACTION_UNSPECIFIED: TransitionAction
TRANSITION_ACTION_DISPATCH_ASSIGN: TransitionAction
TRANSITION_ACTION_ASSIGN_GROUP: TransitionAction
TRANSITION_ACTION_MANAGER_ASSIGN: TransitionAction
TRANSITION_ACTION_EXECUTOR_CLAIM: TransitionAction
TRANSITION_ACTION_EXECUTOR_PURCHASE: TransitionAction
TRANSITION_ACTION_MANAGER_PURCHASE: TransitionAction
TRANSITION_ACTION_PURCHASE_DONE: TransitionAction
TRANSITION_ACTION_CLARIFY: TransitionAction
TRANSITION_ACTION_CLARIFY_ANSWER: TransitionAction
TRANSITION_ACTION_CLARIFY_RESOLVED: TransitionAction
TRANSITION_ACTION_EXECUTOR_RESUME: TransitionAction
TRANSITION_ACTION_EXECUTOR_COMPLETE: TransitionAction
TRANSITION_ACTION_MANAGER_COMPLETE: TransitionAction
TRANSITION_ACTION_MANAGER_CONFIRM: TransitionAction
TRANSITION_ACTION_RETURN_TO_WORK: TransitionAction
TRANSITION_ACTION_APPLICANT_ACCEPT: TransitionAction
TRANSITION_ACTION_APPLICANT_RETURN: TransitionAction
TRANSITION_ACTION_MANAGER_FORCE_ACCEPT: TransitionAction
TRANSITION_ACTION_CANCEL: TransitionAction
TRANSITION_ACTION_RELEASE_TO_POOL: TransitionAction
COMMENT_KIND_UNSPECIFIED: CommentKind
COMMENT_KIND_STATUS_CHANGE: CommentKind
COMMENT_KIND_CLARIFICATION: CommentKind
COMMENT_KIND_PURCHASE: CommentKind
COMMENT_KIND_REPORT: CommentKind
COMMENT_KIND_MATERIAL: CommentKind
COMMENT_KIND_NOTE: CommentKind

class TransitionPayload(_message.Message):
    __slots__ = ("executor_id", "specialization", "materials", "text", "media", "rating", "review")
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SPECIALIZATION_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    executor_id: str
    specialization: _specialization_pb2.Specialization
    materials: _containers.RepeatedCompositeFieldContainer[_request_pb2.MaterialItem]
    text: str
    media: _containers.RepeatedCompositeFieldContainer[_media_pb2.MediaRef]
    rating: int
    review: str
    def __init__(self, executor_id: _Optional[str] = ..., specialization: _Optional[_Union[_specialization_pb2.Specialization, str]] = ..., materials: _Optional[_Iterable[_Union[_request_pb2.MaterialItem, _Mapping]]] = ..., text: _Optional[str] = ..., media: _Optional[_Iterable[_Union[_media_pb2.MediaRef, _Mapping]]] = ..., rating: _Optional[int] = ..., review: _Optional[str] = ...) -> None: ...

class Comment(_message.Message):
    __slots__ = ("id", "request_number", "author_id", "kind", "text", "internal", "media", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    request_number: str
    author_id: str
    kind: CommentKind
    text: str
    internal: bool
    media: _containers.RepeatedCompositeFieldContainer[_media_pb2.MediaRef]
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., request_number: _Optional[str] = ..., author_id: _Optional[str] = ..., kind: _Optional[_Union[CommentKind, str]] = ..., text: _Optional[str] = ..., internal: bool = ..., media: _Optional[_Iterable[_Union[_media_pb2.MediaRef, _Mapping]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HistoryEntry(_message.Message):
    __slots__ = ("version", "actor_id", "action", "from_status", "to_status", "reason", "change", "details", "occur_time")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    version: int
    actor_id: str
    action: TransitionAction
    from_status: _request_pb2.RequestStatus
    to_status: _request_pb2.RequestStatus
    reason: str
    change: str
    details: _containers.ScalarMap[str, str]
    occur_time: _timestamp_pb2.Timestamp
    def __init__(self, version: _Optional[int] = ..., actor_id: _Optional[str] = ..., action: _Optional[_Union[TransitionAction, str]] = ..., from_status: _Optional[_Union[_request_pb2.RequestStatus, str]] = ..., to_status: _Optional[_Union[_request_pb2.RequestStatus, str]] = ..., reason: _Optional[str] = ..., change: _Optional[str] = ..., details: _Optional[_Mapping[str, str]] = ..., occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
