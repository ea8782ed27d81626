"""Contract code generation: `proto/` → `gen/python` (the `ukm` SDK) and `gen/ukm.binpb`.

The output is deterministic (same inputs and tool versions give the same bytes), so a test can
regenerate into a temporary folder and compare it with what is committed.

`buf/validate/validate.proto` has no text copy in any installable package; the protovalidate
wheel embeds its serialized descriptor. We hand that descriptor to protoc with
`--descriptor_set_in`, so our contracts import it like any other file (see TOOLCHAIN.md).
"""

from __future__ import annotations

import ast
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from google.protobuf import descriptor_pb2, duration_pb2, field_mask_pb2, timestamp_pb2

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
THIRD_PARTY_DIR = ROOT / "third_party" / "proto"
GEN_DIR = ROOT / "gen"

# Third-party files that must be in the descriptor set even though no contract imports them:
# Envoy's transcoder renders google.rpc error details as JSON only if it knows their types.
_DESCRIPTOR_EXTRAS = ("google/rpc/status.proto", "google/rpc/error_details.proto")
_VALIDATE_PROTO = "buf/validate/validate.proto"
# Files written next to the generated code, which protoc does not produce.
_STATIC_SDK_FILES = ("pyproject.toml", "README.md", "ukm/__init__.py", "ukm/py.typed")


def contract_files(proto_dir: Path = PROTO_DIR) -> list[str]:
    """Our own .proto files, relative to `proto/`, in a stable order."""
    return sorted(p.relative_to(proto_dir).as_posix() for p in proto_dir.rglob("*.proto"))


def validate_descriptor_set() -> bytes:
    """A FileDescriptorSet holding buf/validate/validate.proto and the well-known types it uses."""
    import protovalidate

    source = Path(protovalidate.__file__).parent / "_gen" / "buf" / "validate" / "validate_pb.py"
    serialized = _file_desc_literal(source.read_text())
    files = descriptor_pb2.FileDescriptorSet()
    for module in (descriptor_pb2, duration_pb2, field_mask_pb2, timestamp_pb2):
        files.file.add().ParseFromString(module.DESCRIPTOR.serialized_pb)
    files.file.add().ParseFromString(serialized)
    return files.SerializeToString(deterministic=True)


def _file_desc_literal(source: str) -> bytes:
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "file_desc"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, bytes)
        ):
            return node.args[0].value
    raise RuntimeError(
        "protovalidate no longer embeds validate.proto's descriptor; see TOOLCHAIN.md"
    )


def _protoc(args: Iterable[str], proto_dir: Path = PROTO_DIR) -> None:
    import grpc_tools
    from grpc_tools import protoc

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    argv = ["protoc", f"-I{proto_dir}", f"-I{THIRD_PARTY_DIR}", f"-I{well_known}", *args]
    if protoc.main(argv) != 0:
        raise RuntimeError("protoc failed: " + " ".join(argv[1:]))


def generate(out_dir: Path = GEN_DIR) -> None:
    """Regenerate `out_dir/ukm.binpb` and, from that same image, `out_dir/python`.

    Generating the Python code from the image (not from the .proto text) makes `make gen` and
    `buf generate` (buf.gen.yaml, which reads the image) produce the same bytes.
    """
    with tempfile.TemporaryDirectory() as tmp:
        image = build_descriptor_set(Path(tmp) / "ukm.binpb")
        staged = Path(tmp) / "python"
        staged.mkdir()
        _protoc(
            [
                f"--descriptor_set_in={image}",
                f"--python_out={staged}",
                f"--pyi_out={staged}",
                f"--grpc_python_out={staged}",
                *contract_files(),
                _VALIDATE_PROTO,
            ]
        )
        # protoc writes an empty _grpc module for files without services; drop them.
        for stub in staged.rglob("*_pb2_grpc.py"):
            if "class " not in stub.read_text():
                stub.unlink()
        for folder in (p for p in staged.rglob("*") if p.is_dir()):
            if not (folder / "__init__.py").exists():
                (folder / "__init__.py").write_text("")
        _replace_generated(staged, out_dir / "python")
        shutil.copyfile(image, out_dir / "ukm.binpb")


def build_descriptor_set(path: Path, *, proto_dir: Path = PROTO_DIR) -> Path:
    """The `--include_imports --include_source_info` descriptor set of the contracts at `path`.

    It feeds Envoy's transcoder and grpcurl, and is the image `buf lint` checks.
    """
    with tempfile.TemporaryDirectory() as tmp:
        validate_set = Path(tmp) / "validate.binpb"
        validate_set.write_bytes(validate_descriptor_set())
        _protoc(
            [
                f"--descriptor_set_in={validate_set}",
                "--include_imports",
                "--include_source_info",
                f"--descriptor_set_out={path}",
                *contract_files(proto_dir),
                *_DESCRIPTOR_EXTRAS,
            ],
            proto_dir,
        )
    return path


def _replace_generated(staged: Path, python_out: Path) -> None:
    """Swap in the new tree, keeping the hand-written SDK files (pyproject, README, __init__)."""
    python_out.mkdir(parents=True, exist_ok=True)
    keep = {python_out / name for name in _STATIC_SDK_FILES}
    for path in sorted(python_out.rglob("*"), reverse=True):
        if path in keep or any(path in k.parents for k in keep):
            continue
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif "egg-info" not in path.as_posix():
            path.unlink()
    for path in sorted(staged.rglob("*")):
        target = python_out / path.relative_to(staged)
        if path.is_dir():
            target.mkdir(exist_ok=True)
        elif target not in keep:
            shutil.copyfile(path, target)


def generated_files(out_dir: Path) -> dict[str, bytes]:
    """Every generated file under `out_dir` (relative path → bytes), for staleness checks."""
    result: dict[str, bytes] = {}
    for path in sorted(out_dir.rglob("*")):
        rel = path.relative_to(out_dir).as_posix()
        ignored = "__pycache__" in rel or "egg-info" in rel or rel.startswith("python/build/")
        if path.is_file() and not ignored:
            result[rel] = path.read_bytes()
    return result
