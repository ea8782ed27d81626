"""Shared fixtures of the mesh tests: the topology, a PKI and the rendered Envoy config."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesh.envoy import render_envoy_config
from mesh.pki import ensure_pki
from mesh.topology import Topology, load_topology
from tests.support.envoy_config import DESCRIPTOR, Json


@pytest.fixture(scope="module")
def topology() -> Topology:
    return load_topology()


@pytest.fixture(scope="module")
def pki(topology: Topology, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_pki(topology, tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def config(topology: Topology, pki: Path) -> Json:
    return render_envoy_config(topology, pki_dir=pki, descriptor_path=DESCRIPTOR)
