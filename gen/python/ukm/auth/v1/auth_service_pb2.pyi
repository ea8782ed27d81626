import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AuthEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTH_EVENT_KIND_UNSPECIFIED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_LOGIN_SUCCEEDED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_LOGIN_FAILED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_LOCKED_OUT: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_MFA_ENROLLED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_MFA_SUCCEEDED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_MFA_FAILED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_BACKUP_CODE_USED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_REFRESH_REUSE_DETECTED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_PASSWORD_CHANGED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_PASSWORD_RESET_REQUESTED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_PASSWORD_RESET: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_LOGOUT: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_SESSION_REVOKED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_REGISTERED: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_TELEGRAM_SESSION: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_OIDC_LOGIN: _ClassVar[AuthEventKind]
    AUTH_EVENT_KIND_KEY_ROTATED: _ClassVar[AuthEventKind]
AUTH_EVENT_KIND_UNSPECIFIED: AuthEventKind
AUTH_EVENT_KIND_LOGIN_SUCCEEDED: AuthEventKind
AUTH_EVENT_KIND_LOGIN_FAILED: AuthEventKind
AUTH_EVENT_KIND_LOCKED_OUT: AuthEventKind
AUTH_EVENT_KIND_MFA_ENROLLED: AuthEventKind
AUTH_EVENT_KIND_MFA_SUCCEEDED: AuthEventKind
AUTH_EVENT_KIND_MFA_FAILED: AuthEventKind
AUTH_EVENT_KIND_BACKUP_CODE_USED: AuthEventKind
AUTH_EVENT_KIND_REFRESH_REUSE_DETECTED: AuthEventKind
AUTH_EVENT_KIND_PASSWORD_CHANGED: AuthEventKind
AUTH_EVENT_KIND_PASSWORD_RESET_REQUESTED: AuthEventKind
AUTH_EVENT_KIND_PASSWORD_RESET: AuthEventKind
AUTH_EVENT_KIND_LOGOUT: AuthEventKind
AUTH_EVENT_KIND_SESSION_REVOKED: AuthEventKind
AUTH_EVENT_KIND_REGISTERED: AuthEventKind
AUTH_EVENT_KIND_TELEGRAM_SESSION: AuthEventKind
AUTH_EVENT_KIND_OIDC_LOGIN: AuthEventKind
AUTH_EVENT_KIND_KEY_ROTATED: AuthEventKind

class TokenPair(_message.Message):
    __slots__ = ("access_token", "access_expires_at", "refresh_token", "refresh_expires_at", "session_id", "token_type")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCESS_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REFRESH_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    access_expires_at: _timestamp_pb2.Timestamp
    refresh_token: str
    refresh_expires_at: _timestamp_pb2.Timestamp
    session_id: str
    token_type: str
    def __init__(self, access_token: _Optional[str] = ..., access_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., refresh_token: _Optional[str] = ..., refresh_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_id: _Optional[str] = ..., token_type: _Optional[str] = ...) -> None: ...

class RegisterRequest(_message.Message):
    __slots__ = ("email", "password", "full_name", "language")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    email: str
    password: str
    full_name: str
    language: str
    def __init__(self, email: _Optional[str] = ..., password: _Optional[str] = ..., full_name: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class RegisterResponse(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class LoginRequest(_message.Message):
    __slots__ = ("email", "password")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    email: str
    password: str
    def __init__(self, email: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class LoginResponse(_message.Message):
    __slots__ = ("tokens", "mfa_challenge")
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    MFA_CHALLENGE_FIELD_NUMBER: _ClassVar[int]
    tokens: TokenPair
    mfa_challenge: MfaChallenge
    def __init__(self, tokens: _Optional[_Union[TokenPair, _Mapping]] = ..., mfa_challenge: _Optional[_Union[MfaChallenge, _Mapping]] = ...) -> None: ...

class MfaChallenge(_message.Message):
    __slots__ = ("challenge_token", "expires_at", "enrollment_required")
    CHALLENGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ENROLLMENT_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    challenge_token: str
    expires_at: _timestamp_pb2.Timestamp
    enrollment_required: bool
    def __init__(self, challenge_token: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., enrollment_required: bool = ...) -> None: ...

class VerifyMfaRequest(_message.Message):
    __slots__ = ("challenge_token", "totp_code", "backup_code")
    CHALLENGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTP_CODE_FIELD_NUMBER: _ClassVar[int]
    BACKUP_CODE_FIELD_NUMBER: _ClassVar[int]
    challenge_token: str
    totp_code: str
    backup_code: str
    def __init__(self, challenge_token: _Optional[str] = ..., totp_code: _Optional[str] = ..., backup_code: _Optional[str] = ...) -> None: ...

class VerifyMfaResponse(_message.Message):
    __slots__ = ("tokens",)
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: TokenPair
    def __init__(self, tokens: _Optional[_Union[TokenPair, _Mapping]] = ...) -> None: ...

class RefreshRequest(_message.Message):
    __slots__ = ("refresh_token",)
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    def __init__(self, refresh_token: _Optional[str] = ...) -> None: ...

class RefreshResponse(_message.Message):
    __slots__ = ("tokens",)
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: TokenPair
    def __init__(self, tokens: _Optional[_Union[TokenPair, _Mapping]] = ...) -> None: ...

class LogoutRequest(_message.Message):
    __slots__ = ("refresh_token",)
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    def __init__(self, refresh_token: _Optional[str] = ...) -> None: ...

class LogoutResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChangePasswordRequest(_message.Message):
    __slots__ = ("current_password", "new_password")
    CURRENT_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    NEW_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    current_password: str
    new_password: str
    def __init__(self, current_password: _Optional[str] = ..., new_password: _Optional[str] = ...) -> None: ...

class ChangePasswordResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RequestPasswordResetRequest(_message.Message):
    __slots__ = ("email",)
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    email: str
    def __init__(self, email: _Optional[str] = ...) -> None: ...

class RequestPasswordResetResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResetPasswordRequest(_message.Message):
    __slots__ = ("reset_token", "new_password")
    RESET_TOKEN_FIELD_NUMBER: _ClassVar[int]
    NEW_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    reset_token: str
    new_password: str
    def __init__(self, reset_token: _Optional[str] = ..., new_password: _Optional[str] = ...) -> None: ...

class ResetPasswordResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class EnrollTotpRequest(_message.Message):
    __slots__ = ("challenge_token",)
    CHALLENGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    challenge_token: str
    def __init__(self, challenge_token: _Optional[str] = ...) -> None: ...

class EnrollTotpResponse(_message.Message):
    __slots__ = ("secret", "provisioning_uri")
    SECRET_FIELD_NUMBER: _ClassVar[int]
    PROVISIONING_URI_FIELD_NUMBER: _ClassVar[int]
    secret: str
    provisioning_uri: str
    def __init__(self, secret: _Optional[str] = ..., provisioning_uri: _Optional[str] = ...) -> None: ...

class ConfirmTotpRequest(_message.Message):
    __slots__ = ("totp_code", "challenge_token")
    TOTP_CODE_FIELD_NUMBER: _ClassVar[int]
    CHALLENGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    totp_code: str
    challenge_token: str
    def __init__(self, totp_code: _Optional[str] = ..., challenge_token: _Optional[str] = ...) -> None: ...

class ConfirmTotpResponse(_message.Message):
    __slots__ = ("backup_codes", "tokens")
    BACKUP_CODES_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    backup_codes: _containers.RepeatedScalarFieldContainer[str]
    tokens: TokenPair
    def __init__(self, backup_codes: _Optional[_Iterable[str]] = ..., tokens: _Optional[_Union[TokenPair, _Mapping]] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("session_id", "user_id", "created_at", "last_used_at", "expires_at", "method", "client_ip", "user_agent")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    CLIENT_IP_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    user_id: str
    created_at: _timestamp_pb2.Timestamp
    last_used_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    method: str
    client_ip: str
    user_agent: str
    def __init__(self, session_id: _Optional[str] = ..., user_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_used_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., method: _Optional[str] = ..., client_ip: _Optional[str] = ..., user_agent: _Optional[str] = ...) -> None: ...

class ListSessionsRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class ListSessionsResponse(_message.Message):
    __slots__ = ("sessions",)
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[Session]
    def __init__(self, sessions: _Optional[_Iterable[_Union[Session, _Mapping]]] = ...) -> None: ...

class RevokeSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class RevokeSessionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetJwksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetJwksResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[Jwk]
    def __init__(self, keys: _Optional[_Iterable[_Union[Jwk, _Mapping]]] = ...) -> None: ...

class Jwk(_message.Message):
    __slots__ = ("kty", "crv", "x", "kid", "alg", "use")
    KTY_FIELD_NUMBER: _ClassVar[int]
    CRV_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    KID_FIELD_NUMBER: _ClassVar[int]
    ALG_FIELD_NUMBER: _ClassVar[int]
    USE_FIELD_NUMBER: _ClassVar[int]
    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str
    def __init__(self, kty: _Optional[str] = ..., crv: _Optional[str] = ..., x: _Optional[str] = ..., kid: _Optional[str] = ..., alg: _Optional[str] = ..., use: _Optional[str] = ...) -> None: ...

class RotateSigningKeyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RotateSigningKeyResponse(_message.Message):
    __slots__ = ("kid",)
    KID_FIELD_NUMBER: _ClassVar[int]
    kid: str
    def __init__(self, kid: _Optional[str] = ...) -> None: ...

class TelegramSessionRequest(_message.Message):
    __slots__ = ("telegram_user_id", "first_name", "last_name", "language_code")
    TELEGRAM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_CODE_FIELD_NUMBER: _ClassVar[int]
    telegram_user_id: int
    first_name: str
    last_name: str
    language_code: str
    def __init__(self, telegram_user_id: _Optional[int] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., language_code: _Optional[str] = ...) -> None: ...

class TelegramSessionResponse(_message.Message):
    __slots__ = ("user_id", "access_token", "access_expires_at", "created")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCESS_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    access_token: str
    access_expires_at: _timestamp_pb2.Timestamp
    created: bool
    def __init__(self, user_id: _Optional[str] = ..., access_token: _Optional[str] = ..., access_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created: bool = ...) -> None: ...

class StartOidcLoginRequest(_message.Message):
    __slots__ = ("redirect_uri",)
    REDIRECT_URI_FIELD_NUMBER: _ClassVar[int]
    redirect_uri: str
    def __init__(self, redirect_uri: _Optional[str] = ...) -> None: ...

class StartOidcLoginResponse(_message.Message):
    __slots__ = ("authorization_url", "state")
    AUTHORIZATION_URL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    authorization_url: str
    state: str
    def __init__(self, authorization_url: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class FinishOidcLoginRequest(_message.Message):
    __slots__ = ("code", "state")
    CODE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    code: str
    state: str
    def __init__(self, code: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class FinishOidcLoginResponse(_message.Message):
    __slots__ = ("tokens", "created", "mfa_challenge")
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    MFA_CHALLENGE_FIELD_NUMBER: _ClassVar[int]
    tokens: TokenPair
    created: bool
    mfa_challenge: MfaChallenge
    def __init__(self, tokens: _Optional[_Union[TokenPair, _Mapping]] = ..., created: bool = ..., mfa_challenge: _Optional[_Union[MfaChallenge, _Mapping]] = ...) -> None: ...

class AuthEvent(_message.Message):
    __slots__ = ("id", "kind", "user_id", "client_ip", "occurred_at", "detail")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_IP_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: AuthEventKind
    user_id: str
    client_ip: str
    occurred_at: _timestamp_pb2.Timestamp
    detail: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[AuthEventKind, str]] = ..., user_id: _Optional[str] = ..., client_ip: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., detail: _Optional[str] = ...) -> None: ...

class ListAuthEventsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "user_id", "kinds")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    user_id: str
    kinds: _containers.RepeatedScalarFieldContainer[AuthEventKind]
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., user_id: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[AuthEventKind, str]]] = ...) -> None: ...

class ListAuthEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[AuthEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[AuthEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
