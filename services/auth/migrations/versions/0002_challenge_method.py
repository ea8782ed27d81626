"""MFA challenges remember their first factor (password or sign-in provider).

Challenges opened before this revision all came from a password login, hence the default.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "auth"


def upgrade() -> None:
    op.add_column(
        "mfa_challenges",
        sa.Column("method", sa.Text, nullable=False, server_default="pwd"),
        schema=SCHEMA,
    )
    op.create_check_constraint(
        "mfa_challenges_method", "mfa_challenges", "method IN ('pwd', 'oidc')", schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_constraint("mfa_challenges_method", "mfa_challenges", schema=SCHEMA)
    op.drop_column("mfa_challenges", "method", schema=SCHEMA)
