"""Waiting for a service's schema before its processes start.

An orchestrator that applies a new version all at once (Kustomize cannot order
resources) starts the migration Job and the new pods together. Each new pod's
init container runs

    python -m servicekit.schema services/plans/migrations --timeout 600

which returns 0 as soon as the database named by ``DATABASE_URL`` is at the
head revision of those migrations, and 1 if it is not by the timeout (the pod
then restarts and waits again). The old pods keep serving meanwhile, so a
migration must be one the previous version still runs on (expand, then
contract in a later release).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from .db import make_engine

log = logging.getLogger(__name__)


def head_revisions(migrations_dir: Path) -> set[str]:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    return set(ScriptDirectory.from_config(config).get_heads())


def current_revisions(database_url: str) -> set[str]:
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def schema_is_current(migrations_dir: Path, database_url: str) -> bool:
    """True when the database is at every head of ``migrations_dir`` (False while it is unreachable)."""
    try:
        return current_revisions(database_url) == head_revisions(migrations_dir)
    except SQLAlchemyError as error:
        log.info("database not reachable yet: %s", error.__class__.__name__)
        return False


def wait_for_schema(migrations_dir: Path, database_url: str, *, timeout: float, interval: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if schema_is_current(migrations_dir, database_url):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m servicekit.schema", description="Wait until DATABASE_URL is at the migrations' head."
    )
    parser.add_argument("migrations", type=Path, help="the service's Alembic directory")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between checks (default 2)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        print("DATABASE_URL is not set", file=sys.stderr)
        return 2
    if not (args.migrations / "versions").is_dir():
        print(f"{args.migrations}: not an Alembic directory", file=sys.stderr)
        return 2
    heads = ", ".join(sorted(head_revisions(args.migrations)))
    if wait_for_schema(args.migrations, database_url, timeout=args.timeout, interval=args.interval):
        print(f"schema at {heads}")
        return 0
    print(f"schema not at {heads} after {args.timeout:.0f} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
