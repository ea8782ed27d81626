"""Accounts, sessions and refresh tokens, MFA challenges, password resets, signing keys, OIDC
states and identities, the audit log, and the event outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from services.kit.outbox import outbox_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "auth"


def _at(name: str, *, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("user_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("email_index", sa.Text, nullable=False, unique=True),
        sa.Column("email_sealed", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("language", sa.Text, nullable=False, server_default="ru"),
        sa.Column("totp_sealed", sa.Text),
        sa.Column("totp_pending_sealed", sa.Text),
        sa.Column("totp_last_step", sa.BigInteger),
        sa.Column("backup_code_hashes", ARRAY(sa.Text), nullable=False, server_default="{}"),
        _at("totp_enabled_at"),
        _at("password_changed_at", nullable=False),
        _at("created_at", nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "sessions",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("user_id", UUID(as_uuid=False), nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("amr", ARRAY(sa.Text), nullable=False),
        sa.Column("client_ip", sa.Text, nullable=False, server_default=""),
        sa.Column("user_agent", sa.Text, nullable=False, server_default=""),
        _at("created_at", nullable=False),
        _at("last_used_at", nullable=False),
        _at("expires_at", nullable=False),
        _at("revoked_at"),
        sa.Column("revoke_reason", sa.Text, nullable=False, server_default=""),
        schema=SCHEMA,
    )
    op.create_index(
        "sessions_active_by_user",
        "sessions",
        ["user_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column(
            "session_id",
            UUID(as_uuid=False),
            sa.ForeignKey(f"{SCHEMA}.sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _at("issued_at", nullable=False),
        _at("expires_at", nullable=False),
        _at("rotated_at"),
        schema=SCHEMA,
    )
    op.create_index("refresh_tokens_by_session", "refresh_tokens", ["session_id"], schema=SCHEMA)
    op.create_table(
        "mfa_challenges",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("user_id", UUID(as_uuid=False), nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("client_ip", sa.Text, nullable=False, server_default=""),
        _at("created_at", nullable=False),
        _at("expires_at", nullable=False),
        _at("consumed_at"),
        sa.CheckConstraint("purpose IN ('mfa', 'enroll')", name="mfa_challenges_purpose"),
        schema=SCHEMA,
    )
    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("user_id", UUID(as_uuid=False), nullable=False),
        _at("created_at", nullable=False),
        _at("expires_at", nullable=False),
        _at("used_at"),
        schema=SCHEMA,
    )
    op.create_index(
        "password_resets_by_user", "password_resets", ["user_id", "created_at"], schema=SCHEMA
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.Text, primary_key=True),
        sa.Column("private_sealed", sa.Text, nullable=False),
        _at("created_at", nullable=False),
        _at("retired_at"),
        schema=SCHEMA,
    )
    op.create_table(
        "oidc_states",
        sa.Column("state_hash", sa.Text, primary_key=True),
        sa.Column("redirect_uri", sa.Text, nullable=False),
        sa.Column("nonce_sealed", sa.Text, nullable=False),
        sa.Column("verifier_sealed", sa.Text, nullable=False),
        sa.Column("client_ip", sa.Text, nullable=False, server_default=""),
        _at("created_at", nullable=False),
        _at("expires_at", nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "external_identities",
        sa.Column("issuer", sa.Text, primary_key=True),
        sa.Column("subject", sa.Text, primary_key=True),
        sa.Column("user_id", UUID(as_uuid=False), nullable=False),
        _at("created_at", nullable=False),
        _at("last_login_at", nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "external_identities_by_user", "external_identities", ["user_id"], schema=SCHEMA
    )
    op.create_table(
        "auth_events",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
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
        schema=SCHEMA,
    )
    op.create_index(
        "auth_events_listing",
        "auth_events",
        [sa.text("occurred_at DESC"), sa.text("seq DESC")],
        schema=SCHEMA,
    )
    op.create_index(
        "auth_events_by_user",
        "auth_events",
        ["user_id", sa.text("occurred_at DESC")],
        schema=SCHEMA,
    )
    op.create_index(
        "auth_events_failures_by_ip",
        "auth_events",
        ["client_ip", "occurred_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("outcome = 'failure'"),
    )
    # The kit owns the shape of the outbox.
    events = sa.MetaData(schema=SCHEMA)
    outbox_table(events)
    events.create_all(op.get_bind())


def downgrade() -> None:
    for table in (
        "outbox",
        "auth_events",
        "external_identities",
        "oidc_states",
        "signing_keys",
        "password_resets",
        "mfa_challenges",
        "refresh_tokens",
        "sessions",
        "accounts",
    ):
        op.drop_table(table, schema=SCHEMA)
