"""Shifts (ad hoc now; planned window, template, coverage area and capacity ready for planning)
and the event outbox/inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from services.kit.consumer import inbox_table
from services.kit.outbox import outbox_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "shifts"
OPEN = "status IN ('active', 'paused')"
STARTED = "started_at IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "shifts",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("executor_id", UUID(as_uuid=False)),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("specialisations", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("executor_specialisations", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("coverage", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("yard_ids", ARRAY(UUID(as_uuid=False)), nullable=False, server_default="{}"),
        sa.Column("building_ids", ARRAY(UUID(as_uuid=False)), nullable=False, server_default="{}"),
        sa.Column("capacity", sa.Integer, nullable=False, server_default="0"),
        sa.Column("planned_start_at", sa.DateTime(timezone=True)),
        sa.Column("planned_end_at", sa.DateTime(timezone=True)),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("template_id", UUID(as_uuid=False)),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("end_note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("ended_by", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
        sa.CheckConstraint(
            "status IN ('planned', 'active', 'paused', 'completed', 'cancelled')",
            name="shifts_status",
        ),
        sa.CheckConstraint(
            "type IN ('regular', 'emergency', 'overtime', 'maintenance')", name="shifts_type"
        ),
        sa.CheckConstraint("capacity >= 0", name="shifts_capacity"),
        sa.CheckConstraint(
            f"NOT ({OPEN}) OR (executor_id IS NOT NULL AND started_at IS NOT NULL)",
            name="shifts_open_have_executor",
        ),
        sa.CheckConstraint(
            "status <> 'completed' OR ended_at IS NOT NULL", name="shifts_completed_have_end"
        ),
        sa.CheckConstraint("ended_at >= started_at", name="shifts_end_after_start"),
        sa.CheckConstraint(
            "planned_end_at > planned_start_at", name="shifts_planned_end_after_start"
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "shifts_one_open_per_executor",
        "shifts",
        ["executor_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text(OPEN),
    )
    op.create_index(
        "shifts_open_started",
        "shifts",
        ["started_at"],
        schema=SCHEMA,
        postgresql_where=sa.text(OPEN),
    )
    op.create_index(
        "shifts_history",
        "shifts",
        [sa.text("started_at DESC"), sa.text("id DESC")],
        schema=SCHEMA,
        postgresql_where=sa.text(STARTED),
    )
    op.create_index(
        "shifts_history_by_executor",
        "shifts",
        ["executor_id", sa.text("started_at DESC"), sa.text("id DESC")],
        schema=SCHEMA,
        postgresql_where=sa.text(STARTED),
    )
    op.create_index(
        "shifts_by_template", "shifts", ["template_id", "planned_start_at"], schema=SCHEMA
    )
    # The kit owns the shape of the event tables; every service creates its own pair.
    events = sa.MetaData(schema=SCHEMA)
    outbox_table(events)
    inbox_table(events)
    events.create_all(op.get_bind())


def downgrade() -> None:
    for table in ("inbox", "outbox", "shifts"):
        op.drop_table(table, schema=SCHEMA)
