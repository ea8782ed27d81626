"""The mesh PKI: chains, identities, permissions, idempotence and rotation."""

from __future__ import annotations

import dataclasses
import ipaddress
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from mesh.pki import ensure_pki, identity_files, issue_foreign_identity, issue_identity
from mesh.topology import Topology, load_topology


@pytest.fixture(scope="module")
def topology() -> Topology:
    return load_topology()


@pytest.fixture
def pki(topology: Topology, tmp_path: Path) -> Path:
    return ensure_pki(topology, tmp_path / "pki")


def load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.crt"))}


def verify_chain(leaf: x509.Certificate, ca: x509.Certificate, *, server_name: str) -> None:
    """Full RFC 5280 path validation as a client and as a server would do it."""
    store = Store([ca])
    PolicyBuilder().store(store).build_client_verifier().verify(leaf, [])
    server = PolicyBuilder().store(store).build_server_verifier(x509.DNSName(server_name))
    server.verify(leaf, [])


def test_ca_is_a_p256_signing_only_ca(pki: Path) -> None:
    ca = load_cert(pki / "ca.crt")
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert constraints.critical
    assert constraints.value.ca
    assert usage.key_cert_sign
    assert not usage.digital_signature
    public = ca.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert public.curve.name == "secp256r1"


def test_every_identity_has_a_leaf_that_chains_to_the_ca(pki: Path, topology: Topology) -> None:
    ca = load_cert(pki / "ca.crt")
    for name in topology.identities:
        leaf = load_cert(identity_files(pki, name).cert)
        verify_chain(leaf, ca, server_name=name)
        assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_leaf_names_the_spiffe_id_and_the_usual_addresses(pki: Path, topology: Topology) -> None:
    for name in topology.identities:
        sans = (
            load_cert(identity_files(pki, name).cert)
            .extensions.get_extension_for_class(x509.SubjectAlternativeName)
            .value
        )
        assert sans.get_values_for_type(x509.UniformResourceIdentifier) == [
            topology.spiffe_id(name)
        ]
        assert set(sans.get_values_for_type(x509.DNSName)) == {
            "localhost",
            name,
            f"{name}.ukm.svc",
            f"{name}.ukm.svc.cluster.local",
        }
        assert sans.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]


def test_spiffe_ids_follow_the_identity_kind(pki: Path, topology: Topology) -> None:
    def uri(name: str) -> str:
        cert = load_cert(identity_files(pki, name).cert)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return str(san.get_values_for_type(x509.UniformResourceIdentifier)[0])

    assert uri("requests") == "spiffe://ukm.local/svc/requests"
    assert uri("operator") == "spiffe://ukm.local/client/operator"
    assert uri("envoy") == "spiffe://ukm.local/svc/envoy"


def test_leaves_serve_both_ends_of_mtls(pki: Path, topology: Topology) -> None:
    for name in topology.identities:
        eku = (
            load_cert(identity_files(pki, name).cert)
            .extensions.get_extension_for_class(x509.ExtendedKeyUsage)
            .value
        )
        assert set(eku) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}


def test_private_keys_are_private(pki: Path, topology: Topology) -> None:
    assert stat.S_IMODE(pki.stat().st_mode) == 0o700
    for name in ["ca", *topology.identities]:
        assert stat.S_IMODE((pki / f"{name}.key").stat().st_mode) == 0o600
    assert not list(pki.glob(".*.key*")), "temporary files left behind"


def test_second_run_keeps_every_file(pki: Path, topology: Topology) -> None:
    before = snapshot(pki)
    keys = {p.name: p.read_bytes() for p in pki.glob("*.key")}
    ensure_pki(topology, pki)
    assert snapshot(pki) == before
    assert {p.name: p.read_bytes() for p in pki.glob("*.key")} == keys


def test_expiring_leaf_is_reissued_under_the_same_ca(topology: Topology, tmp_path: Path) -> None:
    pki = ensure_pki(topology, tmp_path, leaf_validity=timedelta(seconds=20))
    before = snapshot(pki)
    ensure_pki(topology, pki)
    after = snapshot(pki)
    assert after["ca.crt"] == before["ca.crt"]
    for name in topology.identities:
        assert after[f"{name}.crt"] != before[f"{name}.crt"]
        leaf = load_cert(pki / f"{name}.crt")
        assert leaf.not_valid_after_utc - datetime.now(UTC) > timedelta(hours=23)


def test_leaves_rotate_past_half_their_lifetime(topology: Topology, tmp_path: Path) -> None:
    start = datetime.now(UTC)
    pki = ensure_pki(topology, tmp_path, now=start)
    before = snapshot(pki)
    ensure_pki(topology, pki, now=start + timedelta(hours=11))
    assert snapshot(pki) == before
    ensure_pki(topology, pki, now=start + timedelta(hours=13))
    after = snapshot(pki)
    assert after["ca.crt"] == before["ca.crt"]
    assert all(after[k] != before[k] for k in before if k != "ca.crt")


def test_new_ca_reissues_every_leaf(topology: Topology, tmp_path: Path) -> None:
    start = datetime.now(UTC)
    pki = ensure_pki(topology, tmp_path, now=start)
    before = snapshot(pki)
    later = start + timedelta(days=16)  # past half of the CA's 30 days
    ensure_pki(topology, pki, now=later)
    after = snapshot(pki)
    assert all(after[k] != before[k] for k in before)
    ca = load_cert(pki / "ca.crt")
    for name in topology.identities:
        load_cert(pki / f"{name}.crt").verify_directly_issued_by(ca)


def test_missing_ca_reissues_every_leaf(pki: Path, topology: Topology) -> None:
    before = snapshot(pki)
    (pki / "ca.key").unlink()
    ensure_pki(topology, pki)
    after = snapshot(pki)
    assert all(after[k] != before[k] for k in before)


def test_missing_or_mismatched_files_are_replaced(pki: Path, topology: Topology) -> None:
    before = snapshot(pki)
    (pki / "operator.crt").unlink()
    (pki / "requests.key").write_bytes((pki / "envoy.key").read_bytes())  # not its pair
    ensure_pki(topology, pki)
    after = snapshot(pki)
    assert after["operator.crt"] != before["operator.crt"]
    assert after["requests.crt"] != before["requests.crt"]
    assert after["envoy.crt"] == before["envoy.crt"]
    assert after["ca.crt"] == before["ca.crt"]


def test_changed_identity_is_reissued(pki: Path, topology: Topology) -> None:
    before = snapshot(pki)
    renamed = dataclasses.replace(topology, trust_domain="example.org")
    ensure_pki(renamed, pki)
    after = snapshot(pki)
    assert after["ca.crt"] == before["ca.crt"]
    cert = load_cert(pki / "requests.crt")
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == [
        "spiffe://example.org/svc/requests"
    ]


def test_foreign_identity_does_not_chain_to_the_mesh_ca(pki: Path, tmp_path: Path) -> None:
    foreign = issue_foreign_identity(
        tmp_path / "foreign", "operator", "spiffe://ukm.local/client/operator"
    )
    leaf = load_cert(foreign.cert)
    verify_chain(leaf, load_cert(foreign.ca), server_name="operator")
    with pytest.raises(VerificationError):
        verify_chain(leaf, load_cert(pki / "ca.crt"), server_name="operator")


def test_extra_identity_chains_to_the_mesh_ca(pki: Path) -> None:
    files = issue_identity(pki, "intruder", "spiffe://ukm.local/client/intruder")
    verify_chain(load_cert(files.cert), load_cert(pki / "ca.crt"), server_name="intruder")
    assert stat.S_IMODE(files.key.stat().st_mode) == 0o600
