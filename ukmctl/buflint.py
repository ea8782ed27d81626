"""`buf lint` and `buf breaking` of the contracts, with the rules configured in buf.yaml.

buf cannot build the workspace by itself (buf/validate/validate.proto exists only as a
descriptor, see ukmctl/codegen.py), so both run on images that protoc builds: lint on the
working tree's, breaking on the working tree's against the one built from a git revision (main
by default). Third-party packages in the images are ignored. `python -m ukmctl.buflint` exits
non-zero and prints buf's findings on failure. The contracts are the event schema registry too:
an incompatible change to a message is a failing check, not a surprise for a consumer.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import yaml

from ukmctl.codegen import ROOT, build_descriptor_set

BUF = ROOT / ".tools" / "node_modules" / ".bin" / "buf"
THIRD_PARTY_PACKAGES = ["buf", "google"]


def _config(section: str) -> str:
    """One section (lint or breaking) of our module in buf.yaml, applied to an image."""
    workspace = yaml.safe_load((ROOT / "buf.yaml").read_text())
    ours = next(m for m in workspace["modules"] if m["path"] == "proto")
    rules: dict[str, Any] = dict(ours[section])
    rules["ignore"] = [*rules.get("ignore", []), *THIRD_PARTY_PACKAGES]
    return json.dumps({"version": "v2", section: rules})


def _buf(*args: str) -> subprocess.CompletedProcess[str]:
    if not BUF.exists():
        raise FileNotFoundError(f"{BUF} is missing; run `make tools`")
    return subprocess.run([str(BUF), *args], capture_output=True, text=True, check=False)


def lint_image(image: Path) -> subprocess.CompletedProcess[str]:
    """Run buf lint on a descriptor-set image."""
    return _buf("lint", str(image), "--config", _config("lint"))


def breaking(image: Path, against: Path) -> subprocess.CompletedProcess[str]:
    """Run buf breaking: `image` must stay compatible with `against` (rules from buf.yaml)."""
    return _buf("breaking", str(image), "--against", str(against), "--config", _config("breaking"))


def image_at_revision(revision: str, path: Path) -> Path | None:
    """The contracts' image as of a git revision, or None when the revision does not exist."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "proto"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        return None
    source = path.parent / f"proto-{revision.replace('/', '_')}"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(source, filter="data")
    return build_descriptor_set(path, proto_dir=source / "proto")


def main(against: str = "main") -> int:
    """Lint the working tree's contracts and check them against `against`; report."""
    with tempfile.TemporaryDirectory() as tmp:
        image = build_descriptor_set(Path(tmp) / "image.binpb")
        results = [("buf lint", lint_image(image))]
        previous = image_at_revision(against, Path(tmp) / "against.binpb")
        if previous is not None:
            results.append((f"buf breaking against {against}", breaking(image, previous)))
    failed = False
    for name, result in results:
        if result.returncode != 0:
            print(f"{name}:\n{result.stdout}{result.stderr}", file=sys.stderr)
            failed = True
        else:
            print(f"{name}: clean")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
