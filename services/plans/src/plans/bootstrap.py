"""The composition root: one message bus per process, with real dependencies (or the
fakes a test passes in)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime

from servicekit.calendar import WorkingCalendar, calendar_for
from servicekit.clock import clock_for
from servicekit.db import Database
from servicekit.directory import Directory
from servicekit.messagebus import MessageBus
from servicekit.unit_of_work import UnitOfWork

from .config import PlansSettings
from .domain.catalogue import Catalogue
from .domain.numbering import IssuingBodies
from .domain.organisation_registry import OrganisationRegistry
from .domain.organisation_seed import load_seed
from .domain.organisations import Organisations
from .domain.provinces import Provinces
from .domain.provinces import seeded as seeded_provinces
from .service_layer.calls import HANDLERS as CALL_HANDLERS
from .service_layer.documents import DocumentTools
from .service_layer.handlers import HANDLERS
from .service_layer.unit_of_work import SqlUnitOfWork


def organisation_registry(settings: PlansSettings, db: Database | None = None) -> Callable[[], OrganisationRegistry]:
    """The organisation registry as this process reads it: the database's (rebuilt when it changes)
    given one, else the seed files' (built once)."""
    if db is not None:
        from .adapters.organisations import CachedRegistry

        return CachedRegistry(db)
    built: list[OrganisationRegistry] = []

    def registry() -> OrganisationRegistry:
        if not built:
            built.append(load_seed())
        return built[0]

    return registry


def load_issuing_bodies(
    settings: PlansSettings, registry: Callable[[], OrganisationRegistry] | None = None
) -> IssuingBodies:
    registry = registry or organisation_registry(settings)
    if settings.plans_issuers_file:
        return IssuingBodies.from_file(settings.plans_issuers_file, registry)
    if settings.plans_issuers:
        return IssuingBodies.from_json(settings.plans_issuers, registry)
    return IssuingBodies(registry)


def load_catalogue(settings: PlansSettings) -> Catalogue:
    return Catalogue.from_file(settings.plans_catalogue_file) if settings.plans_catalogue_file else Catalogue()


log = logging.getLogger(__name__)


def names_from_directory(settings: PlansSettings) -> Callable[[str], str | None]:
    """People's names from Keycloak's Admin API (cached); None when the directory cannot say."""
    titled = people_from_directory(settings)

    def name_of(username: str) -> str | None:
        person = titled(username)
        return person[0] if person else None

    return name_of


def people_from_directory(settings: PlansSettings) -> Callable[[str], tuple[str, str] | None]:
    """A person's full name (family name first) and position from Keycloak's Admin API
    (cached); None when the directory cannot say."""
    directory = Directory.from_settings(settings)

    def person_of(username: str) -> tuple[str, str] | None:
        try:
            person = directory.person(username)
        except Exception:
            log.warning("directory lookup failed", extra={"username": username})
            return None
        return (person.display_name, person.position) if person else None

    return person_of


def uuid4_text() -> str:
    return str(uuid.uuid4())


def bootstrap(
    settings: PlansSettings | None = None,
    *,
    db: Database | None = None,
    uow: Callable[[], UnitOfWork] | None = None,
    clock: Callable[[], datetime] | None = None,
    new_id: Callable[[], str] = uuid4_text,
    catalogue: Catalogue | None = None,
    issuing_bodies: IssuingBodies | None = None,
    documents: DocumentTools | None = None,
    name_of: Callable[[str], str | None] | None = None,
    person_of: Callable[[str], tuple[str, str] | None] | None = None,
    registry: Callable[[], OrganisationRegistry] | None = None,
    withdrawal_wait_seconds: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    provinces: Provinces | None = None,
    calendar: WorkingCalendar | None = None,
) -> MessageBus:
    """The use cases of one process (build after forking). Anything passed in replaces
    the real one; without ``uow`` the units of work run on ``db`` (or DATABASE_URL)."""
    settings = settings or PlansSettings()
    database: Database | None = None
    if uow is None:
        database = db or Database(settings.database_url)
        uow = lambda: SqlUnitOfWork(database)  # noqa: E731
    if registry is None:
        registry = issuing_bodies.registry if issuing_bodies else organisation_registry(settings, database)
    return MessageBus(
        uow,
        {**HANDLERS, **CALL_HANDLERS},
        {
            "catalogue": catalogue or load_catalogue(settings),
            "issuing_bodies": issuing_bodies or load_issuing_bodies(settings, registry),
            "organisation_registry": registry,
            "clock": clock or clock_for(settings),
            "new_id": new_id,
            "documents": documents,  # given to the renderer process only (document_tools)
            "name_of": name_of or names_from_directory(settings),
            # Who someone is, for the pages: their full name and position (a given name_of stands in).
            "person_of": person_of
            or (
                (lambda username: (name, "") if (name := name_of(username)) else None)
                if name_of is not None
                else people_from_directory(settings)
            ),
            # How long a withdrawal waits for the approvals service's verdict, and how it waits.
            "withdrawal_wait_seconds": (
                settings.plans_withdrawal_wait_seconds if withdrawal_wait_seconds is None else withdrawal_wait_seconds
            ),
            "sleep": sleep,
            # The provinces in force on a day (the organisation registry), the working-day calendar
            # (call deadlines and lateness), and how many working days ahead a call's reminder goes.
            "provinces": provinces or seeded_provinces(),
            "calendar": calendar or calendar_for(settings),
            "call_reminder_working_days": settings.call_reminder_working_days,
        },
    )


def organisations(settings: PlansSettings, registry: Callable[[], OrganisationRegistry] | None = None) -> Organisations:
    return Organisations.load(registry or organisation_registry(settings), settings.plans_organisations_file or None)


def trust_roots(settings: PlansSettings) -> list[bytes]:
    """The roots a verified document must chain to: configured files, else the PKI directory's CA."""
    from pathlib import Path

    files = [Path(path) for path in settings.document_trust_roots.split(",") if path.strip()]
    if not files:
        files = [Path(settings.document_pki_dir) / "ca.cert.pem"]
    return [path.read_bytes() for path in files if path.exists()]


def document_tools(settings: PlansSettings, db: Database | None = None) -> DocumentTools:
    """The renderer's dependencies: organisation names, the people directory, render-and-sign."""
    from .documents.pipeline import DirectoryPeople, RenderAndSign, credentials_from, timestamper_from
    from .documents.render import DocumentRenderer

    directory = Directory.from_settings(settings)
    return DocumentTools(
        organisations=organisations(settings, organisation_registry(settings, db or Database(settings.database_url))),
        people=DirectoryPeople(directory),
        render_and_sign=RenderAndSign(DocumentRenderer(), credentials_from(settings), timestamper_from(settings)),
    )
