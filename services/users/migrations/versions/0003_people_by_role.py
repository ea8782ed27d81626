"""People by role: a GIN index on `users.roles`, so "everyone approved holding a role" (the
notifications service's GetContacts, on every event) and ListUsers' role filter stop reading
the whole table, which is mostly residents.

Revision ID: 0003_people_by_role
Revises: 0002_people
Create Date: 2026-12-04
"""

from alembic import op

revision = "0003_people_by_role"
down_revision = "0002_people"
branch_labels = None
depends_on = None

SCHEMA = "users"


def upgrade() -> None:
    op.create_index("users_by_role", "users", ["roles"], schema=SCHEMA, postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("users_by_role", table_name="users", schema=SCHEMA)
