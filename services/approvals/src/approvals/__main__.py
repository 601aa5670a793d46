"""``ttdn-approvals migrate | relay | consume | scheduler``."""

from __future__ import annotations

from pathlib import Path

import click
from servicekit.broker import Publisher
from servicekit.consumer import EventConsumer
from servicekit.db import Database
from servicekit.logs import configure_logging
from servicekit.outbox import OutboxRelay
from servicekit.process import stop_on_signals, upgrade_database
from servicekit.topology import SUITE_QUEUES, declare_all, suite_queue

from .adapters import orm
from .bootstrap import bootstrap
from .config import ApprovalsSettings
from .domain.commands import LoadBundledChains
from .entrypoints.consumer import QUEUE, make_handler
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


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    settings = ApprovalsSettings()
    configure_logging("approvals", settings.log_level, settings.log_format)
    ctx.obj = settings


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
    publisher = Publisher(
        settings.amqp_url,
        settings.events_exchange,
        on_connect=lambda channel: declare_all(channel, settings.events_exchange, SUITE_QUEUES, settings.retry_delays),
    )
    OutboxRelay(
        db, orm.Outbox, publisher, batch_size=settings.outbox_batch_size, poll_seconds=settings.outbox_poll_seconds
    ).run(stop)
    db.dispose()


@cli.command()
@click.pass_obj
def consume(settings: ApprovalsSettings) -> None:
    """Handle the submissions and withdrawals of plans and reports from approvals.plan-events."""
    stop = stop_on_signals()
    db = Database(settings.database_url)
    EventConsumer(
        amqp_url=settings.amqp_url,
        exchange=settings.events_exchange,
        queue=suite_queue(QUEUE),
        db=db,
        inbox_model=orm.Inbox,
        handle=make_handler(bootstrap(settings, db=db)),
        prefetch=settings.consumer_prefetch,
        max_attempts=settings.max_delivery_attempts,
        retry_delays_ms=settings.retry_delays,
    ).run(stop)
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
