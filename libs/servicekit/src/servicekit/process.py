"""Running the long-lived processes (outbox relay, consumers, schedulers):
each service's command group, signal handling for a graceful stop, and migrations."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, MetaData

from .db import normalise_url
from .heartbeat import Heartbeat, HeartbeatStop
from .logs import configure_logging
from .settings import ServiceSettings

log = logging.getLogger(__name__)


def service_cli(service: str, settings: Callable[[], ServiceSettings], help: str) -> click.Group:
    """The ``ttdn-<service>`` command group: it reads the settings once, configures the logs, and
    hands the settings to each command (``@click.pass_obj``)."""

    @click.group(help=help)
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        read = settings()
        configure_logging(service, read.log_level, read.log_format)
        ctx.obj = read

    return cli


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT; loops finish the work in hand and exit.
    With ``HEARTBEAT_FILE`` set, asking it or waiting on it also proves the loop alive
    (:mod:`servicekit.heartbeat`)."""
    stop = HeartbeatStop(Heartbeat.from_environment())

    def _handler(signum: int, _frame: object) -> None:
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        stop.set()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    return stop


def upgrade_database(
    migrations_dir: Path, database_url: str, revision: str = "head", *, connection: Connection | None = None
) -> None:
    """Run a service's Alembic migrations programmatically (on ``connection`` when given:
    an in-memory SQLite database exists only on its own connection)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    command.upgrade(config, revision)


def run_migrations_in_env(target_metadata: MetaData | Sequence[MetaData]) -> None:
    """The body of every service's ``migrations/env.py`` (online mode only:
    migrations always run against a live database)."""
    from alembic import context

    from .db import make_engine

    given = context.config.attributes.get("connection")
    if given is not None:
        _run_migrations(context, given, target_metadata)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url is not set; run migrations through the service's `migrate` command")
    engine = make_engine(url)
    with engine.connect() as connection:
        _run_migrations(context, connection, target_metadata)
    engine.dispose()


def _run_migrations(context: Any, connection: Connection, target_metadata: MetaData | Sequence[MetaData]) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
