"""Authentication: turns a call's transport facts into a `Caller`.

Two independent proofs, both optional here (the permission matrix decides what a method needs):

- the calling **workload**: the mTLS peer certificate's SPIFFE id, or, when the peer is the Envoy
  gateway, the original caller's id that Envoy forwards in `x-forwarded-client-cert` (Envoy
  sanitises that header on its edge listeners, so outside clients cannot forge it);
- the **person**: an access token in `authorization: Bearer …`, verified here again even when
  Envoy already checked it (a call that bypasses the gateway gains nothing).

A token that fails verification does not fail authentication at once: the refusal travels with
the result and the permission check raises it unless the method is public.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Protocol

import grpc

from services.kit.context import ANONYMOUS, Caller
from services.kit.errors import Unauthenticated
from services.kit.tokens import TokenVerifier

XFCC_HEADER = "x-forwarded-client-cert"
AUTHORIZATION_HEADER = "authorization"
FORWARDED_FOR_HEADER = "x-forwarded-for"


@dataclass(frozen=True)
class Authentication:
    """Who is calling, and why a presented token was refused (if it was)."""

    caller: Caller
    client_ip: str = ""
    token_error: Unauthenticated | None = None


class Authenticator(Protocol):
    """Decides who is calling."""

    async def authenticate(
        self, metadata: Mapping[str, str], context: grpc.aio.ServicerContext
    ) -> Authentication: ...


class MeshAuthenticator:
    """Workload from mTLS (directly or through the gateway) plus the person from a bearer token
    (when a `verifier` is given)."""

    def __init__(self, gateway_identity: str, verifier: TokenVerifier | None = None) -> None:
        self.gateway_identity = gateway_identity
        self.verifier = verifier

    async def authenticate(
        self, metadata: Mapping[str, str], context: grpc.aio.ServicerContext
    ) -> Authentication:
        """The caller behind this call (anonymous if nothing identifies it)."""
        peer = peer_spiffe_id(context)
        via_gateway = peer == self.gateway_identity
        if via_gateway:
            forwarded = xfcc_uri(metadata.get(XFCC_HEADER, ""))
            caller = Caller(workload=forwarded) if forwarded else ANONYMOUS
        else:
            caller = Caller(workload=peer) if peer else ANONYMOUS
        client_ip = _client_ip(metadata, context, via_gateway)
        header = metadata.get(AUTHORIZATION_HEADER)
        if header is None or self.verifier is None:
            return Authentication(caller, client_ip)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            error = Unauthenticated(
                "the authorization header must be `Bearer <access token>`",
                reason="TOKEN_INVALID",
            )
            return Authentication(caller, client_ip, error)
        try:
            claims = await self.verifier.verify(token.strip())
        except Unauthenticated as error:
            return Authentication(caller, client_ip, error)
        person = replace(
            caller,
            user_id=claims.user_id,
            roles=claims.roles,
            active_role=claims.active_role,
            status=claims.status,
            session_id=claims.session_id,
            amr=claims.amr,
        )
        return Authentication(person, client_ip)


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


def _client_ip(
    metadata: Mapping[str, str], context: grpc.aio.ServicerContext, via_gateway: bool
) -> str:
    # Envoy appends the address it saw to X-Forwarded-For; earlier entries are whatever the
    # client claimed, so only the last one is trusted, and only from the gateway.
    if via_gateway and (forwarded := metadata.get(FORWARDED_FOR_HEADER)):
        return forwarded.rsplit(",", 1)[-1].strip()
    peer = context.peer() or ""
    kind, _, rest = peer.partition(":")
    if kind == "ipv4":
        return rest.rsplit(":", 1)[0]
    if kind == "ipv6":
        return rest.rsplit(":", 1)[0].strip("[]").replace("%5B", "").replace("%5D", "")
    return ""
