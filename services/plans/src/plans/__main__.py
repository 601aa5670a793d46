"""``ttdn-plans migrate | relay | consume | serve``."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click
from servicekit.outbox import OutboxRelay
from servicekit.process import service_cli, stop_on_signals, upgrade_database

from .config import PlansSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
log = logging.getLogger("plans")


cli = service_cli("plans", PlansSettings, "The TTĐN plans service.")


@cli.command()
@click.pass_obj
def migrate(settings: PlansSettings) -> None:
    """Bring the database schema to the latest revision, then add what the organisation seed
    files hold and the registry lacks (an administrator's changes are never overwritten)."""
    from datetime import UTC, datetime

    from servicekit.db import Database

    from .adapters.organisations import sync_seed

    upgrade_database(MIGRATIONS, settings.database_url)
    organisations, successions = sync_seed(Database(settings.database_url), at=datetime.now(UTC))
    if organisations or successions:
        click.echo(f"organisation registry: {organisations} organisations and {successions} successions added")


@cli.command("organisations-publish")
@click.pass_obj
def organisations_publish(settings: PlansSettings) -> None:
    """Publish the whole organisation registry again (organisation.changed and organisation.succeeded
    of every organisation, through the outbox): for the copies in approvals and notifications when
    one is new or was lost, or after an upgrade from a version that sent no organisation events."""
    from datetime import UTC, datetime

    from servicekit.db import Database

    from .adapters.organisations import publish_registry

    count = publish_registry(Database(settings.database_url), at=datetime.now(UTC))
    click.echo(f"organisation registry: {count} events written to the outbox")


@cli.command()
@click.pass_obj
def relay(settings: PlansSettings) -> None:
    """Publish committed outbox events to RabbitMQ until SIGTERM."""
    from servicekit.db import Database

    from .adapters.orm import Outbox

    db = Database(settings.database_url)
    OutboxRelay.from_settings(settings, db, Outbox).run(stop_on_signals())
    db.dispose()


@cli.command()
@click.pass_obj
def consume(settings: PlansSettings) -> None:
    """Apply the approvals service's events to plans, and every document and call event to the
    overview read model (two queues, one thread each), and remind provinces of calls' due documents,
    until SIGTERM."""
    import threading

    from servicekit.db import Database

    from .bootstrap import bootstrap
    from .entrypoints.consumer import OVERVIEW_QUEUE, QUEUE, build_consumer

    db = Database(settings.database_url)
    bus = bootstrap(settings, db=db)
    stop = stop_on_signals()
    consumers = [build_consumer(settings, db, bus, queue) for queue in (QUEUE, OVERVIEW_QUEUE)]
    from .entrypoints.reminders import run as remind

    threads = [threading.Thread(target=consumer.run, args=(stop,), daemon=True) for consumer in consumers[1:]]
    # The call reminder loop rides along (any number of copies: each reminder is sent once, its
    # primary key decides); `ttdn-plans reminders` runs it alone where that is preferred.
    threads.append(
        threading.Thread(
            target=remind, args=(bus, stop), kwargs={"poll_seconds": settings.call_reminder_poll_seconds}, daemon=True
        )
    )
    for thread in threads:
        thread.start()
    consumers[0].run(stop)
    for thread in threads:
        thread.join(timeout=10)


@cli.command("overview-rebuild")
@click.pass_obj
def overview_rebuild(settings: PlansSettings) -> None:
    """Empty the overview read model and replay what feeds it (this service's outbox and the
    approval facts its documents recorded); run it with the consumers stopped."""
    from .bootstrap import bootstrap
    from .domain.commands import RebuildOverview

    applied = bootstrap(settings).handle(RebuildOverview())
    click.echo(f"overview rebuilt from {applied} events")


@cli.command()
@click.pass_obj
def reminders(settings: PlansSettings) -> None:
    """Remind provinces of the documents a call asks of them as their due dates near, until SIGTERM."""
    from .bootstrap import bootstrap
    from .entrypoints.reminders import run

    run(bootstrap(settings), stop_on_signals(), poll_seconds=settings.call_reminder_poll_seconds)


@cli.command()
@click.pass_obj
def renderer(settings: PlansSettings) -> None:
    """Render, sign and store issued documents until SIGTERM, at a lower CPU priority than the
    services (RENDERER_NICENESS): a decision never waits on a document being signed."""
    from .bootstrap import bootstrap, document_tools
    from .entrypoints.renderer import run

    os.nice(settings.renderer_niceness)
    run(
        bootstrap(settings, documents=document_tools(settings)),
        stop_on_signals(),
        poll_seconds=settings.renderer_poll_seconds,
    )


@cli.command("dev-pki")
@click.option("--realm-file", type=click.Path(exists=True), help="Issue a certificate to every approver in this realm")
@click.pass_obj
def dev_pki(settings: PlansSettings, realm_file: str | None) -> None:
    """Create the DEVELOPMENT certificate authority under DOCUMENT_PKI_DIR, with a certificate per
    issuing body (and per approver of the realm file). FOR DEVELOPMENT ONLY."""
    import json
    from datetime import date

    from .bootstrap import organisation_registry, organisations
    from .documents.pki import FileCredentials

    files = FileCredentials(settings.document_pki_dir, development=True)
    created = files.ensure_ca()
    names = organisations(settings)
    today = date.today()
    for province in organisation_registry(settings)().provinces_on(today):
        files.body(province.id, names.body(province.id, today).name)
    if realm_file:
        realm = json.loads(Path(realm_file).read_text(encoding="utf-8"))
        for user in realm.get("users", []):
            if {"province_approver", "dept_approver"} & set(user.get("realmRoles", [])):
                full_name = " ".join(filter(None, [user.get("lastName"), user.get("firstName")]))
                unit = (user.get("attributes", {}).get("org_unit") or [""])[0]
                files.person(user["username"], full_name, names.unit_name(unit) if unit else "")
    state = "created" if created else "already there"
    click.echo(f"development certificate authority {state} in {settings.document_pki_dir} — FOR DEVELOPMENT ONLY")


if __name__ == "__main__":
    cli()
