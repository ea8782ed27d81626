"""Settings for every service: one pydantic-settings class, environment variables prefixed `UKM_`.

Defaults suit `make up` on one machine; Kubernetes passes the same names through ConfigMaps and
Secrets. Secrets are `SecretStr` so they never show up in logs or reprs.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What a service process needs to know about its surroundings."""

    model_config = SettingsConfigDict(env_prefix="UKM_", extra="ignore")

    # Where this process listens. Ports default to the topology's for the service.
    host: str = "127.0.0.1"
    grpc_port: int | None = None
    ops_port: int | None = None
    ops_host: str = "127.0.0.1"

    database_url: SecretStr = SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    nats_url: str = "nats://127.0.0.1:4222"
    db_pool_size: int = Field(default=10, ge=1, le=100)

    # mTLS material. The supervisor (or cert-manager on Kubernetes) puts `<identity>.crt`,
    # `<identity>.key` and `ca.crt` here.
    pki_dir: Path = Path(".ukm/pki")

    # Where service-to-service calls go: Envoy's mesh listener.
    mesh_address: str = "127.0.0.1:8444"

    log_level: str = "INFO"
    # Largest accepted gRPC message; bigger ones are refused before any handler runs.
    max_message_bytes: int = 1024 * 1024
    # Between NOT_SERVING and closing the listener, so load balancers stop sending first.
    drain_seconds: float = Field(default=1.0, ge=0)
    # How long in-flight calls may finish after the listener closes.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    # Outbox relay: poll interval when no NOTIFY arrives, batch size, concurrent publishes.
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_batch_size: int = Field(default=200, ge=1, le=5000)

    # Access tokens: who issues them and for whom. Every service verifies them (kit.tokens).
    jwt_issuer: str = "https://auth.ukm.local"
    jwt_audience: str = "ukm"
    # A JWKS file to trust instead of fetching the auth service's keys through the mesh
    # (tests, air-gapped tools). Empty: fetch `AuthService/GetJwks`.
    jwks_file: Path | None = None
    # Keys that encrypt personal data at rest (kit.crypto): `version:base64url(32 bytes)`,
    # comma-separated; the highest version encrypts, every listed version decrypts (rotation).
    # `make up` generates one under .ukm/; Kubernetes takes it from a Secret.
    data_keys: SecretStr = SecretStr("")

    def cert_path(self, identity: str) -> Path:
        """The certificate file of `identity` (a service or client name)."""
        return self.pki_dir / f"{identity}.crt"

    def key_path(self, identity: str) -> Path:
        """The private key file of `identity`."""
        return self.pki_dir / f"{identity}.key"

    @property
    def ca_path(self) -> Path:
        """The mesh CA certificate."""
        return self.pki_dir / "ca.crt"
