"""The gateway's own tables (idempotency records, web sessions) are under Alembic
like every service's: ``gateway/migrations``, applied by ``ttdn-gateway migrate``
(``make run``, the end-to-end stack and compose run it before the gateway starts).

An app started on a store nobody migrated (a test's fresh SQLite file) migrates
it itself; when several workers start at once, the losers of the race find the
tables made and the revision recorded when they try again."""

from __future__ import annotations

from pathlib import Path

from servicekit.db import Database
from servicekit.process import upgrade_database
from sqlalchemy import exc, inspect

# gateway/src/gateway -> gateway/migrations
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def migrate(database: Database) -> None:
    try:
        _upgrade(database)
    except (exc.IntegrityError, exc.ProgrammingError, exc.OperationalError):
        _upgrade(database)  # another worker migrated at the same moment


def _upgrade(database: Database) -> None:
    with database.engine.begin() as connection:
        upgrade_database(MIGRATIONS, database.url, connection=connection)


def ensure_migrated(database: Database) -> None:
    """Migrate unless the store is already at a recorded revision (a started app's check)."""
    if not inspect(database.engine).has_table("alembic_version"):
        migrate(database)
