"""Authentication seam: turns a call's transport facts into a `Caller`.

Today it knows workloads: the mTLS peer certificate's SPIFFE id, or, when the peer is the Envoy
gateway, the original caller's id that Envoy forwards in `x-forwarded-client-cert` (Envoy
sanitises that header on its edge listeners, so outside clients cannot forge it). The identity
issue adds a JWT step here (user id and roles); handlers keep reading `current_caller()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import grpc

from services.kit.context import ANONYMOUS, Caller

XFCC_HEADER = "x-forwarded-client-cert"


class Authenticator(Protocol):
    """Decides who is calling, or raises `Unauthenticated`."""

    def authenticate(
        self, metadata: Mapping[str, str], context: grpc.aio.ServicerContext
    ) -> Caller: ...


class WorkloadAuthenticator:
    """Identifies the calling workload from mTLS (directly or through the gateway)."""

    def __init__(self, gateway_identity: str) -> None:
        self.gateway_identity = gateway_identity

    def authenticate(
        self, metadata: Mapping[str, str], context: grpc.aio.ServicerContext
    ) -> Caller:
        """The caller behind this call (anonymous if nothing identifies it)."""
        peer = peer_spiffe_id(context)
        if peer is None:
            return ANONYMOUS
        if peer == self.gateway_identity:
            forwarded = xfcc_uri(metadata.get(XFCC_HEADER, ""))
            return Caller(workload=forwarded) if forwarded else ANONYMOUS
        return Caller(workload=peer)


def peer_spiffe_id(context: grpc.aio.ServicerContext) -> str | None:
    """The `spiffe://` URI SAN of the peer's verified client certificate, if any."""
    auth = context.auth_context()
    for key in ("peer_spiffe_id", "x509_subject_alternative_name"):
        for value in auth.get(key, ()):
            text = value.decode() if isinstance(value, bytes) else str(value)
            if text.startswith("spiffe://"):
                return text
    return None


def xfcc_uri(header: str) -> str | None:
    """The URI of the last (nearest) element of an `x-forwarded-client-cert` header."""
    if not header:
        return None
    last = header.split(",")[-1]
    for pair in last.split(";"):
        key, _, value = pair.partition("=")
        if key.strip().lower() == "uri":
            return value.strip().strip('"') or None
    return None
