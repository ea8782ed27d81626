"""The mesh's private PKI: one EC P-256 CA and a short-lived leaf certificate per identity.

Every service and client in the topology gets `<name>.crt` / `<name>.key` with the URI SAN
`spiffe://<trust domain>/<kind>/<name>` (its identity), DNS names for the usual ways of dialling
it, and both server and client authentication, so one certificate serves mTLS in both directions.

`ensure_pki` is idempotent and is meant to be called on every start: it keeps what is still good
and re-issues what is missing, expiring, issued by another CA or names an outdated identity. A new
CA (missing or expiring) re-issues every leaf. Files are written atomically; private keys are
0600 in a 0700 folder. Nothing here is ever committed.
"""

from __future__ import annotations

import fcntl
import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mesh.files import write_atomically
from mesh.topology import Topology

CA_NAME = "ca"
DEFAULT_LEAF_VALIDITY = timedelta(hours=24)
DEFAULT_CA_VALIDITY = timedelta(days=30)
# Certificates start slightly in the past so a peer whose clock runs a little behind accepts them.
_BACKDATE = timedelta(minutes=1)
_ORGANISATION = "UKM"
_KEY_MODE = 0o600
_CERT_MODE = 0o644
_DIR_MODE = 0o700
# One certificate per identity serves both ends of mTLS.
_LEAF_USAGES = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]


@dataclass(frozen=True)
class IdentityFiles:
    """Where one identity's certificate, private key and trusted CA live."""

    cert: Path
    key: Path
    ca: Path

    def read(self) -> tuple[bytes, bytes, bytes]:
        """The PEM bytes `(cert, key, ca)` (gRPC wants them as `(ca, key, cert)`)."""
        return self.cert.read_bytes(), self.key.read_bytes(), self.ca.read_bytes()


@dataclass(frozen=True)
class _Pair:
    """A certificate with its private key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def identity_files(directory: Path, name: str) -> IdentityFiles:
    """The files of identity `name` in a PKI folder (whether or not they exist yet)."""
    return IdentityFiles(
        cert=directory / f"{name}.crt", key=directory / f"{name}.key", ca=directory / "ca.crt"
    )


def leaf_sans(name: str, spiffe_id: str) -> list[x509.GeneralName]:
    """The subject alternative names of a leaf: its SPIFFE id, DNS names and the loopback IP."""
    return [
        x509.UniformResourceIdentifier(spiffe_id),
        x509.DNSName("localhost"),
        x509.DNSName(name),
        x509.DNSName(f"{name}.ukm.svc"),
        x509.DNSName(f"{name}.ukm.svc.cluster.local"),
        x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
    ]


def ensure_pki(
    topology: Topology,
    directory: Path,
    *,
    leaf_validity: timedelta = DEFAULT_LEAF_VALIDITY,
    ca_validity: timedelta = DEFAULT_CA_VALIDITY,
    now: datetime | None = None,
) -> Path:
    """Make sure `directory` holds a current CA and a current leaf for every topology identity.

    Reuses certificates with more than half of their lifetime left that chain to the current CA
    and name the right identity; re-issues the rest. `now` exists for tests (rotation). Returns
    `directory`.
    """
    moment = now or datetime.now(UTC)
    _prepare_directory(directory)
    with _locked(directory):
        ca, ca_is_new = _ensure_ca(directory, ca_validity, moment)
        for name in topology.identities:
            _ensure_leaf(
                directory,
                ca,
                name,
                topology.spiffe_id(name),
                leaf_validity,
                moment,
                force=ca_is_new,
            )
    return directory


def issue_foreign_identity(
    directory: Path,
    name: str,
    spiffe_id: str,
    *,
    validity: timedelta = DEFAULT_LEAF_VALIDITY,
) -> IdentityFiles:
    """A brand-new CA and one leaf signed by it, in `directory` (tests: an untrusted issuer).

    The leaf looks exactly like a mesh leaf (same SAN shape and key usages) but chains to a CA
    the mesh has never seen, so a correct peer must refuse it.
    """
    moment = datetime.now(UTC)
    _prepare_directory(directory)
    ca = _new_ca(validity * 2, moment)
    _write_pair(directory, CA_NAME, ca)
    _write_pair(directory, name, _new_leaf(ca, name, spiffe_id, validity, moment))
    return identity_files(directory, name)


def issue_identity(
    directory: Path,
    name: str,
    spiffe_id: str,
    *,
    validity: timedelta = DEFAULT_LEAF_VALIDITY,
) -> IdentityFiles:
    """A leaf for an identity outside the topology, signed by the CA already in `directory`.

    For tests of SAN allow-lists (a certificate from the right CA with the wrong identity) and
    for one-off operator certificates.
    """
    ca = _load_pair(directory, CA_NAME)
    if ca is None:
        raise FileNotFoundError(f"no CA in {directory}; run ensure_pki first")
    _write_pair(directory, name, _new_leaf(ca, name, spiffe_id, validity, datetime.now(UTC)))
    return identity_files(directory, name)


def _prepare_directory(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(_DIR_MODE)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Serialise concurrent `ensure_pki` calls on one folder (supervisor and tests, say)."""
    with (directory / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ensure_ca(directory: Path, validity: timedelta, now: datetime) -> tuple[_Pair, bool]:
    """The current CA, and whether it was just made."""
    existing = _load_pair(directory, CA_NAME)
    if existing is not None and _is_fresh(existing.cert, now) and _is_ca(existing.cert):
        return existing, False
    ca = _new_ca(validity, now)
    _write_pair(directory, CA_NAME, ca)
    return ca, True


def _ensure_leaf(
    directory: Path,
    ca: _Pair,
    name: str,
    spiffe_id: str,
    validity: timedelta,
    now: datetime,
    *,
    force: bool,
) -> None:
    existing = None if force else _load_pair(directory, name)
    if existing is not None and _leaf_is_current(existing.cert, ca.cert, name, spiffe_id, now):
        return
    _write_pair(directory, name, _new_leaf(ca, name, spiffe_id, validity, now))


def _leaf_is_current(
    cert: x509.Certificate, ca: x509.Certificate, name: str, spiffe_id: str, now: datetime
) -> bool:
    """Fresh, issued by `ca` and naming exactly the expected identity."""
    return _is_fresh(cert, now) and _issued_by(cert, ca) and _has_sans(cert, name, spiffe_id)


def _is_fresh(cert: x509.Certificate, now: datetime) -> bool:
    """Valid now and for more than half of its lifetime still to come."""
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    return start <= now and end - now > (end - start) / 2


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _has_sans(cert: x509.Certificate, name: str, spiffe_id: str) -> bool:
    try:
        present = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return set(present) == set(leaf_sans(name, spiffe_id))


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_ca(validity: timedelta, now: datetime) -> _Pair:
    """A self-signed CA that may sign leaves only (path length 0)."""
    key = _new_key()
    subject = _name(f"UKM mesh CA {now:%Y-%m-%d %H:%M:%S}")
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _Pair(cert, key)


def _new_leaf(ca: _Pair, name: str, spiffe_id: str, validity: timedelta, now: datetime) -> _Pair:
    """A leaf for `name`, never outliving its CA."""
    key = _new_key()
    public = key.public_key()
    not_after = min(now + validity, ca.cert.not_valid_after_utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca.cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(_LEAF_USAGES), critical=False)
        .add_extension(x509.SubjectAlternativeName(leaf_sans(name, spiffe_id)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )
    return _Pair(cert, key)


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _load_pair(directory: Path, name: str) -> _Pair | None:
    """The certificate and key of `name`, or None when missing, unreadable or not a pair."""
    files = identity_files(directory, name)
    try:
        cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
        key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        return None
    return _Pair(cert, key)


def _write_pair(directory: Path, name: str, pair: _Pair) -> None:
    """Write the key first, then the certificate: a crash in between leaves a mismatched pair,
    which `_load_pair` rejects, so the next run re-issues it."""
    files = identity_files(directory, name)
    key_pem = pair.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_atomically(files.key, key_pem, _KEY_MODE)
    write_atomically(files.cert, pair.cert.public_bytes(serialization.Encoding.PEM), _CERT_MODE)
