"""Requests, day counters, idempotency keys, and the event outbox/inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from services.kit.consumer import inbox_table
from services.kit.outbox import outbox_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "requests"


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("number", sa.Text, primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("applicant_id", UUID(as_uuid=False), nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("specialisation", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("urgency", sa.Text, nullable=False),
        sa.Column("address_level", sa.Text, nullable=False),
        sa.Column("yard_id", UUID(as_uuid=False), nullable=False),
        sa.Column("building_id", UUID(as_uuid=False)),
        sa.Column("apartment_id", UUID(as_uuid=False)),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("acceptance_mode", sa.Text, nullable=False),
        sa.Column("media", JSONB, nullable=False, server_default="[]"),
        sa.Column("executor_id", UUID(as_uuid=False)),
        sa.Column("assignment", JSONB),
        sa.Column("materials", JSONB),
        sa.Column("completion", JSONB),
        sa.Column("return_info", JSONB),
        sa.Column("manager_confirmation", JSONB),
        sa.Column("rating", JSONB),
        sa.Column("cancellation", JSONB),
        sa.Column("response_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("accepted_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
        sa.CheckConstraint(
            "char_length(description) BETWEEN 10 AND 2000", name="description_length"
        ),
        sa.CheckConstraint(
            "(status = 'in_progress') <= (executor_id IS NOT NULL)",
            name="in_progress_has_executor",
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "requests_listing",
        "requests",
        [sa.text("created_at DESC"), sa.text("number DESC")],
        schema=SCHEMA,
    )
    op.create_index(
        "requests_by_status", "requests", ["status", sa.text("created_at DESC")], schema=SCHEMA
    )
    op.create_index(
        "requests_by_applicant",
        "requests",
        ["applicant_id", sa.text("created_at DESC")],
        schema=SCHEMA,
    )
    op.create_index(
        "requests_by_building",
        "requests",
        ["building_id", sa.text("created_at DESC")],
        schema=SCHEMA,
    )
    op.create_table(
        "request_number_counters",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("last_value", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("request_number", sa.Text, sa.ForeignKey(f"{SCHEMA}.requests.number")),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    # The kit owns the shape of the event tables; every service creates its own pair.
    events = sa.MetaData(schema=SCHEMA)
    outbox_table(events)
    inbox_table(events)
    events.create_all(op.get_bind())


def downgrade() -> None:
    for table in ("inbox", "outbox", "idempotency_keys", "request_number_counters", "requests"):
        op.drop_table(table, schema=SCHEMA)
