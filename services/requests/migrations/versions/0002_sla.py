"""SLA clocks (one row per request and clock) and the indexes of request queries.

Revision ID: 0002_sla
Revises: 0001
Create Date: 2026-12-02

Text search (queries_text.py: `description ~* pattern`): a trigram GIN index on the description
where the server offers pg_trgm, which serves such patterns directly. Without it no index can
serve a pattern that may match mid-word; the column's statistics still let the planner walk the
listing index for common words, and rare words cost one scan of the table.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import INTERVAL

revision = "0002_sla"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "requests"


def upgrade() -> None:
    op.create_table(
        "sla_clocks",
        sa.Column(
            "request_number",
            sa.Text,
            sa.ForeignKey(f"{SCHEMA}.requests.number", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("clock", sa.Text, primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("target", INTERVAL, nullable=False),
        sa.Column("paused_total", INTERVAL, nullable=False, server_default="0"),
        sa.Column("paused_at", sa.DateTime(timezone=True)),
        sa.Column("stopped_at", sa.DateTime(timezone=True)),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warned_at", sa.DateTime(timezone=True)),
        sa.Column("breached_at", sa.DateTime(timezone=True)),
        sa.Column("next_alert_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("clock IN ('response', 'resolution')", name="known_clock"),
        sa.CheckConstraint("target > interval '0'", name="positive_target"),
        schema=SCHEMA,
    )
    # Only clocks that still expect an alert: the scheduler's work list stays small however
    # many requests are closed.
    op.create_index(
        "sla_clocks_next_alert",
        "sla_clocks",
        ["next_alert_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("next_alert_at IS NOT NULL"),
    )
    _backfill_clocks()

    # Listing filters that 0001 did not index; each keeps the listing order so that a page is
    # read straight from the index.
    op.create_index(
        "requests_by_executor",
        "requests",
        ["executor_id", sa.text("created_at DESC")],
        schema=SCHEMA,
        postgresql_where=sa.text("executor_id IS NOT NULL"),
    )
    op.create_index(
        "requests_by_yard", "requests", ["yard_id", sa.text("created_at DESC")], schema=SCHEMA
    )
    # A flat's requests (residents see those awaiting acceptance; the directory counts them).
    op.create_index("requests_by_apartment", "requests", ["apartment_id", "status"], schema=SCHEMA)
    # The pools (NEW requests addressed to a specialisation, in proto JSON: the enum's name).
    # Indexing the expression also gives the planner its statistics.
    op.create_index(
        "requests_pool",
        "requests",
        [sa.text("(assignment ->> 'specialization')"), sa.text("created_at DESC")],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'new'"),
    )
    # Running resolution clocks (few: open requests) for listings by ON_TRACK / WARNING.
    op.create_index(
        "sla_clocks_open",
        "sla_clocks",
        ["warn_at", "due_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("stopped_at IS NULL AND clock = 'resolution'"),
    )
    if _enable_trigrams():
        op.execute(
            f"CREATE INDEX requests_description_trgm ON {SCHEMA}.requests "
            "USING gin (description gin_trgm_ops)"
        )


def _enable_trigrams() -> bool:
    """Create pg_trgm if the server has it and we may; False otherwise (never fails)."""
    bind = op.get_bind()
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if available is None:
        return False
    try:
        # A savepoint: a refusal (no privilege) must not abort the whole migration.
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return False
    return True


def _backfill_clocks() -> None:
    """Clocks for requests filed before this migration, from their stored deadlines.

    Only running clocks expect alerts; paused and stopped ones of existing requests are
    history, not news (the exact start of a pause is unknown: `updated_at` stands in).
    """
    for clock, due, done, running in (
        ("response", "response_due_at", "responded_at", "('new')"),
        ("resolution", "resolution_due_at", "resolved_at", "('new', 'in_progress', 'returned')"),
    ):
        op.execute(
            f"""
            INSERT INTO {SCHEMA}.sla_clocks (
                request_number, clock, started_at, target, paused_total, paused_at, stopped_at,
                due_at, warn_at, next_alert_at)
            SELECT number, '{clock}', created_at, {due} - created_at, interval '0',
                   CASE WHEN status IN ('purchase', 'clarification') AND {done} IS NULL
                        THEN updated_at END,
                   CASE WHEN {done} IS NOT NULL THEN {done}
                        WHEN status NOT IN ('purchase', 'clarification') AND status
                             NOT IN {running} THEN updated_at END,
                   {due},
                   created_at + ({due} - created_at) * 0.8,
                   CASE WHEN status IN {running} AND {done} IS NULL
                        THEN created_at + ({due} - created_at) * 0.8 END
            FROM {SCHEMA}.requests
            WHERE {due} > created_at
            """
        )


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {SCHEMA}.requests_description_trgm")
    op.drop_index("requests_pool", "requests", schema=SCHEMA)
    op.drop_index("requests_by_apartment", "requests", schema=SCHEMA)
    op.drop_index("requests_by_yard", "requests", schema=SCHEMA)
    op.drop_index("requests_by_executor", "requests", schema=SCHEMA)
    op.drop_table("sla_clocks", schema=SCHEMA)
