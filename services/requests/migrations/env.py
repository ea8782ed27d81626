"""Alembic environment of the requests service (schema `requests`)."""

from services.kit.db import run_alembic_env
from services.requests.models import metadata

run_alembic_env(metadata)
