"""Rotated certificates reach a running Envoy without a restart (file-based SDS)."""

from __future__ import annotations

import shutil
import socket
import ssl
import time
from pathlib import Path

from cryptography import x509

from mesh.envoy import write_envoy_config
from mesh.envoy.process import EnvoyProcess
from mesh.infra import free_port
from mesh.pki import identity_files, issue_identity
from mesh.topology import Edge, load_topology

ROOT = Path(__file__).resolve().parents[2]


def presented_serial(port: int, pki: Path) -> int:
    """The serial number of the certificate the mesh listener presents."""
    client = identity_files(pki, "operator")
    context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    context.load_cert_chain(str(client.cert), str(client.key))
    context.check_hostname = False
    with (
        socket.create_connection(("127.0.0.1", port), timeout=3) as raw,
        context.wrap_socket(raw) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der).serial_number


def test_a_reissued_gateway_certificate_is_served_without_a_restart(
    pki_dir: Path, tmp_path: Path
) -> None:
    pki = tmp_path / "pki"
    shutil.copytree(pki_dir, pki)  # the session PKI stays untouched
    topology = load_topology()
    edge = Edge(
        http_port=free_port(), https_port=free_port(), mesh_port=free_port(), admin_port=free_port()
    )
    config = write_envoy_config(
        topology,
        tmp_path / "envoy.yaml",
        pki_dir=pki,
        descriptor_path=ROOT / "gen" / "ukm.binpb",
        edge=edge,
        upstreams={"requests": ("127.0.0.1", free_port())},
    )
    with EnvoyProcess(config, admin_port=edge.admin_port, log_path=tmp_path / "envoy.log"):
        before = presented_serial(edge.mesh_port, pki)
        issue_identity(pki, "envoy", topology.spiffe_id("envoy"))  # rotation, as ensure_pki does
        deadline = time.monotonic() + 10
        after = before
        while after == before and time.monotonic() < deadline:
            time.sleep(0.2)
            after = presented_serial(edge.mesh_port, pki)
    assert after != before
    expected = x509.load_pem_x509_certificate(identity_files(pki, "envoy").cert.read_bytes())
    assert after == expected.serial_number
