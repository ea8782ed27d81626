"""Alembic environment of the users service (schema `users`)."""

from services.kit.db import run_alembic_env
from services.users import directory_models  # noqa: F401  (registers its tables on metadata)
from services.users.models import metadata

run_alembic_env(metadata)
