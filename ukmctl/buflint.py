"""`buf lint` of the contracts, with the rules configured in buf.yaml.

buf cannot build the workspace by itself (buf/validate/validate.proto exists only as a
descriptor, see ukmctl/codegen.py), so we lint the image protoc builds, ignoring the third-party
packages in it. `python -m ukmctl.buflint` exits non-zero and prints buf's findings on failure.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from ukmctl.codegen import ROOT, build_descriptor_set

BUF = ROOT / ".tools" / "node_modules" / ".bin" / "buf"
THIRD_PARTY_PACKAGES = ["buf", "google"]


def lint_config() -> str:
    """The lint section of our module in buf.yaml, applied to an image."""
    workspace = yaml.safe_load((ROOT / "buf.yaml").read_text())
    ours = next(m for m in workspace["modules"] if m["path"] == "proto")
    lint = dict(ours["lint"])
    lint["ignore"] = [*lint.get("ignore", []), *THIRD_PARTY_PACKAGES]
    return json.dumps({"version": "v2", "lint": lint})


def lint_image(image: Path) -> subprocess.CompletedProcess[str]:
    """Run buf lint on a descriptor-set image."""
    if not BUF.exists():
        raise FileNotFoundError(f"{BUF} is missing; run `make tools`")
    return subprocess.run(
        [str(BUF), "lint", str(image), "--config", lint_config()],
        capture_output=True,
        text=True,
        check=False,
    )


def main() -> int:
    """Build the image, lint it, report."""
    with tempfile.TemporaryDirectory() as tmp:
        result = lint_image(build_descriptor_set(Path(tmp) / "image.binpb"))
    if result.returncode != 0:
        print(result.stdout + result.stderr, file=sys.stderr)
        return 1
    print("buf lint: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
