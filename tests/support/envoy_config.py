"""Fixtures and accessors for tests of rendered Envoy configurations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mesh.topology import Edge
from tests.support.echo import ports

ROOT = Path(__file__).resolve().parents[2]
DESCRIPTOR = ROOT / "gen" / "ukm.binpb"

Json = dict[str, Any]


def random_edge() -> Edge:
    http, https, mesh, admin = ports(4)
    return Edge(http_port=http, https_port=https, mesh_port=mesh, admin_port=admin)


def listener(config: Json, name: str) -> Json:
    return next(x for x in config["static_resources"]["listeners"] if x["name"] == name)


def hcm(config: Json, name: str) -> Json:
    manager: Json = listener(config, name)["filter_chains"][0]["filters"][0]["typed_config"]
    return manager


def tls(config: Json, name: str) -> Json:
    context: Json = listener(config, name)["filter_chains"][0]["transport_socket"]["typed_config"]
    return context


def routes(config: Json) -> list[Json]:
    found: list[Json] = hcm(config, "mesh")["route_config"]["virtual_hosts"][0]["routes"]
    return found


def clusters(config: Json) -> dict[str, Json]:
    return {c["name"]: c for c in config["static_resources"]["clusters"]}
