"""Alembic environment of the notifications service (schema `notifications`)."""

from services.kit.db import run_alembic_env
from services.notifications.models import metadata

run_alembic_env(metadata)
