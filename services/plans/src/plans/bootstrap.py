"""The composition root: the one place that builds real dependencies."""

from __future__ import annotations

import logging
from collections.abc import Callable

from servicekit.db import Database
from servicekit.directory import Directory

from .config import PlansSettings
from .domain.catalogue import Catalogue
from .domain.numbering import IssuingBodies
from .domain.organisations import Organisations
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
        withdrawal_wait_seconds=settings.plans_withdrawal_wait_seconds,
        name_of=names_from_directory(settings),
    )
    return db, deps


def organisations(settings: PlansSettings) -> Organisations:
    return Organisations.load(issuing_bodies(settings).places, settings.plans_organisations_file or None)


def trust_roots(settings: PlansSettings) -> list[bytes]:
    """The roots a verified document must chain to: configured files, else the PKI directory's CA."""
    from pathlib import Path

    files = [Path(path) for path in settings.document_trust_roots.split(",") if path.strip()]
    if not files:
        files = [Path(settings.document_pki_dir) / "ca.cert.pem"]
    return [path.read_bytes() for path in files if path.exists()]


def document_tools(settings: PlansSettings):  # type: ignore[no-untyped-def]
    """The renderer's dependencies: organisation names, the people directory, render-and-sign."""
    from servicekit.directory import Directory

    from .documents.pipeline import DirectoryPeople, RenderAndSign, credentials_from, timestamper_from
    from .documents.render import DocumentRenderer
    from .service_layer.documents import DocumentTools

    directory = Directory(
        settings.keycloak_url,
        settings.keycloak_realm,
        settings.keycloak_admin_client_id,
        settings.keycloak_admin_client_secret,
    )
    return DocumentTools(
        organisations=organisations(settings),
        people=DirectoryPeople(directory),
        render_and_sign=RenderAndSign(DocumentRenderer(), credentials_from(settings), timestamper_from(settings)),
    )
