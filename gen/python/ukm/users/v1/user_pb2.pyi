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

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_APPLICANT: _ClassVar[Role]
    ROLE_EXECUTOR: _ClassVar[Role]
    ROLE_MANAGER: _ClassVar[Role]
    ROLE_INSPECTOR: _ClassVar[Role]
    ROLE_ADMIN: _ClassVar[Role]

class AccountStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCOUNT_STATUS_UNSPECIFIED: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_PENDING: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_APPROVED: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_BLOCKED: _ClassVar[AccountStatus]

class VerificationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERIFICATION_STATUS_UNSPECIFIED: _ClassVar[VerificationStatus]
    VERIFICATION_STATUS_PENDING: _ClassVar[VerificationStatus]
    VERIFICATION_STATUS_REQUESTED: _ClassVar[VerificationStatus]
    VERIFICATION_STATUS_VERIFIED: _ClassVar[VerificationStatus]
    VERIFICATION_STATUS_REJECTED: _ClassVar[VerificationStatus]
ROLE_UNSPECIFIED: Role
ROLE_APPLICANT: Role
ROLE_EXECUTOR: Role
ROLE_MANAGER: Role
ROLE_INSPECTOR: Role
ROLE_ADMIN: Role
ACCOUNT_STATUS_UNSPECIFIED: AccountStatus
ACCOUNT_STATUS_PENDING: AccountStatus
ACCOUNT_STATUS_APPROVED: AccountStatus
ACCOUNT_STATUS_BLOCKED: AccountStatus
VERIFICATION_STATUS_UNSPECIFIED: VerificationStatus
VERIFICATION_STATUS_PENDING: VerificationStatus
VERIFICATION_STATUS_REQUESTED: VerificationStatus
VERIFICATION_STATUS_VERIFIED: VerificationStatus
VERIFICATION_STATUS_REJECTED: VerificationStatus

class User(_message.Message):
    __slots__ = ("id", "full_name", "phone", "email", "language", "roles", "active_role", "status", "verification_status", "specializations", "telegram_user_id", "status_reason", "created_at", "updated_at", "anonymized")
    ID_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_ROLE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    SPECIALIZATIONS_FIELD_NUMBER: _ClassVar[int]
    TELEGRAM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ANONYMIZED_FIELD_NUMBER: _ClassVar[int]
    id: str
    full_name: str
    phone: str
    email: str
    language: str
    roles: _containers.RepeatedScalarFieldContainer[Role]
    active_role: Role
    status: AccountStatus
    verification_status: VerificationStatus
    specializations: _containers.RepeatedScalarFieldContainer[_specialization_pb2.Specialization]
    telegram_user_id: int
    status_reason: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    anonymized: bool
    def __init__(self, id: _Optional[str] = ..., full_name: _Optional[str] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ..., language: _Optional[str] = ..., roles: _Optional[_Iterable[_Union[Role, str]]] = ..., active_role: _Optional[_Union[Role, str]] = ..., status: _Optional[_Union[AccountStatus, str]] = ..., verification_status: _Optional[_Union[VerificationStatus, str]] = ..., specializations: _Optional[_Iterable[_Union[_specialization_pb2.Specialization, str]]] = ..., telegram_user_id: _Optional[int] = ..., status_reason: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., anonymized: bool = ...) -> None: ...

class Principal(_message.Message):
    __slots__ = ("user_id", "roles", "active_role", "status", "specializations", "language")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_ROLE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SPECIALIZATIONS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    roles: _containers.RepeatedScalarFieldContainer[Role]
    active_role: Role
    status: AccountStatus
    specializations: _containers.RepeatedScalarFieldContainer[_specialization_pb2.Specialization]
    language: str
    def __init__(self, user_id: _Optional[str] = ..., roles: _Optional[_Iterable[_Union[Role, str]]] = ..., active_role: _Optional[_Union[Role, str]] = ..., status: _Optional[_Union[AccountStatus, str]] = ..., specializations: _Optional[_Iterable[_Union[_specialization_pb2.Specialization, str]]] = ..., language: _Optional[str] = ...) -> None: ...
