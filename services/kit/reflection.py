"""Server reflection in both dialects: `v1alpha` (what grpcurl 1.8 speaks) and `v1` (newer tools).

grpcio-reflection only ships v1alpha. The two protocols are identical on the wire apart from the
package name, so the v1 service reuses the v1alpha servicer and messages under the v1 path, and
the v1 descriptor (v1alpha's, renamed) is added to the pool so tools can also `describe` it.
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import _async, reflection_pb2

V1ALPHA = "grpc.reflection.v1alpha.ServerReflection"
V1 = "grpc.reflection.v1.ServerReflection"


def enable_reflection(server: grpc.aio.Server, service_names: Sequence[str]) -> None:
    """Serve reflection (v1alpha and v1) for `service_names` plus the reflection services."""
    _register_v1_descriptor()
    names = (*service_names, V1ALPHA, V1)
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
