"""Where a service gets the keys that verify access tokens: the auth service's JWKS.

Fetched with `AuthService/GetJwks` through the mesh (mTLS with the service's own identity),
cached, and fetched again on an unknown `kid` (see `kit.tokens.CachedJwks`). A JWKS file in the
settings replaces the fetch (tests, tools that run without the auth service).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf.json_format import MessageToDict
from ukm.auth.v1 import auth_service_pb2, auth_service_pb2_grpc

from services.kit.channels import MeshChannels
from services.kit.settings import Settings
from services.kit.tokens import CachedJwks, JwksFile, KeySource


class MeshJwks(CachedJwks):
    """The auth service's published keys, fetched through the mesh."""

    def __init__(self, settings: Settings, identity: str) -> None:
        self.channels = MeshChannels(settings, identity, default_timeout=3.0)
        super().__init__(self._fetch)

    async def _fetch(self) -> Mapping[str, Any]:
        stub = auth_service_pb2_grpc.AuthServiceStub(self.channels.get())
        response = await stub.GetJwks(auth_service_pb2.GetJwksRequest())
        return MessageToDict(response, preserving_proto_field_name=True)

    async def close(self) -> None:
        """Close the channel (at shutdown)."""
        await self.channels.close()


def default_key_source(settings: Settings, identity: str) -> KeySource:
    """The JWKS file named in the settings, else the auth service's keys through the mesh."""
    if settings.jwks_file is not None:
        return JwksFile(settings.jwks_file)
    return MeshJwks(settings, identity)
