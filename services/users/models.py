"""Tables of the users service (schema `users`; no other service touches them).

People and verification tables are declared here; the address directory's tables live in
`directory_models` on the same `metadata`.

Personal data is stored encrypted (`kit.crypto`, see `services.users.privacy`): columns ending in
`_sealed` hold `v<key>.<nonce>.<ciphertext>` bound to their row and column, and `phone_index`
is a blind index for equality search. Names stay in clear: managers search them by any part.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from services.kit.consumer import inbox_table
from services.kit.outbox import outbox_table

SCHEMA = "users"
metadata = sa.MetaData(schema=SCHEMA)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("full_name", sa.Text, nullable=False),
    sa.Column("phone_sealed", sa.Text),
    sa.Column("phone_index", sa.Text),
    sa.Column("email_sealed", sa.Text),
    sa.Column("language", sa.Text, nullable=False, server_default="ru"),
    # Canonical order (roles.ROLES); never empty.
    sa.Column("roles", ARRAY(sa.Text), nullable=False),
    sa.Column("active_role", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("status_reason", sa.Text, nullable=False, server_default=""),
    sa.Column("verification_status", sa.Text, nullable=False, server_default="pending"),
    sa.Column("specializations", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("telegram_user_id", sa.BigInteger),
    # How the person first appeared: web, oidc, telegram.
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
    sa.Index("users_by_phone_index", "phone_index"),
    sa.Index("users_listing", sa.text("created_at DESC"), sa.text("id DESC")),
    # Everyone holding a role (GetContacts for managers on every event, ListUsers by role).
    sa.Index("users_by_role", "roles", postgresql_using="gin"),
)

# A staff invite. The token holds only id + nonce + MAC (services.users.invites).
invites = sa.Table(
    "invites",
    metadata,
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
    sa.Index("invites_by_redeemer", "redeemed_by"),
)

# One verification case per person; its status lives on `users.verification_status`.
verifications = sa.Table(
    "verifications",
    metadata,
    sa.Column("user_id", UUID(as_uuid=False), sa.ForeignKey(users.c.id), primary_key=True),
    sa.Column("requested_types", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("request_comment", sa.Text, nullable=False, server_default=""),
    sa.Column("requested_by", sa.Text, nullable=False, server_default=""),
    sa.Column("requested_at", sa.DateTime(timezone=True)),
    # Since when the case waits for a manager (listing order, oldest first).
    sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decision_reason", sa.Text, nullable=False, server_default=""),
    sa.Column("decided_by", sa.Text, nullable=False, server_default=""),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Index("verifications_waiting", "waiting_since", "user_id"),
)

# Uploaded documents. The media reference and the note are sealed; after the verification is
# approved they are erased (status `deleted`) and only the review's metadata stays.
documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("user_id", UUID(as_uuid=False), sa.ForeignKey(users.c.id), nullable=False),
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
        "(status = 'deleted') = (media_sealed IS NULL)", name="documents_deleted_have_no_media"
    ),
    sa.Index("documents_by_user", "user_id", "submitted_at"),
)

# Every decision about a person: who, what, about whom, why, when. Never personal data in
# `details` (field names, role keys, ids only).
audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    # A user id, or the SPIFFE id of a calling service.
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("subject_id", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("details", JSONB, nullable=False, server_default="{}"),
    sa.Index("audit_by_subject", "subject_id", "id"),
    sa.Index("audit_by_actor", "actor", "id"),
)
