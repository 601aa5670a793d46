"""The composition root: the one place that builds real dependencies."""

from __future__ import annotations

import logging
from collections.abc import Callable

from servicekit.db import Database
from servicekit.directory import Directory

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


log = logging.getLogger(__name__)


def names_from_directory(settings: PlansSettings) -> Callable[[str], str | None]:
    """People's names from Keycloak's Admin API (cached); None when the directory cannot say."""
    directory = Directory(
        settings.keycloak_url,
        settings.keycloak_realm,
        settings.keycloak_admin_client_id,
        settings.keycloak_admin_client_secret,
    )

    def name_of(username: str) -> str | None:
        try:
            person = directory.person(username)
        except Exception:
            log.warning("directory lookup failed", extra={"username": username})
            return None
        return person.display_name if person else None

    return name_of


def bootstrap(settings: PlansSettings, db: Database | None = None) -> tuple[Database, Dependencies]:
    """The database and the use cases' dependencies for one process (build after forking)."""
    db = db or Database(settings.database_url)
    deps = Dependencies(
        uow=lambda: SqlAlchemyUnitOfWork(db),
        catalogue=catalogue(settings),
        issuing_bodies=issuing_bodies(settings),
        name_of=names_from_directory(settings),
    )
    return db, deps
