"""Tables of the address directory (yards, buildings, apartments, bindings, yard grants).

They share `metadata` (schema `users`) with the people tables but have no foreign keys to them:
user ids here are plain UUIDs, so the directory migrates and is tested on its own.

Every name and number has a `*_key` twin (`services.users.address_text`) that the unique indexes
and searches use, so "ЖК Светлый" and "жк  светлый" are one yard and "12А"/"12A" one flat.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

from services.users.models import metadata


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _point() -> list[sa.Column[object]]:
    # Micro-degrees (WGS 84) as in the contract: exact, and ±180 000 000 fits an integer.
    return [
        sa.Column("latitude_e6", sa.Integer, nullable=False),
        sa.Column("longitude_e6", sa.Integer, nullable=False),
    ]


yards = sa.Table(
    "yards",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("name_key", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    *_point(),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    *_timestamps(),
    sa.UniqueConstraint("name_key", name="yards_name_key"),
)

buildings = sa.Table(
    "buildings",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    # RESTRICT: a parent is purged only after its children (the purge guard says so first).
    sa.Column(
        "yard_id",
        UUID(as_uuid=False),
        sa.ForeignKey(yards.c.id, ondelete="RESTRICT"),
        nullable=False,
    ),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("address_key", sa.Text, nullable=False),
    *_point(),
    sa.Column("entrances", sa.Integer, nullable=False),
    sa.Column("floors", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    *_timestamps(),
    sa.UniqueConstraint("yard_id", "address_key", name="buildings_address_key"),
    sa.CheckConstraint("entrances > 0 AND floors > 0", name="buildings_size"),
    sa.Index("buildings_listing", "address_key", "id"),
)

apartments = sa.Table(
    "apartments",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column(
        "building_id",
        UUID(as_uuid=False),
        sa.ForeignKey(buildings.c.id, ondelete="RESTRICT"),
        nullable=False,
    ),
    sa.Column("number", sa.Text, nullable=False),
    sa.Column("number_key", sa.Text, nullable=False),
    # The number's leading integer, so listings run 1, 2, … 10 rather than 1, 10, 100.
    sa.Column("number_order", sa.Integer, nullable=False),
    sa.Column("entrance", sa.Integer),
    sa.Column("floor", sa.Integer),
    sa.Column("rooms", sa.Integer),
    # Square decimetres: exact to 0.01 m² in an integer, never a float.
    sa.Column("area_dm2", sa.Integer),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    *_timestamps(),
    sa.UniqueConstraint("building_id", "number_key", name="apartments_number_key"),
    sa.CheckConstraint("area_dm2 IS NULL OR area_dm2 > 0", name="apartments_area_positive"),
    sa.Index("apartments_listing", "building_id", "number_order", "number_key", "id"),
)

bindings = sa.Table(
    "apartment_bindings",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("user_id", UUID(as_uuid=False), nullable=False),
    sa.Column(
        "apartment_id",
        UUID(as_uuid=False),
        sa.ForeignKey(apartments.c.id, ondelete="RESTRICT"),
        nullable=False,
    ),
    sa.Column("status", sa.Text, nullable=False),  # address_bindings.BindingStatus
    sa.Column("is_primary", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_owner", sa.Boolean, nullable=False, server_default=sa.false()),
    # Asked for by the resident; applied when approved.
    sa.Column("wants_primary", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("decided_by", UUID(as_uuid=False)),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Column("decision_reason", sa.Text, nullable=False, server_default=""),
    *_timestamps(),
    sa.CheckConstraint(
        "status IN ('pending', 'approved', 'rejected')", name="apartment_bindings_status"
    ),
    sa.CheckConstraint("NOT is_primary OR status = 'approved'", name="primary_is_approved"),
    # One open binding per person and apartment; a rejected one may be asked for again.
    sa.Index(
        "apartment_bindings_open",
        "user_id",
        "apartment_id",
        unique=True,
        postgresql_where=sa.text("status IN ('pending', 'approved')"),
    ),
    # One primary apartment per person, enforced by the database too.
    sa.Index(
        "apartment_bindings_primary",
        "user_id",
        unique=True,
        postgresql_where=sa.text("is_primary"),
    ),
    sa.Index("apartment_bindings_by_apartment", "apartment_id"),
    sa.Index("apartment_bindings_by_status", "status", "created_at", "id"),
    sa.Index("apartment_bindings_by_user", "user_id", "created_at", "id"),
)

yard_grants = sa.Table(
    "yard_grants",
    metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("user_id", UUID(as_uuid=False), nullable=False),
    sa.Column(
        "yard_id",
        UUID(as_uuid=False),
        sa.ForeignKey(yards.c.id, ondelete="RESTRICT"),
        nullable=False,
    ),
    sa.Column("granted_by", UUID(as_uuid=False)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("user_id", "yard_id", name="yard_grants_once"),
    sa.Index("yard_grants_by_yard", "yard_id"),
)
