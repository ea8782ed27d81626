"""Tables of the shifts service (schema `shifts`; no other service touches them).

One `shifts` table serves ad-hoc shifts now and planned ones later: the executor may be empty
(an unfilled planned shift), the planned window is separate from the actual one, and the
template id, coverage area (yards, buildings) and capacity are there for planning and transfers.
Specialisations are stored as keys (`plumber`), never enum numbers.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from services.kit.consumer import inbox_table
from services.kit.outbox import outbox_table

SCHEMA = "shifts"
metadata = sa.MetaData(schema=SCHEMA)

# Where "one open shift per executor" is enforced (and inferred by ON CONFLICT).
OPEN_PREDICATE = "status IN ('active', 'paused')"

shifts = sa.Table(
    "shifts",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    # Empty for an unfilled planned shift.
    sa.Column("executor_id", UUID(as_uuid=False)),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    # The focus chosen (empty: universal), the executor's own set when the shift started, and
    # what the shift therefore covers (services.shifts.coverage).
    sa.Column("specialisations", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("executor_specialisations", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("coverage", ARRAY(sa.Text), nullable=False, server_default="{}"),
    # Coverage area; empty means everywhere.
    sa.Column("yard_ids", ARRAY(UUID(as_uuid=False)), nullable=False, server_default="{}"),
    sa.Column("building_ids", ARRAY(UUID(as_uuid=False)), nullable=False, server_default="{}"),
    # Requests at most at once; 0 means no limit.
    sa.Column("capacity", sa.Integer, nullable=False, server_default="0"),
    sa.Column("planned_start_at", sa.DateTime(timezone=True)),
    sa.Column("planned_end_at", sa.DateTime(timezone=True)),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    # The template a planned shift came from (templates arrive with planning).
    sa.Column("template_id", UUID(as_uuid=False)),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("end_note", sa.Text, nullable=False, server_default=""),
    # A user id, or the SPIFFE id of a service (the planner, later).
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("ended_by", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # Bumped by every change: transfers and reassignments will compare-and-set on it.
    sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
    sa.CheckConstraint(
        "status IN ('planned', 'active', 'paused', 'completed', 'cancelled')",
        name="shifts_status",
    ),
    sa.CheckConstraint(
        "type IN ('regular', 'emergency', 'overtime', 'maintenance')", name="shifts_type"
    ),
    sa.CheckConstraint("capacity >= 0", name="shifts_capacity"),
    # Whoever is on duty is someone, since some moment.
    sa.CheckConstraint(
        f"NOT ({OPEN_PREDICATE}) OR (executor_id IS NOT NULL AND started_at IS NOT NULL)",
        name="shifts_open_have_executor",
    ),
    sa.CheckConstraint(
        "status <> 'completed' OR ended_at IS NOT NULL", name="shifts_completed_have_end"
    ),
    sa.CheckConstraint("ended_at >= started_at", name="shifts_end_after_start"),
    sa.CheckConstraint("planned_end_at > planned_start_at", name="shifts_planned_end_after_start"),
    # One open shift per executor: two racing "take shift" calls cannot both win.
    sa.Index(
        "shifts_one_open_per_executor",
        "executor_id",
        unique=True,
        postgresql_where=sa.text(OPEN_PREDICATE),
    ),
    # Who is on duty now (by executor, by coverage).
    sa.Index("shifts_open_started", "started_at", postgresql_where=sa.text(OPEN_PREDICATE)),
    # History, newest first: everyone's and one executor's.
    sa.Index(
        "shifts_history",
        sa.text("started_at DESC"),
        sa.text("id DESC"),
        postgresql_where=sa.text("started_at IS NOT NULL"),
    ),
    sa.Index(
        "shifts_history_by_executor",
        "executor_id",
        sa.text("started_at DESC"),
        sa.text("id DESC"),
        postgresql_where=sa.text("started_at IS NOT NULL"),
    ),
    # Planning (later): a template's shifts in a horizon.
    sa.Index("shifts_by_template", "template_id", "planned_start_at"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
