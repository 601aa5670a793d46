"""``ttdn-approvals migrate | relay | consume | scheduler``."""

from __future__ import annotations

from pathlib import Path

import click
from servicekit.db import Database
from servicekit.outbox import OutboxRelay
from servicekit.process import service_cli, stop_on_signals, upgrade_database

from .adapters import orm
from .bootstrap import bootstrap
from .config import ApprovalsSettings
from .domain.commands import LoadBundledChains
from .entrypoints.consumer import build_consumer
from .entrypoints.scheduler import DeadlineScheduler


def migrations_dir() -> Path:
    # services/approvals/migrations, beside src/ (the package is installed editable).
    return Path(__file__).resolve().parents[2] / "migrations"


def migrate_database(settings: ApprovalsSettings) -> list[str]:
    """Upgrade the schema, then load the bundled chains as version 1 where missing."""
    upgrade_database(migrations_dir(), settings.database_url)
    db = Database(settings.database_url)
    try:
        loaded: list[str] = bootstrap(settings, db=db).handle(LoadBundledChains())
        return loaded
    finally:
        db.dispose()


cli = service_cli("approvals", ApprovalsSettings, "The TTĐN approvals service.")


@cli.command()
@click.pass_obj
def migrate(settings: ApprovalsSettings) -> None:
    """Create or upgrade the database and load the default approval chain."""
    loaded = migrate_database(settings)
    click.echo(f"approvals database at head; chains loaded: {', '.join(loaded) or 'none new'}")


@cli.command()
@click.pass_obj
def relay(settings: ApprovalsSettings) -> None:
    """Publish the outbox to RabbitMQ (declares the suite's queues first)."""
    stop = stop_on_signals()
    db = Database(settings.database_url)
    OutboxRelay.from_settings(settings, db, orm.Outbox).run(stop)
    db.dispose()


@cli.command()
@click.pass_obj
def consume(settings: ApprovalsSettings) -> None:
    """Handle the submissions and withdrawals of plans and reports from approvals.plan-events."""
    stop = stop_on_signals()
    db = Database(settings.database_url)
    build_consumer(settings, db, bootstrap(settings, db=db)).run(stop)
    db.dispose()


@cli.command()
@click.pass_obj
def scheduler(settings: ApprovalsSettings) -> None:
    """Send SLA reminders and overdue notices (every SCHEDULER_INTERVAL_SECONDS)."""
    stop = stop_on_signals()
    db = Database(settings.database_url)
    DeadlineScheduler(bootstrap(settings, db=db), interval_seconds=settings.scheduler_interval_seconds).run(stop)
    db.dispose()


if __name__ == "__main__":
    cli()
