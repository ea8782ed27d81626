"""Both overlays rendered once per session, from a copy of k8s/ with freshly made dev Secrets
(the real k8s/overlays/dev/secrets folder is never touched by the tests)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mesh.kubernetes import DEV_SECRETS, K8S_DIR, write_dev_secrets
from mesh.topology import Topology, load_topology
from tests.k8s.manifests import Rendered, kustomize


@pytest.fixture(scope="session")
def topology() -> Topology:
    return load_topology()


@pytest.fixture(scope="session")
def k8s_copy(tmp_path_factory: pytest.TempPathFactory, topology: Topology) -> Path:
    """k8s/ as committed, plus dev Secret files made by `write_dev_secrets`."""
    copy = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S_DIR, copy, ignore=shutil.ignore_patterns(DEV_SECRETS))
    write_dev_secrets(topology, copy / "overlays" / "dev" / DEV_SECRETS)
    return copy


@pytest.fixture(scope="session")
def dev(k8s_copy: Path) -> Rendered:
    return Rendered("dev", kustomize(k8s_copy / "overlays" / "dev"))


@pytest.fixture(scope="session")
def prod(k8s_copy: Path) -> Rendered:
    return Rendered("prod", kustomize(k8s_copy / "overlays" / "prod"))


@pytest.fixture(scope="session", params=["dev", "prod"])
def overlay(request: pytest.FixtureRequest) -> Rendered:
    rendered: Rendered = request.getfixturevalue(request.param)
    return rendered
