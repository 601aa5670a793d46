"""Alembic environment of the notifications service (run through `ttdn-notifications migrate`)."""

from notifications.adapters.orm import Base
from servicekit.process import run_migrations_in_env

run_migrations_in_env(Base.metadata)
