"""The address directory: yards, buildings, apartments, apartment bindings and yard grants.

A branch of its own from 0001 (the people tables are 0002_people): no foreign keys to people,
user ids are plain UUIDs.

Revision ID: 0002_directory
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0002_directory"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "users"


def _id() -> sa.Column[str]:
    return sa.Column("id", UUID(as_uuid=False), primary_key=True)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _point() -> list[sa.Column[object]]:
    return [
        sa.Column("latitude_e6", sa.Integer, nullable=False),
        sa.Column("longitude_e6", sa.Integer, nullable=False),
    ]


def _active() -> sa.Column[bool]:
    return sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true())


def _parent(name: str, table: str) -> sa.Column[str]:
    return sa.Column(
        name,
        UUID(as_uuid=False),
        sa.ForeignKey(f"{SCHEMA}.{table}.id", ondelete="RESTRICT"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "yards",
        _id(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        *_point(),
        _active(),
        *_timestamps(),
        sa.UniqueConstraint("name_key", name="yards_name_key"),
        schema=SCHEMA,
    )
    op.create_table(
        "buildings",
        _id(),
        _parent("yard_id", "yards"),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("address_key", sa.Text, nullable=False),
        *_point(),
        sa.Column("entrances", sa.Integer, nullable=False),
        sa.Column("floors", sa.Integer, nullable=False),
        _active(),
        *_timestamps(),
        sa.UniqueConstraint("yard_id", "address_key", name="buildings_address_key"),
        sa.CheckConstraint("entrances > 0 AND floors > 0", name="buildings_size"),
        schema=SCHEMA,
    )
    op.create_index("buildings_listing", "buildings", ["address_key", "id"], schema=SCHEMA)
    op.create_table(
        "apartments",
        _id(),
        _parent("building_id", "buildings"),
        sa.Column("number", sa.Text, nullable=False),
        sa.Column("number_key", sa.Text, nullable=False),
        sa.Column("number_order", sa.Integer, nullable=False),
        sa.Column("entrance", sa.Integer),
        sa.Column("floor", sa.Integer),
        sa.Column("rooms", sa.Integer),
        sa.Column("area_dm2", sa.Integer),
        _active(),
        *_timestamps(),
        sa.UniqueConstraint("building_id", "number_key", name="apartments_number_key"),
        sa.CheckConstraint("area_dm2 IS NULL OR area_dm2 > 0", name="apartments_area_positive"),
        schema=SCHEMA,
    )
    op.create_index(
        "apartments_listing",
        "apartments",
        ["building_id", "number_order", "number_key", "id"],
        schema=SCHEMA,
    )
    op.create_table(
        "apartment_bindings",
        _id(),
        sa.Column("user_id", UUID(as_uuid=False), nullable=False),
        _parent("apartment_id", "apartments"),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("is_primary", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("is_owner", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("wants_primary", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("decided_by", UUID(as_uuid=False)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decision_reason", sa.Text, nullable=False, server_default=""),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')", name="apartment_bindings_status"
        ),
        sa.CheckConstraint("NOT is_primary OR status = 'approved'", name="primary_is_approved"),
        schema=SCHEMA,
    )
    op.create_index(
        "apartment_bindings_open",
        "apartment_bindings",
        ["user_id", "apartment_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('pending', 'approved')"),
        schema=SCHEMA,
    )
    op.create_index(
        "apartment_bindings_primary",
        "apartment_bindings",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("is_primary"),
        schema=SCHEMA,
    )
    op.create_index(
        "apartment_bindings_by_apartment", "apartment_bindings", ["apartment_id"], schema=SCHEMA
    )
    op.create_index(
        "apartment_bindings_by_status",
        "apartment_bindings",
        ["status", "created_at", "id"],
        schema=SCHEMA,
    )
    op.create_index(
        "apartment_bindings_by_user",
        "apartment_bindings",
        ["user_id", "created_at", "id"],
        schema=SCHEMA,
    )
    op.create_table(
        "yard_grants",
        _id(),
        sa.Column("user_id", UUID(as_uuid=False), nullable=False),
        _parent("yard_id", "yards"),
        sa.Column("granted_by", UUID(as_uuid=False)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "yard_id", name="yard_grants_once"),
        schema=SCHEMA,
    )
    op.create_index("yard_grants_by_yard", "yard_grants", ["yard_id"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("yard_grants", "apartment_bindings", "apartments", "buildings", "yards"):
        op.drop_table(table, schema=SCHEMA)
