"""A tiny service for testing the kit's server runtime: `test.probe.v1.ProbeService`.

It has no contract of its own: its methods are generic handlers over well-known message types
(and one `ukm.requests.v1` request type, for its protovalidate rules), so tests can make the
kit's pipeline do everything it does — map errors, validate, authenticate, retry,
propagate deadlines and traces — against a real grpc.aio server with mTLS, in milliseconds.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2, wrappers_pb2
from google.protobuf.message import Message
from opentelemetry import trace
from ukm.requests.v1 import requests_service_pb2

from mesh.pki import issue_identity
from services.kit import errors
from services.kit.auth import Authenticator
from services.kit.channels import mesh_channel
from services.kit.context import current_call
from services.kit.ops import ReadinessCheck
from services.kit.rbac import AccessPolicy, Rule
from services.kit.server import Server, ServiceApp
from services.kit.settings import Settings

PROBE_SERVICE = "test.probe.v1.ProbeService"
PROBE_IDENTITY = "probe"
PROBE_SPIFFE_ID = "spiffe://ukm.local/svc/probe"
# Text that must never reach a caller (see `Fail` with kind "crash").
SECRET = "password=hunter2 at db.internal:5432"


def probe_pki(source: Path, target: Path) -> Path:
    """A copy of the mesh PKI in `target` plus a leaf for the probe service itself."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.suffix in (".crt", ".key"):
            shutil.copy2(path, target / path.name)
    issue_identity(target, PROBE_IDENTITY, PROBE_SPIFFE_ID)
    return target


def probe_settings(pki_dir: Path, **overrides: Any) -> Settings:
    """Settings for a probe server on free ports with a quick shutdown."""
    values: dict[str, Any] = {
        "pki_dir": pki_dir,
        "grpc_port": 0,
        "ops_port": 0,
        "drain_seconds": 0.0,
        "shutdown_grace_seconds": 0.5,
    }
    values.update(overrides)
    return Settings(**values)


def _raise(kind: str) -> None:
    """The error a `Fail` call asks for."""
    match kind:
        case "invalid":
            raise errors.InvalidArgument.field("address.yard_id", "must be a UUID")
        case "not_found":
            raise errors.NotFound("request", "251125-001")
        case "already_exists":
            raise errors.AlreadyExists("request 251125-001 already exists")
        case "precondition":
            raise errors.FailedPrecondition(
                "TRANSITION_NOT_ALLOWED", "a closed request cannot be assigned", {"from": "closed"}
            )
        case "permission":
            raise errors.PermissionDenied("NOT_ASSIGNEE", "only the assignee may do this")
        case "unauthenticated":
            raise errors.Unauthenticated("sign in first")
        case "exhausted":
            raise errors.ResourceExhausted("too many requests", retry_after_seconds=2.5)
        case "unavailable":
            raise errors.Unavailable("the database is down")
        case "crash":
            raise RuntimeError(SECRET)
    raise AssertionError(f"unknown failure kind {kind!r}")


class ProbeServicer:
    """The probe's behaviour, with counters tests can look at."""

    def __init__(self, settings: Settings, *, relay_default_timeout: float = 3.0) -> None:
        self.settings = settings
        self.relay_default_timeout = relay_default_timeout
        self.validated = 0  # `Validate` calls that reached the handler
        self.attempts: Counter[tuple[str, str]] = Counter()  # (method, key) -> calls
        self.fail_first = 2  # GetFlaky/CreateFlaky fail this many attempts per key

    async def who(self, request: empty_pb2.Empty, context: grpc.aio.ServicerContext) -> Any:
        """What the server knows about this call."""
        return _struct(_observed(context))

    async def fail(self, request: wrappers_pb2.StringValue, context: Any) -> empty_pb2.Empty:
        """Raise the error named by `request.value`."""
        _raise(request.value)
        return empty_pb2.Empty()

    async def abort(self, request: empty_pb2.Empty, context: grpc.aio.ServicerContext) -> Any:
        """End the call with `context.abort` (NOT_FOUND), bypassing the error tree."""
        await context.abort(grpc.StatusCode.NOT_FOUND, "aborted by the handler")

    async def validate(
        self, request: requests_service_pb2.GetRequestRequest, context: Any
    ) -> empty_pb2.Empty:
        """Count the calls that got past validation."""
        self.validated += 1
        return empty_pb2.Empty()

    async def relay(
        self, request: wrappers_pb2.StringValue, context: grpc.aio.ServicerContext
    ) -> Any:
        """Call `Who` on the probe at `request.value` through `mesh_channel`; report both."""
        inbound = _observed(context)
        async with mesh_channel(
            self.settings,
            PROBE_IDENTITY,
            target=request.value,
            default_timeout=self.relay_default_timeout,
        ) as channel:
            downstream = await who_call(channel)(empty_pb2.Empty())
        return _struct({"inbound": inbound, "downstream": json_format.MessageToDict(downstream)})

    def flaky(self, method: str) -> Callable[..., Any]:
        """A method that answers UNAVAILABLE to the first `fail_first` attempts per key."""

        async def handle(request: wrappers_pb2.StringValue, context: Any) -> Any:
            self.attempts[(method, request.value)] += 1
            attempt = self.attempts[(method, request.value)]
            if attempt <= self.fail_first:
                raise errors.Unavailable(f"warming up (attempt {attempt})")
            return wrappers_pb2.Int32Value(value=attempt)

        return handle

    async def count(
        self, request: wrappers_pb2.Int32Value, context: Any
    ) -> AsyncIterator[wrappers_pb2.Int32Value]:
        """Stream 1..|n|; a negative n then fails with NOT_FOUND (an error mid-stream)."""
        for number in range(1, abs(request.value) + 1):
            yield wrappers_pb2.Int32Value(value=number)
        if request.value < 0:
            raise errors.NotFound("item", str(abs(request.value) + 1))

    def handler(self) -> grpc.GenericRpcHandler:
        """All methods as one generic handler."""

        def unary(behaviour: Callable[..., Any], request_type: type[Message]) -> Any:
            return grpc.unary_unary_rpc_method_handler(
                behaviour,
                request_deserializer=request_type.FromString,
                response_serializer=_serialize,
            )

        string, empty = wrappers_pb2.StringValue, empty_pb2.Empty
        return grpc.method_handlers_generic_handler(
            PROBE_SERVICE,
            {
                "Who": unary(self.who, empty),
                "Fail": unary(self.fail, string),
                "Abort": unary(self.abort, empty),
                "Validate": unary(self.validate, requests_service_pb2.GetRequestRequest),
                "Relay": unary(self.relay, string),
                "GetFlaky": unary(self.flaky("GetFlaky"), string),
                "CreateFlaky": unary(self.flaky("CreateFlaky"), string),
                "Count": grpc.unary_stream_rpc_method_handler(
                    self.count,
                    request_deserializer=wrappers_pb2.Int32Value.FromString,
                    response_serializer=_serialize,
                ),
            },
        )


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def _observed(context: grpc.aio.ServicerContext) -> dict[str, Any]:
    """The call as the handler sees it through the kit (and through gRPC itself)."""
    call = current_call()
    span = trace.get_current_span().get_span_context()
    metadata = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
    return {
        "workload": call.caller.workload or "",
        "request_id": call.request_id,
        "method": call.method,
        "kit_time_remaining": call.time_remaining(),
        "grpc_time_remaining": context.time_remaining(),
        "trace_id": format(span.trace_id, "032x") if span.is_valid else "",
        "span_id": format(span.span_id, "016x") if span.is_valid else "",
        "traceparent": metadata.get("traceparent", ""),
        "metadata_request_id": metadata.get("x-request-id", ""),
    }


def probe_app(
    servicer: ProbeServicer,
    *,
    readiness: Sequence[tuple[str, ReadinessCheck]] = (),
    authenticator: Authenticator | None = None,
) -> ServiceApp:
    """A `ServiceApp` hosting the probe, as a service's `app.build` would return it."""

    def register(server: grpc.aio.Server) -> None:
        server.add_generic_rpc_handlers([servicer.handler()])

    # The probe tests the pipeline, not the permission matrix: every method is public.
    methods = ("Who", "Fail", "Abort", "Validate", "Relay", "GetFlaky", "CreateFlaky", "Count")
    access = AccessPolicy({f"/{PROBE_SERVICE}/{name}": Rule(public=True) for name in methods})
    return ServiceApp(
        name=PROBE_IDENTITY,
        service_names=[PROBE_SERVICE],
        register=[register],
        readiness=readiness,
        authenticator=authenticator,
        access=access,
    )


@asynccontextmanager
async def running_probe(
    settings: Settings,
    *,
    readiness: Sequence[tuple[str, ReadinessCheck]] = (),
    relay_default_timeout: float = 3.0,
    authenticator: Authenticator | None = None,
) -> AsyncIterator[tuple[Server, ProbeServicer]]:
    """A started probe server (stopped afterwards unless the test stopped it)."""
    servicer = ProbeServicer(settings, relay_default_timeout=relay_default_timeout)
    app = probe_app(servicer, readiness=readiness, authenticator=authenticator)
    server = Server(app, settings, grpc_port=0, ops_port=0)
    await server.start()
    try:
        yield server, servicer
    finally:
        if server.serving:
            await server.stop()


def client_channel(pki_dir: Path, port: int, identity: str = "operator") -> grpc.aio.Channel:
    """A plain mTLS channel (no kit client pipeline) presenting `identity`'s certificate."""
    credentials = grpc.ssl_channel_credentials(
        root_certificates=(pki_dir / "ca.crt").read_bytes(),
        private_key=(pki_dir / f"{identity}.key").read_bytes(),
        certificate_chain=(pki_dir / f"{identity}.crt").read_bytes(),
    )
    return grpc.aio.secure_channel(f"localhost:{port}", credentials)


def method(channel: grpc.aio.Channel, name: str, response_type: type[Message]) -> Any:
    """A unary callable for `ProbeService/<name>`."""
    return channel.unary_unary(
        f"/{PROBE_SERVICE}/{name}",
        request_serializer=_serialize,
        response_deserializer=response_type.FromString,
    )


def who_call(channel: grpc.aio.Channel) -> Any:
    """`ProbeService/Who`, answering a `Struct`."""
    return method(channel, "Who", struct_pb2.Struct)


def as_dict(message: struct_pb2.Struct) -> dict[str, Any]:
    """A `Struct` answer as plain Python values."""
    return json_format.MessageToDict(message)
