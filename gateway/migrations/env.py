"""Alembic environment of the gateway's own tables: idempotency records and web
sessions (run through `ttdn-gateway migrate`)."""

from gateway.idempotency import Base as IdempotencyBase
from gateway.web.sessions import Base as SessionsBase
from servicekit.process import run_migrations_in_env

run_migrations_in_env([IdempotencyBase.metadata, SessionsBase.metadata])
