"""Facts read from the contracts themselves (descriptors), shared by the kit and the mesh."""

from __future__ import annotations

from collections.abc import Iterable

from google.api import annotations_pb2
from google.protobuf import descriptor_pb2


def idempotent_methods(
    files: Iterable[descriptor_pb2.FileDescriptorProto], grpc_services: Iterable[str]
) -> list[str]:
    """`/pkg.Service/Method` paths of the methods whose `google.api.http` rule is a GET.

    Reads are idempotent, so only they are retried (by Envoy and by mesh clients). Raises
    KeyError when a named service is not among `files`.
    """
    wanted = set(grpc_services)
    found: dict[str, descriptor_pb2.ServiceDescriptorProto] = {}
    for file in files:
        for service in file.service:
            full_name = f"{file.package}.{service.name}" if file.package else service.name
            if full_name in wanted:
                found[full_name] = service
    missing = wanted - set(found)
    if missing:
        raise KeyError(f"services not in the contracts: {', '.join(sorted(missing))}")
    return [
        f"/{name}/{method.name}"
        for name in sorted(found)
        for method in found[name].method
        if method.options.Extensions[annotations_pb2.http].WhichOneof("pattern") == "get"
    ]
