"""Server reflection in both dialects: `v1alpha` (what grpcurl 1.8 speaks) and `v1` (newer tools).

grpcio-reflection only ships v1alpha. The two protocols are identical on the wire apart from the
package name, so the v1 service reuses the v1alpha servicer and messages under the v1 path, and
the v1 descriptor (v1alpha's, renamed) is added to the pool so tools can also `describe` it.

Envoy sends every reflection call to one service, so each service advertises the whole mesh's
contract (every `ukm.*` service of the SDK), not only its own: through the gateway, `grpcurl
list` then shows everything a client can call there.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from functools import cache

import grpc
import ukm
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import _async, reflection_pb2

V1ALPHA = "grpc.reflection.v1alpha.ServerReflection"
V1 = "grpc.reflection.v1.ServerReflection"


def enable_reflection(server: grpc.aio.Server, service_names: Sequence[str]) -> None:
    """Serve reflection (v1alpha and v1) for `service_names`, the mesh's other services and the
    reflection services."""
    _register_v1_descriptor()
    names = tuple(dict.fromkeys((*service_names, *mesh_services(), V1ALPHA, V1)))
    servicer = _async.ReflectionServicer(names)
    method = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(name, {"ServerReflectionInfo": method})
            for name in (V1ALPHA, V1)
        ]
    )


@cache
def mesh_services() -> tuple[str, ...]:
    """Every gRPC service of the `ukm` SDK (importing its modules registers their files)."""
    names: list[str] = []
    for module in pkgutil.walk_packages(ukm.__path__, prefix="ukm."):
        if module.name.endswith("_pb2"):
            file = importlib.import_module(module.name).DESCRIPTOR
            names.extend(service.full_name for service in file.services_by_name.values())
    return tuple(sorted(names))


def _register_v1_descriptor() -> None:
    pool = descriptor_pool.Default()
    try:
        pool.FindServiceByName(V1)
        return
    except KeyError:
        pass
    source = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(source)
    source.name = "grpc/reflection/v1/reflection.proto"
    source.package = "grpc.reflection.v1"
    for message in source.message_type:
        for field in message.field:
            if field.type_name.startswith(".grpc.reflection.v1alpha."):
                field.type_name = field.type_name.replace(".v1alpha.", ".v1.", 1)
    for service in source.service:
        for rpc in service.method:
            rpc.input_type = rpc.input_type.replace(".v1alpha.", ".v1.", 1)
            rpc.output_type = rpc.output_type.replace(".v1alpha.", ".v1.", 1)
    pool.Add(source)
