import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ukm.common.v1 import specialization_pb2 as _specialization_pb2
from ukm.users.v1 import user_pb2 as _user_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InviteValidity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVITE_VALIDITY_UNSPECIFIED: _ClassVar[InviteValidity]
    INVITE_VALIDITY_ONE_HOUR: _ClassVar[InviteValidity]
    INVITE_VALIDITY_ONE_DAY: _ClassVar[InviteValidity]
    INVITE_VALIDITY_SEVEN_DAYS: _ClassVar[InviteValidity]
INVITE_VALIDITY_UNSPECIFIED: InviteValidity
INVITE_VALIDITY_ONE_HOUR: InviteValidity
INVITE_VALIDITY_ONE_DAY: InviteValidity
INVITE_VALIDITY_SEVEN_DAYS: InviteValidity

class GetUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class GetUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.User
    def __init__(self, user: _Optional[_Union[_user_pb2.User, _Mapping]] = ...) -> None: ...

class GetMeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetMeResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.User
    def __init__(self, user: _Optional[_Union[_user_pb2.User, _Mapping]] = ...) -> None: ...

class ListUsersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "query", "role", "status", "specialization")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SPECIALIZATION_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    query: str
    role: _user_pb2.Role
    status: _user_pb2.AccountStatus
    specialization: _specialization_pb2.Specialization
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., query: _Optional[str] = ..., role: _Optional[_Union[_user_pb2.Role, str]] = ..., status: _Optional[_Union[_user_pb2.AccountStatus, str]] = ..., specialization: _Optional[_Union[_specialization_pb2.Specialization, str]] = ...) -> None: ...

class ListUsersResponse(_message.Message):
    __slots__ = ("users", "next_page_token")
    USERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[_user_pb2.User]
    next_page_token: str
    def __init__(self, users: _Optional[_Iterable[_Union[_user_pb2.User, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateProfileRequest(_message.Message):
    __slots__ = ("user_id", "full_name", "phone", "language")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    full_name: str
    phone: str
    language: str
    def __init__(self, user_id: _Optional[str] = ..., full_name: _Optional[str] = ..., phone: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class UpdateProfileResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.User
    def __init__(self, user: _Optional[_Union[_user_pb2.User, _Mapping]] = ...) -> None: ...

class SetRolesRequest(_message.Message):
    __slots__ = ("user_id", "roles", "reason")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    roles: _containers.RepeatedScalarFieldContainer[_user_pb2.Role]
    reason: str
    def __init__(self, user_id: _Optional[str] = ..., roles: _Optional[_Iterable[_Union[_user_pb2.Role, str]]] = ..., reason: _Optional[str] = ...) -> None: ...

class SetRolesResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.User
    def __init__(self, user: _Optional[_Union[_user_pb2.User, _Mapping]] = ...) -> None: ...

class SetActiveRoleRequest(_message.Message):
    __slots__ = ("role",)
    ROLE_FIELD_NUMBER: _ClassVar[int]
    role: _user_pb2.Role
    def __init__(self, role: _Optional[_Union[_user_pb2.Role, str]] = ...) -> None: ...

class SetActiveRoleResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.User
    def __init__(self, user: _Optional[_Union[_user_pb2.User, _Mapping]] = ...) -> None: ...

class SetSpecializationsRequest(_message.Message):
    __slots__ = ("user_id", "specializations")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    SPECIALIZATIONS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    specializations: _containers.RepeatedScalarFieldContainer[_specialization_pb2.Specialization]
    def __init__(self, user_id: _Optional[str] = ..., specializations: _Optional[_Iterable[_Union[_specialization_pb2.Specialization, str]]] = ...) -> None: ...

class SetSpecializationsResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.User
    def __init__(self, user: _Optional[_Union[_user_pb2.User, _Mapping]] = ...) -> None: ...

class ApproveUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class ApproveUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.User
    def __init__(self, user: _Optional[_Union[_user_pb2.User, _Mapping]] = ...) -> None: ...

class BlockUserRequest(_message.Message):
    __slots__ = ("user_id", "reason")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    reason: str
    def __init__(self, user_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class BlockUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.User
    def __init__(self, user: _Optional[_Union[_user_pb2.User, _Mapping]] = ...) -> None: ...

class UnblockUserRequest(_message.Message):
    __slots__ = ("user_id", "reason")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    reason: str
    def __init__(self, user_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class UnblockUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.User
    def __init__(self, user: _Optional[_Union[_user_pb2.User, _Mapping]] = ...) -> None: ...

class CreateInviteRequest(_message.Message):
    __slots__ = ("role", "specializations", "validity")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SPECIALIZATIONS_FIELD_NUMBER: _ClassVar[int]
    VALIDITY_FIELD_NUMBER: _ClassVar[int]
    role: _user_pb2.Role
    specializations: _containers.RepeatedScalarFieldContainer[_specialization_pb2.Specialization]
    validity: InviteValidity
    def __init__(self, role: _Optional[_Union[_user_pb2.Role, str]] = ..., specializations: _Optional[_Iterable[_Union[_specialization_pb2.Specialization, str]]] = ..., validity: _Optional[_Union[InviteValidity, str]] = ...) -> None: ...

class CreateInviteResponse(_message.Message):
    __slots__ = ("invite_id", "token", "expires_at")
    INVITE_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    invite_id: str
    token: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, invite_id: _Optional[str] = ..., token: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RedeemInviteRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class RedeemInviteResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.User
    def __init__(self, user: _Optional[_Union[_user_pb2.User, _Mapping]] = ...) -> None: ...

class ExportUserDataRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class ExportUserDataResponse(_message.Message):
    __slots__ = ("user", "records", "exported_at")
    USER_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    EXPORTED_AT_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.User
    records: _struct_pb2.Struct
    exported_at: _timestamp_pb2.Timestamp
    def __init__(self, user: _Optional[_Union[_user_pb2.User, _Mapping]] = ..., records: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., exported_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeleteUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class DeleteUserResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateUserRequest(_message.Message):
    __slots__ = ("full_name", "email", "language")
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    full_name: str
    email: str
    language: str
    def __init__(self, full_name: _Optional[str] = ..., email: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class CreateUserResponse(_message.Message):
    __slots__ = ("principal",)
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    principal: _user_pb2.Principal
    def __init__(self, principal: _Optional[_Union[_user_pb2.Principal, _Mapping]] = ...) -> None: ...

class EnsureTelegramUserRequest(_message.Message):
    __slots__ = ("telegram_user_id", "full_name", "language_code")
    TELEGRAM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_CODE_FIELD_NUMBER: _ClassVar[int]
    telegram_user_id: int
    full_name: str
    language_code: str
    def __init__(self, telegram_user_id: _Optional[int] = ..., full_name: _Optional[str] = ..., language_code: _Optional[str] = ...) -> None: ...

class EnsureTelegramUserResponse(_message.Message):
    __slots__ = ("principal", "created")
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    principal: _user_pb2.Principal
    created: bool
    def __init__(self, principal: _Optional[_Union[_user_pb2.Principal, _Mapping]] = ..., created: bool = ...) -> None: ...

class GetPrincipalRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class GetPrincipalResponse(_message.Message):
    __slots__ = ("principal",)
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    principal: _user_pb2.Principal
    def __init__(self, principal: _Optional[_Union[_user_pb2.Principal, _Mapping]] = ...) -> None: ...

class GetContactsRequest(_message.Message):
    __slots__ = ("user_ids", "roles")
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    roles: _containers.RepeatedScalarFieldContainer[_user_pb2.Role]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ..., roles: _Optional[_Iterable[_Union[_user_pb2.Role, str]]] = ...) -> None: ...

class Contact(_message.Message):
    __slots__ = ("user_id", "full_name", "language", "telegram_user_id", "email", "phone", "roles", "status")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TELEGRAM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    full_name: str
    language: str
    telegram_user_id: int
    email: str
    phone: str
    roles: _containers.RepeatedScalarFieldContainer[_user_pb2.Role]
    status: _user_pb2.AccountStatus
    def __init__(self, user_id: _Optional[str] = ..., full_name: _Optional[str] = ..., language: _Optional[str] = ..., telegram_user_id: _Optional[int] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., roles: _Optional[_Iterable[_Union[_user_pb2.Role, str]]] = ..., status: _Optional[_Union[_user_pb2.AccountStatus, str]] = ...) -> None: ...

class GetContactsResponse(_message.Message):
    __slots__ = ("contacts",)
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    contacts: _containers.RepeatedCompositeFieldContainer[Contact]
    def __init__(self, contacts: _Optional[_Iterable[_Union[Contact, _Mapping]]] = ...) -> None: ...
