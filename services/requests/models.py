"""Tables of the requests service (schema `requests`; no other service touches them)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from services.kit.consumer import inbox_table
from services.kit.outbox import outbox_table

SCHEMA = "requests"
metadata = sa.MetaData(schema=SCHEMA)

requests = sa.Table(
    "requests",
    metadata,
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
    # Lifecycle sub-records as the proto JSON form (the lifecycle issue fills them).
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
    sa.CheckConstraint("char_length(description) BETWEEN 10 AND 2000", name="description_length"),
    # The domain invariant, enforced by the database too.
    sa.CheckConstraint(
        "(status = 'in_progress') <= (executor_id IS NOT NULL)", name="in_progress_has_executor"
    ),
    sa.Index("requests_listing", sa.text("created_at DESC"), sa.text("number DESC")),
    sa.Index("requests_by_status", "status", sa.text("created_at DESC")),
    sa.Index("requests_by_applicant", "applicant_id", sa.text("created_at DESC")),
    sa.Index("requests_by_building", "building_id", sa.text("created_at DESC")),
)

# One row per business day; the last number handed out. Rows are never decremented or deleted,
# so a number is never reused.
number_counters = sa.Table(
    "request_number_counters",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("last_value", sa.Integer, nullable=False),
)

# Retried creates: (scope, key) → the request the first call created.
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column("request_number", sa.Text, sa.ForeignKey(requests.c.number)),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
