"""Tables of the auth service (schema `auth`; no other service touches them).

Secrets are never stored as given: passwords as Argon2id hashes; refresh, reset, challenge and
OIDC-state tokens as SHA-256 digests (they are 256-bit random, so a fast hash suffices); TOTP
secrets, signing keys and PKCE verifiers encrypted with `kit.crypto`, bound to their row. The
e-mail address is personal data: sealed too, and found through a blind index.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from services.kit.outbox import outbox_table

SCHEMA = "auth"
metadata = sa.MetaData(schema=SCHEMA)


def _at(name: str, *, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


# A password credential and its second factor. People who only use Telegram or OIDC have none.
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("user_id", UUID(as_uuid=False), primary_key=True),
    # kit.crypto blind index of the lower-cased address (purpose `auth.email`).
    sa.Column("email_index", sa.Text, nullable=False, unique=True),
    sa.Column("email_sealed", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("language", sa.Text, nullable=False, server_default="ru"),
    # TOTP: the active secret, and one being enrolled until its first code confirms it.
    sa.Column("totp_sealed", sa.Text),
    sa.Column("totp_pending_sealed", sa.Text),
    # The newest time step a code was accepted for; that step and older ones are spent.
    sa.Column("totp_last_step", sa.BigInteger),
    # SHA-256 of the backup codes not used yet.
    sa.Column("backup_code_hashes", ARRAY(sa.Text), nullable=False, server_default="{}"),
    _at("totp_enabled_at"),
    _at("password_changed_at", nullable=False),
    _at("created_at", nullable=False),
)

# A session is one sign-in and the family of refresh tokens descending from it; its id is the
# `sid` claim of the access tokens it produces.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("user_id", UUID(as_uuid=False), nullable=False),
    # How it began: pwd, oidc (the `method` of the Session resource).
    sa.Column("method", sa.Text, nullable=False),
    sa.Column("amr", ARRAY(sa.Text), nullable=False),
    sa.Column("client_ip", sa.Text, nullable=False, server_default=""),
    sa.Column("user_agent", sa.Text, nullable=False, server_default=""),
    _at("created_at", nullable=False),
    _at("last_used_at", nullable=False),
    _at("expires_at", nullable=False),
    _at("revoked_at"),
    sa.Column("revoke_reason", sa.Text, nullable=False, server_default=""),
    sa.Index("sessions_active_by_user", "user_id", postgresql_where=sa.text("revoked_at IS NULL")),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    sa.Column("token_hash", sa.Text, primary_key=True),
    sa.Column(
        "session_id",
        UUID(as_uuid=False),
        sa.ForeignKey(sessions.c.id, ondelete="CASCADE"),
        nullable=False,
    ),
    _at("issued_at", nullable=False),
    _at("expires_at", nullable=False),
    # Set when the token was exchanged; presenting it again is reuse.
    _at("rotated_at"),
    sa.Index("refresh_tokens_by_session", "session_id"),
)

# Between a first factor (password or sign-in provider) and tokens: the second factor (purpose
# `mfa`) or, for staff without TOTP, its enrolment (purpose `enroll`).
mfa_challenges = sa.Table(
    "mfa_challenges",
    metadata,
    sa.Column("token_hash", sa.Text, primary_key=True),
    sa.Column("user_id", UUID(as_uuid=False), nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    # The first factor, "pwd" or "oidc" (the method of the session the challenge opens).
    sa.Column("method", sa.Text, nullable=False, server_default="pwd"),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("client_ip", sa.Text, nullable=False, server_default=""),
    _at("created_at", nullable=False),
    _at("expires_at", nullable=False),
    _at("consumed_at"),
    sa.CheckConstraint("purpose IN ('mfa', 'enroll')", name="mfa_challenges_purpose"),
    sa.CheckConstraint("method IN ('pwd', 'oidc')", name="mfa_challenges_method"),
)

password_resets = sa.Table(
    "password_resets",
    metadata,
    sa.Column("token_hash", sa.Text, primary_key=True),
    sa.Column("user_id", UUID(as_uuid=False), nullable=False),
    _at("created_at", nullable=False),
    _at("expires_at", nullable=False),
    _at("used_at"),
    sa.Index("password_resets_by_user", "user_id", "created_at"),
)

# Ed25519 keys that sign access tokens; the private half sealed (bound to its kid).
signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("kid", sa.Text, primary_key=True),
    sa.Column("private_sealed", sa.Text, nullable=False),
    _at("created_at", nullable=False),
    _at("retired_at"),
)

# An OIDC login between the redirect to the provider and its return (single use).
oidc_states = sa.Table(
    "oidc_states",
    metadata,
    sa.Column("state_hash", sa.Text, primary_key=True),
    sa.Column("redirect_uri", sa.Text, nullable=False),
    sa.Column("nonce_sealed", sa.Text, nullable=False),
    sa.Column("verifier_sealed", sa.Text, nullable=False),
    sa.Column("client_ip", sa.Text, nullable=False, server_default=""),
    _at("created_at", nullable=False),
    _at("expires_at", nullable=False),
)

# Who an outside identity provider's subject is in UKM.
external_identities = sa.Table(
    "external_identities",
    metadata,
    sa.Column("issuer", sa.Text, primary_key=True),
    sa.Column("subject", sa.Text, primary_key=True),
    sa.Column("user_id", UUID(as_uuid=False), nullable=False),
    _at("created_at", nullable=False),
    _at("last_login_at", nullable=False),
    sa.Index("external_identities_by_user", "user_id"),
)

# Every authentication event. `outcome` drives the throttle: `failure` rows count against the
# account and the IP, a `success` clears the account's count; `refused` (throttled attempts) and
# `info` rows count for nothing. `detail` never holds secrets or personal data.
auth_events = sa.Table(
    "auth_events",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    # Insertion order: breaks ties between events of the same instant (keyset paging).
    sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False, unique=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("user_id", UUID(as_uuid=False)),
    sa.Column("client_ip", sa.Text, nullable=False, server_default=""),
    _at("occurred_at", nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.CheckConstraint(
        "outcome IN ('success', 'failure', 'refused', 'info')", name="auth_events_outcome"
    ),
    sa.Index("auth_events_listing", sa.text("occurred_at DESC"), sa.text("seq DESC")),
    sa.Index("auth_events_by_user", "user_id", sa.text("occurred_at DESC")),
    sa.Index(
        "auth_events_failures_by_ip",
        "client_ip",
        "occurred_at",
        postgresql_where=sa.text("outcome = 'failure'"),
    ),
)

outbox = outbox_table(metadata)
