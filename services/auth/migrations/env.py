"""Alembic environment of the auth service (schema `auth`)."""

from services.auth.models import metadata
from services.kit.db import run_alembic_env

run_alembic_env(metadata)
