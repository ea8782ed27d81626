"""The server pipeline: one interceptor that gives every RPC the same treatment.

In order: a call context (request id, caller, deadline), a tracing span continuing the caller's
trace, the permission check (kit.rbac), validation of the request against its protovalidate
rules, the handler, and the mapping of
domain errors to gRPC statuses with details; then one log line (failures only, or slow calls) and
the metrics. It is one interceptor rather than a stack of them because each layer costs Python
time on every call; the concerns themselves live in their own modules.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from services.kit import context as ctx
from services.kit.auth import Authentication, Authenticator
from services.kit.errors import InvalidArgument, UkmError, Unavailable
from services.kit.faults import is_transient
from services.kit.metrics import ServerMetrics
from services.kit.rbac import AccessPolicy
from services.kit.status import internal_status, to_rpc_status, trailing_metadata
from services.kit.validation import Validator

log = logging.getLogger("ukm.rpc")
_tracer = trace.get_tracer("ukm.kit")
# Health checks and reflection are infrastructure: no validation, no per-call logs.
_QUIET_PREFIXES = ("/grpc.health.", "/grpc.reflection.")
_SLOW_CALL_SECONDS = 1.0

Handler = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]


class ServerPipeline(grpc.aio.ServerInterceptor):
    """Wraps every handler of a server; see the module docstring."""

    def __init__(
        self,
        *,
        domain: str,
        authenticator: Authenticator,
        access: AccessPolicy,
        validator: Validator,
        metrics: ServerMetrics,
    ) -> None:
        self.domain = domain
        self.authenticator = authenticator
        self.access = access
        self.validator = validator
        self.metrics = metrics

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        """Return the handler with the pipeline wrapped around its behaviour."""
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(_QUIET_PREFIXES):
            return handler
        deserializer = _tolerant(handler.request_deserializer)
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._wrap_unary(method, handler.unary_unary),
                request_deserializer=deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_server_stream(method, handler.unary_stream),
                request_deserializer=deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler  # client/bidi streaming: none yet; add a wrapper when one appears

    def _wrap_unary(self, method: str, behaviour: Handler) -> Handler:
        async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            async with _Call(self, method, context) as call:
                self._check(call, request)
                return await behaviour(request, context)
            return await call.abort()  # reached only when the call failed

        return unary

    def _wrap_server_stream(
        self, method: str, behaviour: Callable[..., AsyncIterator[Any]]
    ) -> Callable[..., AsyncIterator[Any]]:
        async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            async with _Call(self, method, context) as call:
                self._check(call, request)
                async for item in behaviour(request, context):
                    yield item
            if call.failure is not None:
                await call.abort()

        return stream

    def _check(self, call: _Call, request: Any) -> None:
        if call.refusal is not None:
            raise call.refusal
        self.access.check(call.method, call.authentication.caller, call.authentication.token_error)
        if isinstance(request, _Undecodable):
            raise InvalidArgument(f"the request body is not a valid {request.type_name} message")
        self.validator.check(request)


class _Undecodable:
    """Stands in for a request whose bytes did not parse, so the pipeline can refuse it properly
    (gRPC would otherwise answer UNKNOWN with the parser's internals)."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name


def _tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None
    message_type = getattr(deserializer, "__self__", None)
    type_name = getattr(getattr(message_type, "DESCRIPTOR", None), "full_name", "request")

    def parse(data: bytes) -> Any:
        try:
            return deserializer(data)
        except DecodeError:
            return _Undecodable(type_name)

    return parse


class _Call:
    """Context manager for one RPC: sets up context and span, swallows and records failures."""

    def __init__(self, pipeline: ServerPipeline, method: str, context: grpc.aio.ServicerContext):
        self.pipeline = pipeline
        self.method = method
        self.context = context
        self.failure: Any = None  # google.rpc.Status to send, if the call failed
        self.code = "OK"

    async def _authenticate(self, metadata: dict[str, str]) -> Authentication:
        """Who is calling; a refusal is kept and raised inside the call, so it is answered (and
        counted) like any domain error."""
        self.refusal: UkmError | None = None
        try:
            return await self.pipeline.authenticator.authenticate(metadata, self.context)
        except UkmError as refusal:
            self.refusal = refusal
            return Authentication(ctx.ANONYMOUS)

    async def __aenter__(self) -> _Call:
        self.started = time.perf_counter()
        metadata = {
            key: value
            for key, value in self.context.invocation_metadata() or ()
            if isinstance(value, str)
        }
        remaining = self.context.time_remaining()
        self.authentication = await self._authenticate(metadata)
        call = ctx.CallContext(
            caller=self.authentication.caller,
            client_ip=self.authentication.client_ip,
            request_id=metadata.get("x-request-id") or ctx.new_request_id(),
            method=self.method,
            deadline=None if remaining is None else time.monotonic() + remaining,
        )
        self.token = ctx.enter_call(call)
        self.request_id = call.request_id
        self.span_cm = _tracer.start_as_current_span(
            self.method.lstrip("/"),
            context=propagate.extract(metadata),
            kind=SpanKind.SERVER,
            attributes={"rpc.system": "grpc", "rpc.method": self.method},
        )
        self.span = self.span_cm.__enter__()
        return self

    async def __aexit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        suppress = False
        if exc is not None and not isinstance(exc, UkmError) and is_transient(exc):
            # The database or broker went away mid-call: retryable, not a bug.
            log.warning(
                "rpc hit an infrastructure fault",
                extra={"method": self.method},
                exc_info=(exc_type, exc, tb),
            )
            exc = Unavailable("a dependency is briefly unavailable; retry shortly")
        if isinstance(exc, UkmError):
            self.failure = to_rpc_status(exc, self.pipeline.domain)
            self.code = exc.code.name
            suppress = True
            log.info(
                "rpc refused",
                extra={"method": self.method, "code": self.code, "error": exc.message},
            )
        elif isinstance(exc, Exception) and not isinstance(exc, grpc.aio.AbortError):
            self.failure = internal_status(self.request_id)
            self.code = "INTERNAL"
            suppress = True
            log.error("rpc failed", extra={"method": self.method}, exc_info=(exc_type, exc, tb))
        elif isinstance(exc, grpc.aio.AbortError):
            self.code = _code_name(self.context.code())  # the code the handler aborted with
        elif exc is not None:
            remaining = self.context.time_remaining()
            expired = remaining is not None and remaining <= 0
            self.code = "DEADLINE_EXCEEDED" if expired else "CANCELLED"
        else:
            self.code = _code_name(self.context.code())  # OK, unless set_code() said otherwise
        elapsed = time.perf_counter() - self.started
        if self.failure is not None:
            self.span.set_status(Status(StatusCode.ERROR, self.code))
        self.span.set_attribute("rpc.grpc.status_code", self.code)
        self.span_cm.__exit__(None, None, None)
        ctx.leave_call(self.token)
        self.pipeline.metrics.observe(self.method, self.code, elapsed)
        if elapsed > _SLOW_CALL_SECONDS:
            log.warning("slow rpc", extra={"method": self.method, "seconds": round(elapsed, 3)})
        return suppress

    async def abort(self) -> Any:
        """Send the recorded failure (with details in the trailers) to the client."""
        status = self.failure
        await self.context.abort(
            _CODES.get(status.code, grpc.StatusCode.UNKNOWN),
            status.message,
            trailing_metadata=trailing_metadata(status),
        )


_CODES = {member.value[0]: member for member in grpc.StatusCode}


def _code_name(code: Any) -> str:
    if code is None:
        return "OK"
    if isinstance(code, grpc.StatusCode):
        return str(code.name)
    if isinstance(code, int) and code in _CODES:
        return str(_CODES[code].name)
    return "UNKNOWN"
