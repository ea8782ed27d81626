"""Tables of the notifications service (schema `notifications`; no other service touches them).

A *delivery* is one notification to one person: the template and data it is written from, the
channels to try in order and where it stands (`state`), with one `attempts` row per provider
call. `dedup_key` (services.notifications.dedup) makes it exactly-once: a redelivered event or
a retried direct send finds the row instead of adding a second. No contact details are stored
here (the users service owns them; they are read at send time), except an address an event
itself names (a password reset goes to the address that asked) until the delivery is over.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from services.kit.consumer import inbox_table

SCHEMA = "notifications"
metadata = sa.MetaData(schema=SCHEMA)

# The worker's NOTIFY channel: a delivery became due.
DUE_CHANNEL = "ukm_notifications_due"

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("dedup_key", sa.Text, nullable=False, unique=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("template", sa.Text, nullable=False),
    sa.Column("recipient_id", UUID(as_uuid=False), nullable=False),
    sa.Column("subject", sa.Text, nullable=False, server_default=""),
    sa.Column("event_id", UUID(as_uuid=False)),
    sa.Column("event_type", sa.Text, nullable=False, server_default=""),
    # Template data (str or list of label keys per field); a direct text instead of a template.
    sa.Column("data", JSONB, nullable=False, server_default="{}"),
    sa.Column("body", sa.Text),
    sa.Column("subject_line", sa.Text),
    # Inline actions offered under the Telegram message (services.kit.callbacks).
    sa.Column("actions", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
    # Only people holding a staff role may read it (internal comments).
    sa.Column("staff_only", sa.Boolean, nullable=False, server_default=sa.false()),
    # The only channels allowed (null: the person's preferences), contact details the event
    # named itself, the reader's language when the event knows it, data that is secret.
    sa.Column("allowed_channels", ARRAY(sa.Text)),
    sa.Column("contacts", JSONB, nullable=False, server_default="{}"),
    sa.Column("language_hint", sa.Text, nullable=False, server_default=""),
    sa.Column("secret_fields", ARRAY(sa.Text), nullable=False, server_default="{}"),
    # Where it stands (services.notifications.delivery).
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("channels", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("channel_index", sa.Integer, nullable=False, server_default="0"),
    sa.Column("channel_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("attempt_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("language", sa.Text, nullable=False, server_default=""),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    # A worker holds it until then; `started_at` says the provider call began (a worker that
    # dies after that point may have sent it: the delivery is not repeated).
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    sa.Column("provider_message_id", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Column("retried_by", sa.Text, nullable=False, server_default=""),
)

attempts = sa.Table(
    "attempts",
    metadata,
    sa.Column(
        "delivery_id",
        UUID(as_uuid=False),
        sa.ForeignKey(deliveries.c.id, ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    sa.Column("retry_after", sa.Float, nullable=False, server_default="0"),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

preferences = sa.Table(
    "preferences",
    metadata,
    sa.Column("user_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("channels", ARRAY(sa.Text), nullable=False),
    sa.Column("language", sa.Text, nullable=False, server_default=""),
    sa.Column("quiet_start", sa.Time),
    sa.Column("quiet_end", sa.Time),
    sa.Column("muted", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False, server_default=""),
)

# Channels a person cannot be reached on (blocked the bot, mailbox gone) until they come back.
unreachable = sa.Table(
    "unreachable",
    metadata,
    sa.Column("user_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("channel", sa.Text, primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("since", sa.DateTime(timezone=True), nullable=False),
)

# Managers' edits of the shipped templates, per language.
template_edits = sa.Table(
    "template_edits",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("language", sa.Text, primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# The worker's queue: only what waits to be sent is indexed.
sa.Index(
    "deliveries_due",
    deliveries.c.next_attempt_at,
    postgresql_where=deliveries.c.state.in_(("queued", "sending")),
)
# Listings page newest first by (created_at, id) within a recipient, a subject or a state.
for _name, _column in (
    ("deliveries_by_recipient", deliveries.c.recipient_id),
    ("deliveries_by_subject", deliveries.c.subject),
    ("deliveries_by_state", deliveries.c.state),
):
    sa.Index(_name, _column, deliveries.c.created_at.desc(), deliveries.c.id.desc())
sa.Index("deliveries_newest", deliveries.c.created_at.desc(), deliveries.c.id.desc())

inbox = inbox_table(metadata)
