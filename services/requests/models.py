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


# --- the life of a request (0002_lifecycle) -----------------------------------------------------
# Child rows go with their request: numbers are never reused, so a deleted request (tests, data
# erasure) takes its whole story with it rather than leaving orphans.
def _request_fk() -> sa.ForeignKey:
    return sa.ForeignKey(requests.c.number, ondelete="CASCADE")


# Every step of a request's life, creation included (version 1): who did what, from which status
# to which, and why. `payload` is the workflow action's normalised input, so the history replays
# to the current state; `details` is what a reader is shown (executor, pool, fields edited…).
history = sa.Table(
    "request_history",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("request_number", sa.Text, _request_fk(), nullable=False),
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
    # Two writers of the same version would be a lost update: the database refuses the second.
    sa.UniqueConstraint("request_number", "version", name="request_history_version"),
    sa.CheckConstraint(
        "change IN ('created', 'transition', 'updated', 'sla')", name="history_change_known"
    ),
)

# Every assignment a request ever had; `active` marks the current one (at most one).
assignments = sa.Table(
    "request_assignments",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("request_number", sa.Text, _request_fk(), nullable=False),
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
    sa.Index(
        "request_assignments_one_active",
        "request_number",
        unique=True,
        postgresql_where=sa.text("active"),
    ),
    sa.Index(
        "request_assignments_by_executor",
        "executor_id",
        "assigned_at",
        postgresql_where=sa.text("executor_id IS NOT NULL"),
    ),
)

COMMENT_KINDS = ("status_change", "clarification", "purchase", "report", "material", "note")

comments = sa.Table(
    "request_comments",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    # The order comments were written in (times can tie; ids are random).
    sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False, unique=True),
    sa.Column("request_number", sa.Text, _request_fk(), nullable=False),
    sa.Column("author_id", UUID(as_uuid=False)),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("internal", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("media", JSONB, nullable=False, server_default="[]"),
    # The request version a workflow comment came with (None for people's notes).
    sa.Column("version", sa.BigInteger),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(
        "kind IN (" + ", ".join(f"'{k}'" for k in COMMENT_KINDS) + ")", name="comment_kind_known"
    ),
    sa.Index("request_comments_timeline", "request_number", "seq"),
)

# One rating per request (the primary key says so), kept with whose work it rated.
ratings = sa.Table(
    "request_ratings",
    metadata,
    sa.Column("request_number", sa.Text, _request_fk(), primary_key=True),
    sa.Column("stars", sa.SmallInteger, nullable=False),
    sa.Column("review", sa.Text),
    sa.Column("rated_by", UUID(as_uuid=False), nullable=False),
    sa.Column("executor_id", UUID(as_uuid=False)),
    sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stars BETWEEN 1 AND 5", name="rating_stars_range"),
    sa.Index("request_ratings_by_executor", "executor_id", "rated_at"),
)

# The purchase log: materials asked for (`requested`) and bought (`done`), in order.
purchases = sa.Table(
    "request_purchases",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("request_number", sa.Text, _request_fk(), nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("step", sa.Text, nullable=False),
    sa.Column("items", JSONB, nullable=False, server_default="[]"),
    sa.Column("comment", sa.Text),
    sa.Column("actor_id", UUID(as_uuid=False)),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("step IN ('requested', 'done')", name="purchase_step_known"),
    sa.Index("request_purchases_log", "request_number", "id"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
