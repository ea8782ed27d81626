import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ukm.common.v1 import media_pb2 as _media_pb2
from ukm.users.v1 import user_pb2 as _user_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DocumentType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_TYPE_UNSPECIFIED: _ClassVar[DocumentType]
    DOCUMENT_TYPE_PASSPORT: _ClassVar[DocumentType]
    DOCUMENT_TYPE_PROPERTY_DEED: _ClassVar[DocumentType]
    DOCUMENT_TYPE_RENTAL_AGREEMENT: _ClassVar[DocumentType]
    DOCUMENT_TYPE_UTILITY_BILL: _ClassVar[DocumentType]
    DOCUMENT_TYPE_OTHER: _ClassVar[DocumentType]

class DocumentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_STATUS_UNSPECIFIED: _ClassVar[DocumentStatus]
    DOCUMENT_STATUS_SUBMITTED: _ClassVar[DocumentStatus]
    DOCUMENT_STATUS_ACCEPTED: _ClassVar[DocumentStatus]
    DOCUMENT_STATUS_REJECTED: _ClassVar[DocumentStatus]
    DOCUMENT_STATUS_DELETED: _ClassVar[DocumentStatus]
DOCUMENT_TYPE_UNSPECIFIED: DocumentType
DOCUMENT_TYPE_PASSPORT: DocumentType
DOCUMENT_TYPE_PROPERTY_DEED: DocumentType
DOCUMENT_TYPE_RENTAL_AGREEMENT: DocumentType
DOCUMENT_TYPE_UTILITY_BILL: DocumentType
DOCUMENT_TYPE_OTHER: DocumentType
DOCUMENT_STATUS_UNSPECIFIED: DocumentStatus
DOCUMENT_STATUS_SUBMITTED: DocumentStatus
DOCUMENT_STATUS_ACCEPTED: DocumentStatus
DOCUMENT_STATUS_REJECTED: DocumentStatus
DOCUMENT_STATUS_DELETED: DocumentStatus

class Document(_message.Message):
    __slots__ = ("id", "user_id", "type", "status", "media", "note", "review_reason", "reviewed_by", "submitted_at", "reviewed_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    REVIEW_REASON_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_BY_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    user_id: str
    type: DocumentType
    status: DocumentStatus
    media: _media_pb2.MediaRef
    note: str
    review_reason: str
    reviewed_by: str
    submitted_at: _timestamp_pb2.Timestamp
    reviewed_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., type: _Optional[_Union[DocumentType, str]] = ..., status: _Optional[_Union[DocumentStatus, str]] = ..., media: _Optional[_Union[_media_pb2.MediaRef, _Mapping]] = ..., note: _Optional[str] = ..., review_reason: _Optional[str] = ..., reviewed_by: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reviewed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Verification(_message.Message):
    __slots__ = ("user_id", "status", "requested_types", "request_comment", "requested_by", "documents", "decision_reason", "decided_by", "requested_at", "decided_at")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_TYPES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_COMMENT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    DECISION_REASON_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    status: _user_pb2.VerificationStatus
    requested_types: _containers.RepeatedScalarFieldContainer[DocumentType]
    request_comment: str
    requested_by: str
    documents: _containers.RepeatedCompositeFieldContainer[Document]
    decision_reason: str
    decided_by: str
    requested_at: _timestamp_pb2.Timestamp
    decided_at: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., status: _Optional[_Union[_user_pb2.VerificationStatus, str]] = ..., requested_types: _Optional[_Iterable[_Union[DocumentType, str]]] = ..., request_comment: _Optional[str] = ..., requested_by: _Optional[str] = ..., documents: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., decision_reason: _Optional[str] = ..., decided_by: _Optional[str] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RequestDocumentsRequest(_message.Message):
    __slots__ = ("user_id", "document_types", "comment")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    document_types: _containers.RepeatedScalarFieldContainer[DocumentType]
    comment: str
    def __init__(self, user_id: _Optional[str] = ..., document_types: _Optional[_Iterable[_Union[DocumentType, str]]] = ..., comment: _Optional[str] = ...) -> None: ...

class RequestDocumentsResponse(_message.Message):
    __slots__ = ("verification",)
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    verification: Verification
    def __init__(self, verification: _Optional[_Union[Verification, _Mapping]] = ...) -> None: ...

class SubmitDocumentRequest(_message.Message):
    __slots__ = ("type", "media", "note")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    type: DocumentType
    media: _media_pb2.MediaRef
    note: str
    def __init__(self, type: _Optional[_Union[DocumentType, str]] = ..., media: _Optional[_Union[_media_pb2.MediaRef, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class SubmitDocumentResponse(_message.Message):
    __slots__ = ("document",)
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: Document
    def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ...) -> None: ...

class ReviewDocumentRequest(_message.Message):
    __slots__ = ("document_id", "accept", "reason")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    accept: bool
    reason: str
    def __init__(self, document_id: _Optional[str] = ..., accept: bool = ..., reason: _Optional[str] = ...) -> None: ...

class ReviewDocumentResponse(_message.Message):
    __slots__ = ("document",)
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: Document
    def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ...) -> None: ...

class DecideVerificationRequest(_message.Message):
    __slots__ = ("user_id", "approve", "reason")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    approve: bool
    reason: str
    def __init__(self, user_id: _Optional[str] = ..., approve: bool = ..., reason: _Optional[str] = ...) -> None: ...

class DecideVerificationResponse(_message.Message):
    __slots__ = ("verification", "approved_binding_ids")
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BINDING_IDS_FIELD_NUMBER: _ClassVar[int]
    verification: Verification
    approved_binding_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, verification: _Optional[_Union[Verification, _Mapping]] = ..., approved_binding_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetVerificationRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class GetVerificationResponse(_message.Message):
    __slots__ = ("verification",)
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    verification: Verification
    def __init__(self, verification: _Optional[_Union[Verification, _Mapping]] = ...) -> None: ...

class ListPendingVerificationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPendingVerificationsResponse(_message.Message):
    __slots__ = ("verifications", "next_page_token")
    VERIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    verifications: _containers.RepeatedCompositeFieldContainer[Verification]
    next_page_token: str
    def __init__(self, verifications: _Optional[_Iterable[_Union[Verification, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
