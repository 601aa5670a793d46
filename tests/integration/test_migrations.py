"""Every table is under Alembic, and each service's migrations build exactly the
tables its code maps (the gateway's idempotency records and web sessions included;
the notifications outbox nothing used is gone)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from servicekit.db import Database, normalise_url
from servicekit.process import upgrade_database
from sqlalchemy import create_engine, inspect, text

ROOT = Path(__file__).resolve().parents[2]
MAPPED = {
    "plans": (ROOT / "services/plans/migrations", ["plans.adapters.orm"]),
    "approvals": (ROOT / "services/approvals/migrations", ["approvals.adapters.orm"]),
    "notifications": (ROOT / "services/notifications/migrations", ["notifications.adapters.orm"]),
    "gateway": (ROOT / "gateway/migrations", ["gateway.idempotency", "gateway.web.sessions"]),
}


@pytest.mark.parametrize("service", sorted(MAPPED))
def test_the_migrations_build_exactly_the_mapped_tables(service: str, tmp_path: Path) -> None:
    migrations, modules = MAPPED[service]
    url = f"sqlite:///{tmp_path / service}.db"
    upgrade_database(migrations, url)
    metadata = [importlib.import_module(module).Base.metadata for module in modules]
    engine = create_engine(url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata) == []
    engine.dispose()


def test_the_unused_notifications_outbox_is_dropped_and_comes_back_on_downgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'notifications'}.db"
    upgrade_database(MAPPED["notifications"][0], url)
    engine = create_engine(url)
    assert "outbox" not in inspect(engine).get_table_names()
    config = Config()
    config.set_main_option("script_location", str(MAPPED["notifications"][0]))
    config.set_main_option("sqlalchemy.url", normalise_url(url))
    command.downgrade(config, "0001")
    assert "outbox" in inspect(engine).get_table_names()
    engine.dispose()


def test_a_gateway_store_made_before_its_migrations_is_adopted_with_its_rows(tmp_path: Path) -> None:
    from gateway.idempotency import Base as IdempotencyBase
    from gateway.web.sessions import Base as SessionsBase

    from gateway import store

    database = Database(f"sqlite:///{tmp_path / 'gateway'}.db")
    for base in (IdempotencyBase, SessionsBase):  # what the gateway did on start until now
        base.metadata.create_all(database.engine)
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO web_sessions (id_sha256, csrf_token, created_at, expires_at)"
                " VALUES ('a1', 'csrf', '2024-03-04 01:00:00', '2024-03-04 11:00:00')"
            )
        )
    store.migrate(database)
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0001"
        assert connection.execute(text("SELECT count(*) FROM web_sessions")).scalar_one() == 1
    store.ensure_migrated(database)  # a started app finds it migrated and leaves it be
