"""The init containers' wait for the schema, on the plans service's real migrations (SQLite)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from servicekit import schema
from servicekit.process import upgrade_database

PLANS_MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "plans" / "migrations"


def test_an_empty_database_is_not_current_and_a_migrated_one_is(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    assert not schema.schema_is_current(PLANS_MIGRATIONS, url)
    upgrade_database(PLANS_MIGRATIONS, url)
    assert schema.schema_is_current(PLANS_MIGRATIONS, url)


def test_the_wait_ends_when_the_migration_job_has_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    migration_job = threading.Timer(0.3, upgrade_database, args=(PLANS_MIGRATIONS, url))
    migration_job.start()
    started = time.monotonic()
    assert schema.wait_for_schema(PLANS_MIGRATIONS, url, timeout=30, interval=0.1)
    assert time.monotonic() - started >= 0.3
    migration_job.join()


def test_the_command_fails_after_its_timeout_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plans.db'}")
    assert schema.main([str(PLANS_MIGRATIONS), "--timeout", "0.2", "--interval", "0.05"]) == 1
    assert "schema not at" in capsys.readouterr().err
    upgrade_database(PLANS_MIGRATIONS, f"sqlite:///{tmp_path / 'plans.db'}")
    assert schema.main([str(PLANS_MIGRATIONS), "--timeout", "1"]) == 0


def test_an_unreachable_database_counts_as_not_ready(tmp_path: Path) -> None:
    url = "postgresql://nobody@127.0.0.1:1/none"
    assert not schema.schema_is_current(PLANS_MIGRATIONS, url)


def test_the_command_refuses_a_wrong_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plans.db'}")
    assert schema.main([str(tmp_path)]) == 2
    monkeypatch.delenv("DATABASE_URL")
    assert schema.main([str(PLANS_MIGRATIONS)]) == 2
