"""The Envoy in front of the pre-verified requests service: the production rendering minus
`jwt_authn`.

The configuration is rendered from the same topology by the same code as the real one (so
transcoding, body limits, routes, clusters, TLS and access logs are identical), with the
requests cluster pointing at the pre-verified process; then the token filter is taken out of
every listener. Nothing in `mesh/` knows about this: a gateway without token checks must not
be a rendering option.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path

import yaml

from mesh.envoy import render_envoy_config, sds_files, validate_envoy_config
from mesh.envoy.common import Json
from mesh.files import write_atomically
from mesh.topology import Edge, Topology

JWT_FILTER = "envoy.filters.http.jwt_authn"
_HCM = "envoy.filters.network.http_connection_manager"


def without_token_checks(config: Json) -> Json:
    """A copy of a rendered Envoy bootstrap with `jwt_authn` removed from every HTTP connection
    manager; ValueError if there was none (the rendering changed: this bench would compare
    nothing)."""
    config = copy.deepcopy(config)
    removed = 0
    for listener in config["static_resources"]["listeners"]:
        for chain in listener["filter_chains"]:
            for network_filter in chain["filters"]:
                if network_filter["name"] != _HCM:
                    continue
                manager = network_filter["typed_config"]
                kept = [f for f in manager["http_filters"] if f["name"] != JWT_FILTER]
                removed += len(manager["http_filters"]) - len(kept)
                manager["http_filters"] = kept
    if removed == 0:
        raise ValueError(f"the rendered Envoy config has no {JWT_FILTER} filter to remove")
    return config


def write_open_edge_config(
    topology: Topology,
    path: Path,
    *,
    pki_dir: Path,
    descriptor_path: Path,
    upstreams: Mapping[str, tuple[str, int]],
    edge: Edge,
    access_log: str,
) -> Path:
    """Render, strip the token checks, write `path` (with its SDS files beside it), validate."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for name, content in sds_files(pki_dir.resolve()).items():
        write_atomically(path.parent / name, yaml.safe_dump(content, sort_keys=False))
    config = render_envoy_config(
        topology,
        pki_dir=pki_dir,
        descriptor_path=descriptor_path,
        upstreams=upstreams,
        edge=edge,
        access_log=access_log,
        sds_dir=path.parent,
    )
    write_atomically(path, yaml.safe_dump(without_token_checks(config), sort_keys=False))
    validate_envoy_config(path)
    return path
