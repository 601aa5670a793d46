"""`ttdn-gateway migrate` prepares the gateway's store; `purge-web-sessions` clears expired sessions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from gateway.__main__ import cli
from gateway.web.sessions import SessionStore
from servicekit.db import Database
from sqlalchemy import inspect


def test_migrate_then_purge_expired_web_sessions(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path}/gateway.db"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    database = Database(url)
    assert {"web_sessions"} <= set(inspect(database.engine).get_table_names())

    expired = SessionStore(database, lifetime=timedelta(hours=10), login_window=timedelta(seconds=-1))
    expired.start(locale="vi")
    live = SessionStore(database, lifetime=timedelta(hours=10)).start(locale="en")

    result = runner.invoke(cli, ["purge-web-sessions"])
    assert result.exit_code == 0, result.output
    assert "removed 1 expired web sessions" in result.output
    assert SessionStore(database, lifetime=timedelta(hours=10)).load(live.id) is not None
