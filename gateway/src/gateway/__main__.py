"""``ttdn-gateway``: serve the gateway, prepare its store, purge old idempotency records."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from servicekit.db import Database

from . import store
from .config import GatewaySettings
from .idempotency import IdempotencyStore

# The monorepo's gunicorn settings for the gateway (gateway/src/gateway -> repository root).
GUNICORN_CONFIG = str(Path(__file__).resolve().parents[3] / "infra" / "gunicorn" / "gateway.py")


@click.group()
def cli() -> None:
    """The TTĐN gateway: the one public entry of the suite."""


def web_sessions(database: Database):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from .web.sessions import SessionStore

    return SessionStore(database, lifetime=timedelta(hours=GatewaySettings().web_session_hours))


@cli.command()
def migrate() -> None:
    """Upgrade the gateway's tables (idempotency records, web sessions) to the latest revision."""
    store.migrate(Database(GatewaySettings().database_url))
    click.echo("gateway store ready")


@cli.command("purge-idempotency-keys")
def purge_idempotency_keys() -> None:
    """Delete idempotency records past their 24-hour lifetime (run from cron)."""
    settings = GatewaySettings()
    removed = IdempotencyStore(Database(settings.database_url)).purge_expired()
    click.echo(f"removed {removed} expired idempotency records")


@cli.command("purge-web-sessions")
def purge_web_sessions() -> None:
    """Delete expired web sessions (run from cron; a session is also dropped when next used expired)."""
    removed = web_sessions(Database(GatewaySettings().database_url)).purge_expired()
    click.echo(f"removed {removed} expired web sessions")


@cli.command()
@click.option("--config", "config_path", default=GUNICORN_CONFIG, show_default=True, help="gunicorn configuration file")
def serve(config_path: str) -> None:
    """Run the gateway under gunicorn (port GATEWAY_PORT, default 8000)."""
    # Replace this process with gunicorn so signals reach it directly.
    gunicorn = [sys.executable, "-m", "gunicorn", "--config", config_path, "gateway.app:create_app()"]
    os.execv(sys.executable, gunicorn)


@cli.command("dev")
@click.option("--port", type=int, default=None, help="defaults to GATEWAY_PORT")
def dev(port: int | None) -> None:
    """Run the gateway on Werkzeug's threaded development server."""
    settings = GatewaySettings()
    from .app import create_app

    create_app(settings).run(host="127.0.0.1", port=port or settings.gateway_port, threaded=True)


if __name__ == "__main__":
    cli()
