import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ukm.users.v1 import directory_pb2 as _directory_pb2
from ukm.users.v1 import user_pb2 as _user_pb2
from ukm.users.v1 import verification_service_pb2 as _verification_service_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UserRegistered(_message.Message):
    __slots__ = ("user_id", "roles", "channel")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    roles: _containers.RepeatedScalarFieldContainer[_user_pb2.Role]
    channel: str
    def __init__(self, user_id: _Optional[str] = ..., roles: _Optional[_Iterable[_Union[_user_pb2.Role, str]]] = ..., channel: _Optional[str] = ...) -> None: ...

class UserApproved(_message.Message):
    __slots__ = ("user_id", "approved_by")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    approved_by: str
    def __init__(self, user_id: _Optional[str] = ..., approved_by: _Optional[str] = ...) -> None: ...

class UserBlocked(_message.Message):
    __slots__ = ("user_id", "blocked_by", "reason")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    blocked_by: str
    reason: str
    def __init__(self, user_id: _Optional[str] = ..., blocked_by: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class UserUnblocked(_message.Message):
    __slots__ = ("user_id", "unblocked_by", "reason")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    UNBLOCKED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    unblocked_by: str
    reason: str
    def __init__(self, user_id: _Optional[str] = ..., unblocked_by: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class UserRolesChanged(_message.Message):
    __slots__ = ("user_id", "roles", "changed_by")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    CHANGED_BY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    roles: _containers.RepeatedScalarFieldContainer[_user_pb2.Role]
    changed_by: str
    def __init__(self, user_id: _Optional[str] = ..., roles: _Optional[_Iterable[_Union[_user_pb2.Role, str]]] = ..., changed_by: _Optional[str] = ...) -> None: ...

class InviteRedeemed(_message.Message):
    __slots__ = ("user_id", "invite_id", "role", "created_by")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    INVITE_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    invite_id: str
    role: _user_pb2.Role
    created_by: str
    def __init__(self, user_id: _Optional[str] = ..., invite_id: _Optional[str] = ..., role: _Optional[_Union[_user_pb2.Role, str]] = ..., created_by: _Optional[str] = ...) -> None: ...

class UserAnonymized(_message.Message):
    __slots__ = ("user_id", "requested_by")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    requested_by: str
    def __init__(self, user_id: _Optional[str] = ..., requested_by: _Optional[str] = ...) -> None: ...

class VerificationRequested(_message.Message):
    __slots__ = ("user_id", "document_types", "comment", "requested_by")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    document_types: _containers.RepeatedScalarFieldContainer[_verification_service_pb2.DocumentType]
    comment: str
    requested_by: str
    def __init__(self, user_id: _Optional[str] = ..., document_types: _Optional[_Iterable[_Union[_verification_service_pb2.DocumentType, str]]] = ..., comment: _Optional[str] = ..., requested_by: _Optional[str] = ...) -> None: ...

class DocumentSubmitted(_message.Message):
    __slots__ = ("user_id", "document_id", "type")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    document_id: str
    type: _verification_service_pb2.DocumentType
    def __init__(self, user_id: _Optional[str] = ..., document_id: _Optional[str] = ..., type: _Optional[_Union[_verification_service_pb2.DocumentType, str]] = ...) -> None: ...

class DocumentReviewed(_message.Message):
    __slots__ = ("user_id", "document_id", "accepted", "reason")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    document_id: str
    accepted: bool
    reason: str
    def __init__(self, user_id: _Optional[str] = ..., document_id: _Optional[str] = ..., accepted: bool = ..., reason: _Optional[str] = ...) -> None: ...

class VerificationDecided(_message.Message):
    __slots__ = ("user_id", "approved", "reason", "decided_by", "approved_binding_ids", "decided_at")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BINDING_IDS_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    approved: bool
    reason: str
    decided_by: str
    approved_binding_ids: _containers.RepeatedScalarFieldContainer[str]
    decided_at: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., approved: bool = ..., reason: _Optional[str] = ..., decided_by: _Optional[str] = ..., approved_binding_ids: _Optional[_Iterable[str]] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ApartmentBindingRequested(_message.Message):
    __slots__ = ("binding",)
    BINDING_FIELD_NUMBER: _ClassVar[int]
    binding: _directory_pb2.ApartmentBinding
    def __init__(self, binding: _Optional[_Union[_directory_pb2.ApartmentBinding, _Mapping]] = ...) -> None: ...

class ApartmentBindingDecided(_message.Message):
    __slots__ = ("binding",)
    BINDING_FIELD_NUMBER: _ClassVar[int]
    binding: _directory_pb2.ApartmentBinding
    def __init__(self, binding: _Optional[_Union[_directory_pb2.ApartmentBinding, _Mapping]] = ...) -> None: ...

class YardGrantChanged(_message.Message):
    __slots__ = ("grant", "revoked")
    GRANT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    grant: _directory_pb2.YardGrant
    revoked: bool
    def __init__(self, grant: _Optional[_Union[_directory_pb2.YardGrant, _Mapping]] = ..., revoked: bool = ...) -> None: ...
