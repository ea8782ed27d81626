"""Certificates for Envoy through file-based SDS, so rotated files are picked up live.

Certificates named directly in a TLS context are read once, at start; a certificate delivered by
SDS from files is re-read whenever its folder changes (a file renamed into it, as `mesh.pki`
writes them, or the symlink swap of a Kubernetes Secret volume). The TLS contexts refer to two
secrets by name; two small SDS files (next to the Envoy config) say where their files are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mesh.envoy.common import GATEWAY_IDENTITY, Json
from mesh.pki import identity_files

CERTIFICATE_SECRET = "ukm_gateway_certificate"
CA_SECRET = "ukm_mesh_ca"
_SECRET_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
_FILES = {CERTIFICATE_SECRET: "sds-certificate.yaml", CA_SECRET: "sds-ca.yaml"}


@dataclass(frozen=True)
class SecretRefs:
    """References to the gateway's certificate and the mesh CA, served from `sds_dir`."""

    sds_dir: Path

    def _ref(self, name: str) -> Json:
        return {
            "name": name,
            "sds_config": {
                "path_config_source": {"path": str(self.sds_dir / _FILES[name])},
                "resource_api_version": "V3",
            },
        }

    def certificate(self) -> Json:
        """For `tls_certificate_sds_secret_configs`: this Envoy's own certificate and key."""
        return self._ref(CERTIFICATE_SECRET)

    def ca(self) -> Json:
        """For `validation_context_sds_secret_config`: the mesh CA."""
        return self._ref(CA_SECRET)


def sds_files(pki_dir: Path, identity: str = GATEWAY_IDENTITY) -> dict[str, Json]:
    """The SDS files (file name → content) presenting `identity`'s certificate from `pki_dir`
    (the gateway's; a sidecar presents its service's)."""
    files = identity_files(pki_dir, identity)
    watch = {"path": str(pki_dir)}
    certificate = {
        "certificate_chain": {"filename": str(files.cert)},
        "private_key": {"filename": str(files.key)},
        "watched_directory": watch,
    }
    ca = {"trusted_ca": {"filename": str(pki_dir / "ca.crt")}, "watched_directory": watch}
    return {
        _FILES[CERTIFICATE_SECRET]: _resource(CERTIFICATE_SECRET, "tls_certificate", certificate),
        _FILES[CA_SECRET]: _resource(CA_SECRET, "validation_context", ca),
    }


def _resource(name: str, kind: str, body: Json) -> Json:
    return {"resources": [{"@type": _SECRET_TYPE, "name": name, kind: body}]}
