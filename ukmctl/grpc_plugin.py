"""`protoc-gen-grpc_python` for buf: hands the request to grpcio-tools' generator.

buf rejects `protoc_builtin: grpc_python`, so buf.gen.yaml names this local plugin. It writes the
request's files to a descriptor set, runs grpcio-tools' protoc with `--descriptor_set_in` and
returns what it generated — byte-identical to `make gen`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from grpc_tools import protoc


def generate(request: plugin_pb2.CodeGeneratorRequest) -> plugin_pb2.CodeGeneratorResponse:
    """The gRPC stubs for `request.file_to_generate`."""
    response = plugin_pb2.CodeGeneratorResponse()
    response.supported_features = plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    with tempfile.TemporaryDirectory() as tmp:
        descriptors = Path(tmp) / "request.binpb"
        descriptors.write_bytes(
            descriptor_pb2.FileDescriptorSet(file=request.proto_file).SerializeToString()
        )
        out = Path(tmp) / "out"
        out.mkdir()
        argv = [
            "protoc",
            f"--descriptor_set_in={descriptors}",
            f"--grpc_python_out={out}",
            *request.file_to_generate,
        ]
        if protoc.main(argv) != 0:
            response.error = "grpc_tools.protoc failed"
            return response
        for path in sorted(out.rglob("*.py")):
            if "class " in path.read_text():  # files without services yield empty modules
                response.file.add(name=path.relative_to(out).as_posix(), content=path.read_text())
    return response


def main() -> None:
    """Speak the protoc plugin protocol on stdin/stdout."""
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    sys.stdout.buffer.write(generate(request).SerializeToString())


if __name__ == "__main__":
    main()
