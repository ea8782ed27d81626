"""A tiny mTLS gRPC upstream for Envoy tests, with a contract of its own.

The Envoy tests prove the mesh (mTLS, identities, XFCC, retries, limits, transcoding), not a
domain service, so they run against `test.echo.v1.EchoService`: a GET method (idempotent,
retried) and a POST method (not retried). Its handlers answer with what the upstream saw, so a
test can assert on the headers Envoy forwarded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import grpc_tools
from google.api import annotations_pb2
from google.protobuf import (
    descriptor_pb2,
    message_factory,
)
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_tools import protoc

from mesh.pki import identity_files
from mesh.topology import Client, Edge, Service, Topology
from services.kit.rbac import AccessPolicy, Rule

ECHO_SERVICE = "test.echo.v1.EchoService"
ECHO_PROTO = """
syntax = "proto3";

package test.echo.v1;

import "google/api/annotations.proto";

service EchoService {
  // A read: its route retries UNAVAILABLE.
  rpc GetEcho(GetEchoRequest) returns (Echo) {
    option (google.api.http) = {get: "/v1/echoes/{name}"};
  }
  // A write: never retried.
  rpc CreateEcho(CreateEchoRequest) returns (Echo) {
    option (google.api.http) = {post: "/v1/echoes" body: "*"};
  }
}

message GetEchoRequest {
  string name = 1;
}

message CreateEchoRequest {
  string name = 1;
  bytes payload = 2;
}

// What the upstream received.
message Echo {
  string name = 1;
  string client_cert = 2;  // x-forwarded-client-cert, empty when absent
  string request_id = 3;
  int64 payload_bytes = 4;
  int32 attempt = 5;
}
"""


def build_echo_descriptor(directory: Path) -> Path:
    """Compile the echo contract into a descriptor set (with imports), as Envoy needs it."""
    directory.mkdir(parents=True, exist_ok=True)
    source = directory / "test" / "echo" / "v1" / "echo.proto"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(ECHO_PROTO)
    output = directory / "echo.binpb"
    # googleapis-common-protos installs google/api/*.proto next to the generated modules.
    google_protos = Path(annotations_pb2.__file__).parents[2]
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    code = protoc.main(
        [
            "protoc",
            f"-I{directory}",
            f"-I{google_protos}",
            f"-I{well_known}",
            "--include_imports",
            f"--descriptor_set_out={output}",
            str(source),
        ]
    )
    if code != 0:
        raise RuntimeError(f"protoc failed ({code}) on {source}")
    return output


def echo_topology(*, grpc_port: int, edge: Edge) -> Topology:
    """A topology with one service, `echo`, hosting EchoService; and the usual clients."""
    echo = Service(
        name="echo",
        grpc_port=grpc_port,
        ops_port=grpc_port + 1,
        grpc_services=(ECHO_SERVICE,),
        schema=None,
        stream=None,
        calls=(),
    )
    clients = {"operator": Client("operator", "client"), "envoy": Client("envoy", "svc")}
    return Topology("ukm.local", edge, nats_port=0, services={"echo": echo}, clients=clients)


def echo_access(descriptor_path: Path) -> AccessPolicy:
    """Every echo method public: the Envoy tests are about transport, not tokens."""
    files = descriptor_pb2.FileDescriptorSet.FromString(descriptor_path.read_bytes()).file
    return AccessPolicy(
        {
            f"/{file.package}.{service.name}/{method.name}": Rule(public=True)
            for file in files
            for service in file.service
            if f"{file.package}.{service.name}" == ECHO_SERVICE
            for method in service.method
        }
    )


def message_classes(descriptor_path: Path) -> dict[str, Any]:
    """The echo messages as Python classes, by short name, built from the descriptor set."""
    files = descriptor_pb2.FileDescriptorSet.FromString(descriptor_path.read_bytes()).file
    classes = message_factory.GetMessages(list(files))
    return {
        name.rsplit(".", 1)[1]: cls
        for name, cls in classes.items()
        if name.startswith("test.echo.v1.")
    }


@dataclass
class Seen:
    """One call as the upstream saw it."""

    method: str
    name: str
    metadata: dict[str, str]


@dataclass
class EchoUpstream:
    """The echo service on a grpc.aio server that accepts only mTLS clients from the mesh CA."""

    pki_dir: Path
    descriptor_path: Path
    port: int
    identity: str = "echo"
    # Fail the first N calls for a request `name` with UNAVAILABLE (retry tests).
    fail_first: dict[str, int] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    server: grpc.aio.Server | None = None
    health: health.aio.HealthServicer | None = None

    async def start(self) -> None:
        """Serve EchoService and grpc.health.v1 (SERVING for EchoService) with mTLS."""
        cert, key, ca = identity_files(self.pki_dir, self.identity).read()
        credentials = grpc.ssl_server_credentials(
            [(key, cert)], root_certificates=ca, require_client_auth=True
        )
        self.server = grpc.aio.server()
        self.server.add_generic_rpc_handlers([self._handler()])
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        await self.health.set(ECHO_SERVICE, health_pb2.HealthCheckResponse.SERVING)
        self.server.add_secure_port(f"127.0.0.1:{self.port}", credentials)
        await self.server.start()

    async def stop(self) -> None:
        """Stop at once."""
        if self.server is not None:
            await self.server.stop(grace=None)
            self.server = None

    def calls(self, method: str, name: str) -> int:
        """How many calls of `method` for request `name` arrived."""
        return sum(1 for s in self.seen if s.method == method and s.name == name)

    def _handler(self) -> grpc.GenericRpcHandler:
        classes = message_classes(self.descriptor_path)
        echo_cls = classes["Echo"]

        def unary(method: str, request_cls: Any) -> grpc.RpcMethodHandler:
            async def handle(request: Any, context: grpc.aio.ServicerContext) -> Any:
                metadata = {
                    k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)
                }
                self.seen.append(Seen(method, request.name, metadata))
                attempt = self.calls(method, request.name)
                if attempt <= self.fail_first.get(request.name, 0):
                    await context.abort(grpc.StatusCode.UNAVAILABLE, "warming up")
                return echo_cls(
                    name=request.name,
                    client_cert=metadata.get("x-forwarded-client-cert", ""),
                    request_id=metadata.get("x-request-id", ""),
                    payload_bytes=len(getattr(request, "payload", b"")),
                    attempt=attempt,
                )

            return grpc.unary_unary_rpc_method_handler(
                handle,
                request_deserializer=request_cls.FromString,
                response_serializer=echo_cls.SerializeToString,
            )

        return grpc.method_handlers_generic_handler(
            ECHO_SERVICE,
            {
                "GetEcho": unary("GetEcho", classes["GetEchoRequest"]),
                "CreateEcho": unary("CreateEcho", classes["CreateEchoRequest"]),
            },
        )


def unary_call(channel: grpc.aio.Channel, method: str, descriptor_path: Path) -> Callable[..., Any]:
    """A callable for `EchoService/<method>` on `channel` returning decoded `Echo` messages."""
    classes = message_classes(descriptor_path)
    call: Callable[..., Any] = channel.unary_unary(
        f"/{ECHO_SERVICE}/{method}",
        request_serializer=lambda message: message.SerializeToString(),
        response_deserializer=classes["Echo"].FromString,
    )
    return call


async def wait_for(predicate: Callable[[], bool], within: float = 5.0) -> None:
    """Poll `predicate` (cheap, synchronous) until true."""
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)


def ports(count: int) -> Sequence[int]:
    """`count` distinct free ports."""
    from mesh.infra import free_port

    chosen: set[int] = set()
    while len(chosen) < count:
        chosen.add(free_port())
    return sorted(chosen)
