"""The contracts: generated code is current, buf lint is clean (and would catch a violation),
the SDK builds as an installable package."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from google.protobuf import descriptor_pb2

from ukmctl import buflint, codegen

STATIC_SDK_FILES = {
    "python/pyproject.toml",
    "python/README.md",
    "python/ukm/__init__.py",
    "python/ukm/py.typed",
}


def test_gen_is_up_to_date_with_proto(tmp_path: Path) -> None:
    fresh_dir = tmp_path / "gen"
    codegen.generate(fresh_dir)
    fresh = codegen.generated_files(fresh_dir)
    committed = {
        path: data
        for path, data in codegen.generated_files(codegen.GEN_DIR).items()
        if path not in STATIC_SDK_FILES
    }
    assert "ukm.binpb" in fresh
    assert "python/ukm/requests/v1/requests_service_pb2_grpc.py" in fresh
    stale = sorted(p for p in fresh.keys() | committed.keys() if fresh.get(p) != committed.get(p))
    assert stale == [], f"gen/ is stale, run `make gen`: {stale}"


def test_codegen_is_deterministic(tmp_path: Path) -> None:
    codegen.generate(tmp_path / "a")
    codegen.generate(tmp_path / "b")
    assert codegen.generated_files(tmp_path / "a") == codegen.generated_files(tmp_path / "b")


def test_buf_lint_is_clean_and_nothing_breaks_main() -> None:
    # Against main itself this is trivially compatible; on a branch it is the real check.
    assert buflint.main(against="main") == 0


def test_buf_lint_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "proto" / "ukm" / "bad" / "v1"
    bad.mkdir(parents=True)
    (bad / "bad.proto").write_text(
        'syntax = "proto3";\npackage ukm.bad.v1;\n'
        "enum color { RED = 0; }\n"  # not PascalCase, zero value not *_UNSPECIFIED
        "service things { rpc get(Empty) returns (Empty); }\nmessage Empty {}\n"
    )
    image = codegen.build_descriptor_set(tmp_path / "image.binpb", proto_dir=tmp_path / "proto")
    result = buflint.lint_image(image)
    assert result.returncode != 0
    assert "ENUM_PASCAL_CASE" in result.stdout or "PascalCase" in result.stdout


def test_the_sdk_builds_as_a_wheel_with_stubs(tmp_path: Path) -> None:
    source = tmp_path / "sdk"
    shutil.copytree(
        codegen.GEN_DIR / "python",
        source,
        ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "build"),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        check=True,
    )
    [wheel] = tmp_path.glob("ukm-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "ukm/requests/v1/requests_service_pb2.py",
        "ukm/requests/v1/requests_service_pb2.pyi",
        "ukm/requests/v1/requests_service_pb2_grpc.py",
        "ukm/events/v1/envelope_pb2.py",
        "buf/validate/validate_pb2.py",
        "ukm/py.typed",
    ):
        assert expected in names


def _descriptor_in(module_source: str) -> descriptor_pb2.FileDescriptorProto:
    """The FileDescriptorProto a generated _pb2 module registers, json names dropped (buf
    spells them out, protoc's Python generator leaves the defaults implicit)."""
    for node in ast.walk(ast.parse(module_source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "AddSerializedFile":
            proto = descriptor_pb2.FileDescriptorProto.FromString(node.args[0].value)  # type: ignore[attr-defined]
            messages = list(proto.message_type)
            while messages:  # nested types too (map entries are nested messages)
                message = messages.pop()
                messages.extend(message.nested_type)
                for field in message.field:
                    field.ClearField("json_name")
            return proto
    raise AssertionError("no descriptor in module")


def test_buf_generate_with_buf_gen_yaml_matches_make_gen(tmp_path: Path) -> None:
    template = (
        (codegen.ROOT / "buf.gen.yaml").read_text().replace("out: gen/python", f"out: {tmp_path}")
    )
    (tmp_path / "buf.gen.yaml").write_text(template)
    subprocess.run(
        [str(buflint.BUF), "generate", "--template", str(tmp_path / "buf.gen.yaml")],
        cwd=codegen.ROOT,
        check=True,
    )
    generated = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.py*"))
    assert generated, "buf generate wrote nothing"
    for name in generated:
        ours = (codegen.GEN_DIR / "python" / name).read_text()
        theirs = (tmp_path / name).read_text()
        if name.endswith("_pb2.py"):
            assert _descriptor_in(theirs) == _descriptor_in(ours), name
        else:
            assert theirs == ours, name


def test_buf_breaking_catches_an_incompatible_change(tmp_path: Path) -> None:
    before = tmp_path / "before" / "ukm" / "demo" / "v1"
    after = tmp_path / "after" / "ukm" / "demo" / "v1"
    for folder, quantity_type in ((before, "int64"), (after, "string")):
        folder.mkdir(parents=True)
        (folder / "demo.proto").write_text(
            'syntax = "proto3";\npackage ukm.demo.v1;\n'
            f"message Thing {{\n  string name = 1;\n  {quantity_type} quantity = 2;\n}}\n"
        )
    old = codegen.build_descriptor_set(tmp_path / "old.binpb", proto_dir=tmp_path / "before")
    new = codegen.build_descriptor_set(tmp_path / "new.binpb", proto_dir=tmp_path / "after")
    assert buflint.breaking(old, old).returncode == 0
    result = buflint.breaking(new, old)
    assert result.returncode != 0
    assert "quantity" in result.stdout
