"""The composition root: the one place that builds real dependencies."""

from __future__ import annotations

from servicekit.db import Database

from .config import PlansSettings
from .domain.catalogue import Catalogue
from .domain.numbering import IssuingBodies
from .service_layer.handlers import Dependencies
from .service_layer.unit_of_work import SqlAlchemyUnitOfWork


def issuing_bodies(settings: PlansSettings) -> IssuingBodies:
    if settings.plans_issuers_file:
        return IssuingBodies.from_file(settings.plans_issuers_file)
    if settings.plans_issuers:
        return IssuingBodies.from_json(settings.plans_issuers)
    return IssuingBodies()


def catalogue(settings: PlansSettings) -> Catalogue:
    return Catalogue.from_file(settings.plans_catalogue_file) if settings.plans_catalogue_file else Catalogue()


def bootstrap(settings: PlansSettings, db: Database | None = None) -> tuple[Database, Dependencies]:
    """The database and the use cases' dependencies for one process (build after forking)."""
    db = db or Database(settings.database_url)
    deps = Dependencies(
        uow=lambda: SqlAlchemyUnitOfWork(db),
        catalogue=catalogue(settings),
        issuing_bodies=issuing_bodies(settings),
        withdrawal_wait_seconds=settings.plans_withdrawal_wait_seconds,
    )
    return db, deps
