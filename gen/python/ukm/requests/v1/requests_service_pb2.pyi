import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ukm.common.v1 import media_pb2 as _media_pb2
from ukm.common.v1 import specialization_pb2 as _specialization_pb2
from ukm.requests.v1 import request_pb2 as _request_pb2
from ukm.requests.v1 import workflow_pb2 as _workflow_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RequestView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REQUEST_VIEW_UNSPECIFIED: _ClassVar[RequestView]
    REQUEST_VIEW_MINE: _ClassVar[RequestView]
    REQUEST_VIEW_POOL: _ClassVar[RequestView]
REQUEST_VIEW_UNSPECIFIED: RequestView
REQUEST_VIEW_MINE: RequestView
REQUEST_VIEW_POOL: RequestView

class AddressInput(_message.Message):
    __slots__ = ("level", "yard_id", "building_id", "apartment_id")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    APARTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    level: _request_pb2.AddressLevel
    yard_id: str
    building_id: str
    apartment_id: str
    def __init__(self, level: _Optional[_Union[_request_pb2.AddressLevel, str]] = ..., yard_id: _Optional[str] = ..., building_id: _Optional[str] = ..., apartment_id: _Optional[str] = ...) -> None: ...

class CreateRequestRequest(_message.Message):
    __slots__ = ("category", "description", "urgency", "address", "source", "media", "acceptance_mode", "applicant_id", "idempotency_key")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    ACCEPTANCE_MODE_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    category: _request_pb2.Category
    description: str
    urgency: _request_pb2.Urgency
    address: AddressInput
    source: _request_pb2.Source
    media: _containers.RepeatedCompositeFieldContainer[_media_pb2.MediaRef]
    acceptance_mode: _request_pb2.AcceptanceMode
    applicant_id: str
    idempotency_key: str
    def __init__(self, category: _Optional[_Union[_request_pb2.Category, str]] = ..., description: _Optional[str] = ..., urgency: _Optional[_Union[_request_pb2.Urgency, str]] = ..., address: _Optional[_Union[AddressInput, _Mapping]] = ..., source: _Optional[_Union[_request_pb2.Source, str]] = ..., media: _Optional[_Iterable[_Union[_media_pb2.MediaRef, _Mapping]]] = ..., acceptance_mode: _Optional[_Union[_request_pb2.AcceptanceMode, str]] = ..., applicant_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class GetRequestRequest(_message.Message):
    __slots__ = ("request_number",)
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    def __init__(self, request_number: _Optional[str] = ...) -> None: ...

class GetRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class ListRequestsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "statuses", "categories", "urgencies", "applicant_id", "building_id", "created_after", "created_before", "executor_id", "yard_id", "sla_states", "text", "view")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    URGENCIES_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AFTER_FIELD_NUMBER: _ClassVar[int]
    CREATED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    SLA_STATES_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    statuses: _containers.RepeatedScalarFieldContainer[_request_pb2.RequestStatus]
    categories: _containers.RepeatedScalarFieldContainer[_request_pb2.Category]
    urgencies: _containers.RepeatedScalarFieldContainer[_request_pb2.Urgency]
    applicant_id: str
    building_id: str
    created_after: _timestamp_pb2.Timestamp
    created_before: _timestamp_pb2.Timestamp
    executor_id: str
    yard_id: str
    sla_states: _containers.RepeatedScalarFieldContainer[_request_pb2.SlaState]
    text: str
    view: RequestView
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[_request_pb2.RequestStatus, str]]] = ..., categories: _Optional[_Iterable[_Union[_request_pb2.Category, str]]] = ..., urgencies: _Optional[_Iterable[_Union[_request_pb2.Urgency, str]]] = ..., applicant_id: _Optional[str] = ..., building_id: _Optional[str] = ..., created_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., executor_id: _Optional[str] = ..., yard_id: _Optional[str] = ..., sla_states: _Optional[_Iterable[_Union[_request_pb2.SlaState, str]]] = ..., text: _Optional[str] = ..., view: _Optional[_Union[RequestView, str]] = ...) -> None: ...

class ListRequestsResponse(_message.Message):
    __slots__ = ("requests", "next_page_token")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[_request_pb2.Request]
    next_page_token: str
    def __init__(self, requests: _Optional[_Iterable[_Union[_request_pb2.Request, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CountAddressReferencesRequest(_message.Message):
    __slots__ = ("yard_id", "building_id", "apartment_id")
    YARD_ID_FIELD_NUMBER: _ClassVar[int]
    BUILDING_ID_FIELD_NUMBER: _ClassVar[int]
    APARTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    yard_id: str
    building_id: str
    apartment_id: str
    def __init__(self, yard_id: _Optional[str] = ..., building_id: _Optional[str] = ..., apartment_id: _Optional[str] = ...) -> None: ...

class CountAddressReferencesResponse(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: int
    def __init__(self, requests: _Optional[int] = ...) -> None: ...

class AssignRequestRequest(_message.Message):
    __slots__ = ("request_number", "expected_version", "executor_id", "specialization")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SPECIALIZATION_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    executor_id: str
    specialization: _specialization_pb2.Specialization
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ..., executor_id: _Optional[str] = ..., specialization: _Optional[_Union[_specialization_pb2.Specialization, str]] = ...) -> None: ...

class AssignRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class ClaimRequestRequest(_message.Message):
    __slots__ = ("request_number", "expected_version")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class ClaimRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class PurchaseMaterialsRequest(_message.Message):
    __slots__ = ("request_number", "expected_version", "materials", "comment")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    materials: _containers.RepeatedCompositeFieldContainer[_request_pb2.MaterialItem]
    comment: str
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ..., materials: _Optional[_Iterable[_Union[_request_pb2.MaterialItem, _Mapping]]] = ..., comment: _Optional[str] = ...) -> None: ...

class PurchaseMaterialsResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class FinishPurchaseRequest(_message.Message):
    __slots__ = ("request_number", "expected_version", "comment")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    comment: str
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class FinishPurchaseResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class ClarifyRequestRequest(_message.Message):
    __slots__ = ("request_number", "expected_version", "question")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    question: str
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ..., question: _Optional[str] = ...) -> None: ...

class ClarifyRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class AnswerClarificationRequest(_message.Message):
    __slots__ = ("request_number", "expected_version", "answer", "media")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    answer: str
    media: _containers.RepeatedCompositeFieldContainer[_media_pb2.MediaRef]
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ..., answer: _Optional[str] = ..., media: _Optional[_Iterable[_Union[_media_pb2.MediaRef, _Mapping]]] = ...) -> None: ...

class AnswerClarificationResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class ResolveClarificationRequest(_message.Message):
    __slots__ = ("request_number", "expected_version")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class ResolveClarificationResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class ResumeRequestRequest(_message.Message):
    __slots__ = ("request_number", "expected_version")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class ResumeRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class CompleteRequestRequest(_message.Message):
    __slots__ = ("request_number", "expected_version", "report", "media")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    report: str
    media: _containers.RepeatedCompositeFieldContainer[_media_pb2.MediaRef]
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ..., report: _Optional[str] = ..., media: _Optional[_Iterable[_Union[_media_pb2.MediaRef, _Mapping]]] = ...) -> None: ...

class CompleteRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class ConfirmRequestRequest(_message.Message):
    __slots__ = ("request_number", "expected_version", "notes")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    notes: str
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ..., notes: _Optional[str] = ...) -> None: ...

class ConfirmRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class ReturnRequestRequest(_message.Message):
    __slots__ = ("request_number", "expected_version", "reason", "media")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    reason: str
    media: _containers.RepeatedCompositeFieldContainer[_media_pb2.MediaRef]
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ..., reason: _Optional[str] = ..., media: _Optional[_Iterable[_Union[_media_pb2.MediaRef, _Mapping]]] = ...) -> None: ...

class ReturnRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class AcceptRequestRequest(_message.Message):
    __slots__ = ("request_number", "expected_version", "rating", "review", "comment")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    rating: int
    review: str
    comment: str
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ..., rating: _Optional[int] = ..., review: _Optional[str] = ..., comment: _Optional[str] = ...) -> None: ...

class AcceptRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class CancelRequestRequest(_message.Message):
    __slots__ = ("request_number", "expected_version", "reason")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    reason: str
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class TransitionRequest(_message.Message):
    __slots__ = ("request_number", "expected_version", "action", "payload")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    action: _workflow_pb2.TransitionAction
    payload: _workflow_pb2.TransitionPayload
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ..., action: _Optional[_Union[_workflow_pb2.TransitionAction, str]] = ..., payload: _Optional[_Union[_workflow_pb2.TransitionPayload, _Mapping]] = ...) -> None: ...

class TransitionResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class UpdateRequestRequest(_message.Message):
    __slots__ = ("request_number", "expected_version", "urgency", "category", "description", "reason")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    expected_version: int
    urgency: _request_pb2.Urgency
    category: _request_pb2.Category
    description: str
    reason: str
    def __init__(self, request_number: _Optional[str] = ..., expected_version: _Optional[int] = ..., urgency: _Optional[_Union[_request_pb2.Urgency, str]] = ..., category: _Optional[_Union[_request_pb2.Category, str]] = ..., description: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class UpdateRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _request_pb2.Request
    def __init__(self, request: _Optional[_Union[_request_pb2.Request, _Mapping]] = ...) -> None: ...

class AddCommentRequest(_message.Message):
    __slots__ = ("request_number", "kind", "text", "internal", "media")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    kind: _workflow_pb2.CommentKind
    text: str
    internal: bool
    media: _containers.RepeatedCompositeFieldContainer[_media_pb2.MediaRef]
    def __init__(self, request_number: _Optional[str] = ..., kind: _Optional[_Union[_workflow_pb2.CommentKind, str]] = ..., text: _Optional[str] = ..., internal: bool = ..., media: _Optional[_Iterable[_Union[_media_pb2.MediaRef, _Mapping]]] = ...) -> None: ...

class AddCommentResponse(_message.Message):
    __slots__ = ("comment",)
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    comment: _workflow_pb2.Comment
    def __init__(self, comment: _Optional[_Union[_workflow_pb2.Comment, _Mapping]] = ...) -> None: ...

class ListCommentsRequest(_message.Message):
    __slots__ = ("request_number", "page_size", "page_token")
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    page_size: int
    page_token: str
    def __init__(self, request_number: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCommentsResponse(_message.Message):
    __slots__ = ("comments", "next_page_token")
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    comments: _containers.RepeatedCompositeFieldContainer[_workflow_pb2.Comment]
    next_page_token: str
    def __init__(self, comments: _Optional[_Iterable[_Union[_workflow_pb2.Comment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListHistoryRequest(_message.Message):
    __slots__ = ("request_number",)
    REQUEST_NUMBER_FIELD_NUMBER: _ClassVar[int]
    request_number: str
    def __init__(self, request_number: _Optional[str] = ...) -> None: ...

class ListHistoryResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_workflow_pb2.HistoryEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[_workflow_pb2.HistoryEntry, _Mapping]]] = ...) -> None: ...

class CountRequestsRequest(_message.Message):
    __slots__ = ("filter",)
    FILTER_FIELD_NUMBER: _ClassVar[int]
    filter: ListRequestsRequest
    def __init__(self, filter: _Optional[_Union[ListRequestsRequest, _Mapping]] = ...) -> None: ...

class CountRequestsResponse(_message.Message):
    __slots__ = ("by_status", "total")
    class ByStatusEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    BY_STATUS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    by_status: _containers.ScalarMap[str, int]
    total: int
    def __init__(self, by_status: _Optional[_Mapping[str, int]] = ..., total: _Optional[int] = ...) -> None: ...
