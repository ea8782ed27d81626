"""Deliveries with their attempts, preferences, unreachable channels, template edits, and the
event inbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from services.kit.consumer import inbox_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "notifications"


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("dedup_key", sa.Text, nullable=False, unique=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("recipient_id", UUID(as_uuid=False), nullable=False),
        sa.Column("subject", sa.Text, nullable=False, server_default=""),
        sa.Column("event_id", UUID(as_uuid=False)),
        sa.Column("event_type", sa.Text, nullable=False, server_default=""),
        sa.Column("data", JSONB, nullable=False, server_default="{}"),
        sa.Column("body", sa.Text),
        sa.Column("subject_line", sa.Text),
        sa.Column("actions", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("staff_only", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("allowed_channels", ARRAY(sa.Text)),
        sa.Column("contacts", JSONB, nullable=False, server_default="{}"),
        sa.Column("language_hint", sa.Text, nullable=False, server_default=""),
        sa.Column("secret_fields", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("channels", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("channel_index", sa.Integer, nullable=False, server_default="0"),
        sa.Column("channel_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("attempt_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("language", sa.Text, nullable=False, server_default=""),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("provider_message_id", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("retried_by", sa.Text, nullable=False, server_default=""),
        schema=SCHEMA,
    )
    op.create_index(
        "deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("state IN ('queued', 'sending')"),
    )
    for name, column in (
        ("deliveries_by_recipient", "recipient_id"),
        ("deliveries_by_subject", "subject"),
        ("deliveries_by_state", "state"),
    ):
        op.create_index(
            name,
            "deliveries",
            [column, sa.text("created_at DESC"), sa.text("id DESC")],
            schema=SCHEMA,
        )
    op.create_index(
        "deliveries_newest",
        "deliveries",
        [sa.text("created_at DESC"), sa.text("id DESC")],
        schema=SCHEMA,
    )
    op.create_table(
        "attempts",
        sa.Column(
            "delivery_id",
            UUID(as_uuid=False),
            sa.ForeignKey(f"{SCHEMA}.deliveries.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("retry_after", sa.Float, nullable=False, server_default="0"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "preferences",
        sa.Column("user_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("channels", ARRAY(sa.Text), nullable=False),
        sa.Column("language", sa.Text, nullable=False, server_default=""),
        sa.Column("quiet_start", sa.Time),
        sa.Column("quiet_end", sa.Time),
        sa.Column("muted", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False, server_default=""),
        schema=SCHEMA,
    )
    op.create_table(
        "unreachable",
        sa.Column("user_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("channel", sa.Text, primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "template_edits",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("language", sa.Text, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    # The kit owns the shape of the inbox; this service publishes nothing (no outbox).
    events = sa.MetaData(schema=SCHEMA)
    inbox_table(events)
    events.create_all(op.get_bind())


def downgrade() -> None:
    for table in ("inbox", "template_edits", "unreachable", "preferences", "attempts"):
        op.drop_table(table, schema=SCHEMA)
    op.drop_table("deliveries", schema=SCHEMA)
