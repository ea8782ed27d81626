"""Alembic environment of the shifts service (schema `shifts`)."""

from services.kit.db import run_alembic_env
from services.shifts.models import metadata

run_alembic_env(metadata)
