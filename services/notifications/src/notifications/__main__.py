"""``ttdn-notifications migrate | consume | mailer | webhooks | serve``.

This service publishes no events, so it has no outbox relay."""

from __future__ import annotations

from pathlib import Path

import click
from servicekit.process import service_cli, stop_on_signals, upgrade_database

from .config import NotificationsSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


cli = service_cli("notifications", NotificationsSettings, "The TTĐN notifications service.")


@cli.command()
@click.pass_obj
def migrate(settings: NotificationsSettings) -> None:
    """Bring the database schema up to date."""
    upgrade_database(MIGRATIONS, settings.database_url)
    click.echo("notifications: database migrated")


@cli.command()
@click.pass_obj
def consume(settings: NotificationsSettings) -> None:
    """Turn suite events into messages, mail and webhook deliveries (queue notifications.events)."""
    from servicekit.db import Database

    from .bootstrap import bootstrap
    from .entrypoints.consumer import build_consumer

    stop = stop_on_signals()
    db = Database(settings.database_url)
    build_consumer(settings, db, bootstrap(settings, db=db)).run(stop)


@cli.command()
@click.pass_obj
def mailer(settings: NotificationsSettings) -> None:
    """Send e-mail digests (EMAIL_BATCH_SECONDS, SMTP_*)."""
    from .bootstrap import bootstrap
    from .entrypoints.mailer import DigestMailer

    stop = stop_on_signals()
    DigestMailer(bootstrap(settings)).run(stop, poll_seconds=settings.mailer_poll_seconds)


@cli.command()
@click.pass_obj
def webhooks(settings: NotificationsSettings) -> None:
    """Deliver signed webhooks to integrator subscriptions (WEBHOOK_*)."""
    from .bootstrap import bootstrap
    from .entrypoints.webhook_dispatcher import WebhookDispatcher

    stop = stop_on_signals()
    WebhookDispatcher(bootstrap(settings), workers=settings.webhook_workers).run(
        stop, poll_seconds=settings.webhook_poll_seconds
    )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="default: PORT (8003)")
@click.pass_obj
def serve(settings: NotificationsSettings, host: str, port: int | None) -> None:
    """Run the HTTP API on Flask's development server (production: gunicorn)."""
    from .entrypoints.app import create_app

    create_app(settings).run(host=host, port=port or settings.port, threaded=True)


if __name__ == "__main__":
    cli()
