"""Knobs of the auth service only (environment variables `UKM_*`, like every setting).

Defaults are the issue's numbers; the bounds keep a misconfiguration from weakening them (no
access token may live longer than 15 minutes, no Argon2 cost below the required floor).
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr

from services.kit.settings import Settings


class AuthSettings(Settings):
    """`Settings` plus what only the auth service reads."""

    # Access and refresh tokens.
    access_token_ttl_seconds: int = Field(default=900, gt=0, le=900)
    refresh_idle_ttl_days: float = Field(default=14, gt=0)
    session_max_days: float = Field(default=30, gt=0)
    # Signing keys: a new one becomes current when the current one is this old.
    signing_key_max_age_days: float = Field(default=30, gt=0)
    # How often replicas re-read the key table (a rotation made elsewhere is seen this late;
    # retired keys stay published this much longer than their tokens live).
    key_refresh_seconds: float = Field(default=30, gt=0)
    # A new key is published this long before it signs, so that every verifier's cached JWKS
    # (Envoy keeps it 60 s, mesh.envoy.jwt; other replicas re-read keys every
    # key_refresh_seconds) knows it before it meets a token signed with it.
    signing_key_publish_ahead_seconds: float = Field(default=120, ge=0)

    # Passwords: Argon2id cost (the floor is the minimum).
    argon2_time_cost: int = Field(default=2, ge=2)
    argon2_memory_kib: int = Field(default=19456, ge=19456)
    argon2_parallelism: int = Field(default=1, ge=1)

    # Throttling and lockout (see services.auth.throttle).
    login_window_seconds: int = Field(default=900, gt=0)
    login_free_failures: int = Field(default=10, ge=1)
    login_max_delay_seconds: int = Field(default=900, gt=0)
    login_ip_failures: int = Field(default=50, ge=1)

    # Second factor.
    mfa_required_roles: list[str] = Field(default_factory=lambda: ["manager", "admin"])
    mfa_challenge_seconds: int = Field(default=300, gt=0)
    mfa_challenge_attempts: int = Field(default=5, ge=1)

    # Password reset.
    reset_token_seconds: int = Field(default=1800, gt=0)
    reset_requests_per_hour: int = Field(default=5, ge=1)

    # OpenID Connect login; disabled while `oidc_issuer` is empty.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr | None = None
    # The callback URLs registered at the provider; `StartOidcLogin` must name one of them.
    oidc_redirect_uris: list[str] = Field(default_factory=list)
    oidc_scopes: str = "openid email profile"
    oidc_state_seconds: int = Field(default=600, gt=0)

    # Removal of expired challenges, reset tokens, OIDC states, sessions and dropped keys.
    housekeeping_seconds: float = Field(default=300, gt=0)

    @property
    def access_ttl(self) -> timedelta:
        """How long an access token lives."""
        return timedelta(seconds=self.access_token_ttl_seconds)

    @classmethod
    def of(cls, settings: Settings) -> AuthSettings:
        """`settings` as AuthSettings: its values, plus the auth knobs from the environment."""
        if isinstance(settings, cls):
            return settings
        return cls(**settings.model_dump())
