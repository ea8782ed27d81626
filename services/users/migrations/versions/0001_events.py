"""The event outbox and inbox of the users service.

People (0002_people) and the address directory (0002_directory) branch from here; the kit
upgrades to all heads.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from services.kit.consumer import inbox_table
from services.kit.outbox import outbox_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "users"


def upgrade() -> None:
    # The kit owns the shape of the event tables; every service creates its own pair.
    events = sa.MetaData(schema=SCHEMA)
    outbox_table(events)
    inbox_table(events)
    events.create_all(op.get_bind())


def downgrade() -> None:
    for table in ("inbox", "outbox"):
        op.drop_table(table, schema=SCHEMA)
