"""The life of a request: history, assignments, comments, ratings and the purchase log.

A branch of its own from 0001 (the SLA tables are 0002_sla). Requests filed before this
revision get their creation step (version 1) in the history, so every request's history starts
at version 1 and replays.

Revision ID: 0002_lifecycle
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0002_lifecycle"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "requests"
COMMENT_KINDS = ("status_change", "clarification", "purchase", "report", "material", "note")


def _request_number() -> sa.Column[str]:
    return sa.Column(
        "request_number",
        sa.Text,
        sa.ForeignKey(f"{SCHEMA}.requests.number", ondelete="CASCADE"),
        nullable=False,
    )


def _serial_id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "request_history",
        _serial_id(),
        _request_number(),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("change", sa.Text, nullable=False),
        sa.Column("action", sa.Text),
        sa.Column("actor_id", UUID(as_uuid=False)),
        sa.Column("acting_as", sa.Text),
        sa.Column("from_status", sa.Text),
        sa.Column("to_status", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("details", JSONB, nullable=False, server_default="{}"),
        sa.Column("payload", JSONB),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("request_number", "version", name="request_history_version"),
        sa.CheckConstraint(
            "change IN ('created', 'transition', 'updated', 'sla')", name="history_change_known"
        ),
        schema=SCHEMA,
    )
    op.create_table(
        "request_assignments",
        _serial_id(),
        _request_number(),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("executor_id", UUID(as_uuid=False)),
        sa.Column("specialisation", sa.Text),
        sa.Column("assigned_by", UUID(as_uuid=False)),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("ended_by", UUID(as_uuid=False)),
        sa.Column("end_reason", sa.Text),
        sa.CheckConstraint(
            "(mode = 'individual' AND executor_id IS NOT NULL)"
            " OR (mode = 'group' AND specialisation IS NOT NULL)",
            name="assignment_target",
        ),
        sa.CheckConstraint("active = (ended_at IS NULL)", name="assignment_active_until_ended"),
        schema=SCHEMA,
    )
    op.create_index(
        "request_assignments_one_active",
        "request_assignments",
        ["request_number"],
        unique=True,
        postgresql_where=sa.text("active"),
        schema=SCHEMA,
    )
    op.create_index(
        "request_assignments_by_executor",
        "request_assignments",
        ["executor_id", "assigned_at"],
        postgresql_where=sa.text("executor_id IS NOT NULL"),
        schema=SCHEMA,
    )
    op.create_table(
        "request_comments",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False, unique=True),
        _request_number(),
        sa.Column("author_id", UUID(as_uuid=False)),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("internal", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("media", JSONB, nullable=False, server_default="[]"),
        sa.Column("version", sa.BigInteger),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in COMMENT_KINDS) + ")",
            name="comment_kind_known",
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "request_comments_timeline",
        "request_comments",
        ["request_number", "seq"],
        schema=SCHEMA,
    )
    op.create_table(
        "request_ratings",
        sa.Column(
            "request_number",
            sa.Text,
            sa.ForeignKey(f"{SCHEMA}.requests.number", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("stars", sa.SmallInteger, nullable=False),
        sa.Column("review", sa.Text),
        sa.Column("rated_by", UUID(as_uuid=False), nullable=False),
        sa.Column("executor_id", UUID(as_uuid=False)),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name="rating_stars_range"),
        schema=SCHEMA,
    )
    op.create_index(
        "request_ratings_by_executor",
        "request_ratings",
        ["executor_id", "rated_at"],
        schema=SCHEMA,
    )
    op.create_table(
        "request_purchases",
        _serial_id(),
        _request_number(),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("step", sa.Text, nullable=False),
        sa.Column("items", JSONB, nullable=False, server_default="[]"),
        sa.Column("comment", sa.Text),
        sa.Column("actor_id", UUID(as_uuid=False)),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("step IN ('requested', 'done')", name="purchase_step_known"),
        schema=SCHEMA,
    )
    op.create_index(
        "request_purchases_log", "request_purchases", ["request_number", "id"], schema=SCHEMA
    )
    # Requests filed before the lifecycle existed were never changed (version 1): their
    # creation is their whole history. Who filed them was not recorded, so the actor stays
    # empty. The payload is what a replay starts from (as the service writes it).
    op.execute(
        f"""
        INSERT INTO {SCHEMA}.request_history
            (request_number, version, change, to_status, details, payload, occurred_at)
        SELECT number, 1, 'created', status,
               jsonb_build_object(
                   'source', source, 'category', category, 'urgency', urgency,
                   'applicant_id', applicant_id::text),
               jsonb_build_object(
                   'applicant_id', applicant_id::text, 'specialisation', specialisation,
                   'acceptance_mode', acceptance_mode, 'apartment_id', apartment_id::text),
               created_at
        FROM {SCHEMA}.requests
        WHERE version = 1
        """
    )


def downgrade() -> None:
    for table in (
        "request_purchases",
        "request_ratings",
        "request_comments",
        "request_assignments",
        "request_history",
    ):
        op.drop_table(table, schema=SCHEMA)
