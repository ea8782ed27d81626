"""mTLS credentials from the PKI folder, re-read when the files change (certificates rotate)."""

from __future__ import annotations

from pathlib import Path

import grpc

from services.kit.settings import Settings


class CertificateFiles:
    """An identity's certificate, key and the CA, remembering file mtimes to notice rotation."""

    def __init__(self, settings: Settings, identity: str) -> None:
        self.paths = (settings.key_path(identity), settings.cert_path(identity), settings.ca_path)
        missing = [str(p) for p in self.paths if not p.exists()]
        if missing:
            raise FileNotFoundError(
                f"mTLS material for {identity!r} is missing: {', '.join(missing)} "
                "(`ukm up` creates it; on Kubernetes it is mounted from a Secret)"
            )
        self.stamp = self._stamp()

    def _stamp(self) -> tuple[float, ...]:
        return tuple(p.stat().st_mtime for p in self.paths)

    def changed(self) -> bool:
        """Whether any of the files changed since the last look (or since construction)."""
        stamp = self._stamp()
        if stamp != self.stamp:
            self.stamp = stamp
            return True
        return False

    def read(self) -> tuple[bytes, bytes, bytes]:
        """(key, certificate, CA) as bytes."""
        key, cert, ca = (Path(p).read_bytes() for p in self.paths)
        return key, cert, ca


def server_credentials(settings: Settings, identity: str) -> grpc.ServerCredentials:
    """Server credentials that require a client certificate from the mesh CA.

    New handshakes pick up rotated files without a restart.
    """
    material = CertificateFiles(settings, identity)

    def config() -> grpc.ServerCertificateConfiguration:
        key, cert, ca = material.read()
        return grpc.ssl_server_certificate_configuration([(key, cert)], root_certificates=ca)

    def fetch() -> grpc.ServerCertificateConfiguration | None:
        return config() if material.changed() else None

    return grpc.dynamic_ssl_server_credentials(config(), fetch, require_client_authentication=True)


def channel_credentials(settings: Settings, identity: str) -> grpc.ChannelCredentials:
    """Client credentials presenting `identity`'s certificate and trusting the mesh CA."""
    key, cert, ca = CertificateFiles(settings, identity).read()
    return grpc.ssl_channel_credentials(
        root_certificates=ca, private_key=key, certificate_chain=cert
    )
