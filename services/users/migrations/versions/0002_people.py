"""People: users, invites, verifications, documents and the audit trail.

Revision ID: 0002_people
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision = "0002_people"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "users"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("full_name", sa.Text, nullable=False),
        sa.Column("phone_sealed", sa.Text),
        sa.Column("phone_index", sa.Text),
        sa.Column("email_sealed", sa.Text),
        sa.Column("language", sa.Text, nullable=False, server_default="ru"),
        sa.Column("roles", ARRAY(sa.Text), nullable=False),
        sa.Column("active_role", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("status_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("verification_status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("specializations", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("telegram_user_id", sa.BigInteger),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("anonymized", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("cardinality(roles) > 0", name="users_have_a_role"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'blocked')", name="users_status"),
        sa.CheckConstraint(
            "verification_status IN ('pending', 'requested', 'verified', 'rejected')",
            name="users_verification_status",
        ),
        sa.UniqueConstraint("telegram_user_id", name="users_telegram_user_id"),
        schema=SCHEMA,
    )
    op.create_index("users_by_phone_index", "users", ["phone_index"], schema=SCHEMA)
    op.create_index(
        "users_listing", "users", [sa.text("created_at DESC"), sa.text("id DESC")], schema=SCHEMA
    )
    op.create_table(
        "invites",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("nonce", sa.LargeBinary, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("specializations", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("issuer_id", sa.Text, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True)),
        sa.Column("redeemed_by", UUID(as_uuid=False)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )
    op.create_index("invites_by_redeemer", "invites", ["redeemed_by"], schema=SCHEMA)
    op.create_table(
        "verifications",
        sa.Column(
            "user_id",
            UUID(as_uuid=False),
            sa.ForeignKey(f"{SCHEMA}.users.id"),
            primary_key=True,
        ),
        sa.Column("requested_types", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("request_comment", sa.Text, nullable=False, server_default=""),
        sa.Column("requested_by", sa.Text, nullable=False, server_default=""),
        sa.Column("requested_at", sa.DateTime(timezone=True)),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("decided_by", sa.Text, nullable=False, server_default=""),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )
    op.create_index(
        "verifications_waiting", "verifications", ["waiting_since", "user_id"], schema=SCHEMA
    )
    op.create_table(
        "documents",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column(
            "user_id", UUID(as_uuid=False), sa.ForeignKey(f"{SCHEMA}.users.id"), nullable=False
        ),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("media_sealed", sa.Text),
        sa.Column("note_sealed", sa.Text),
        sa.Column("review_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("reviewed_by", sa.Text, nullable=False, server_default=""),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "status IN ('submitted', 'accepted', 'rejected', 'deleted')", name="documents_status"
        ),
        sa.CheckConstraint(
            "(status = 'deleted') = (media_sealed IS NULL)",
            name="documents_deleted_have_no_media",
        ),
        schema=SCHEMA,
    )
    op.create_index("documents_by_user", "documents", ["user_id", "submitted_at"], schema=SCHEMA)
    op.create_table(
        "audit",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("subject_id", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("details", JSONB, nullable=False, server_default="{}"),
        schema=SCHEMA,
    )
    op.create_index("audit_by_subject", "audit", ["subject_id", "id"], schema=SCHEMA)
    op.create_index("audit_by_actor", "audit", ["actor", "id"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("audit", "documents", "verifications", "invites", "users"):
        op.drop_table(table, schema=SCHEMA)
