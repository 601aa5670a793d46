"""The composition root: one message bus per process, with real dependencies (or the
fakes a test passes in)."""

from __future__ import annotations

from collections.abc import Callable

from servicekit.calendar import WorkingCalendar, calendar_for
from servicekit.clock import Clock, clock_for
from servicekit.db import Database
from servicekit.directory import Directory
from servicekit.messagebus import MessageBus
from servicekit.organisations import CachedCopy
from servicekit.unit_of_work import UnitOfWork

from .adapters import orm
from .config import ApprovalsSettings
from .domain.model import OrganisationNames
from .service_layer.handlers import HANDLERS
from .service_layer.ports import ApproverDirectory
from .service_layer.unit_of_work import SqlUnitOfWork


def build_directory(settings: ApprovalsSettings) -> Directory:
    return Directory.from_settings(settings, ttl=settings.directory_cache_seconds)


def bootstrap(
    settings: ApprovalsSettings | None = None,
    *,
    db: Database | None = None,
    uow: Callable[[], UnitOfWork] | None = None,
    directory: ApproverDirectory | None = None,
    clock: Clock | None = None,
    calendar: WorkingCalendar | None = None,
    organisation_names: Callable[[], OrganisationNames | None] | None = None,
) -> MessageBus:
    """The use cases of one process (build after forking). Anything passed in replaces
    the real one; without ``uow`` the units of work run on ``db`` (or DATABASE_URL), and read
    the organisation registry's copy through a per-process cache."""
    settings = settings or ApprovalsSettings()
    if uow is None:
        database = db or Database(settings.database_url)
        if organisation_names is None:
            organisation_names = CachedCopy(database, orm.OrganisationCopyRow, orm.SuccessionCopyRow)
        names = organisation_names
        uow = lambda: SqlUnitOfWork(database, names=names)  # noqa: E731
    return MessageBus(
        uow,
        HANDLERS,
        {
            "directory": directory if directory is not None else build_directory(settings),
            "calendar": calendar or calendar_for(settings),
            "clock": clock or clock_for(settings),
            "remind_share": settings.reminder_share,
            "organisation_names": organisation_names or (lambda: None),
        },
    )
