"""The composition root: real dependencies for processes, fakes for tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial

from servicekit.db import Database
from servicekit.directory import Directory

from .config import ApprovalsSettings
from .domain.calendar import WorkingCalendar
from .service_layer.handlers import Dependencies
from .service_layer.ports import ApproverDirectory, Clock
from .service_layer.unit_of_work import SqlUnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_directory(settings: ApprovalsSettings) -> Directory:
    # No I/O here: KeycloakAdmin is created on the first lookup.
    return Directory(
        settings.keycloak_url,
        settings.keycloak_realm,
        settings.keycloak_admin_client_id,
        settings.keycloak_admin_client_secret,
        ttl=settings.directory_cache_seconds,
    )


def build_calendar(settings: ApprovalsSettings) -> WorkingCalendar:
    extra = frozenset(date.fromisoformat(day.strip()) for day in settings.extra_holidays.split(",") if day.strip())
    return WorkingCalendar(extra_holidays=extra)


def shifted_clock(offset_seconds: float) -> Clock:
    if not offset_seconds:
        return utc_now
    offset = timedelta(seconds=offset_seconds)
    return lambda: utc_now() + offset


def build_dependencies(
    settings: ApprovalsSettings, *, directory: ApproverDirectory | None = None, clock: Clock | None = None
) -> Dependencies:
    return Dependencies(
        directory=directory if directory is not None else build_directory(settings),
        calendar=build_calendar(settings),
        clock=clock or shifted_clock(settings.clock_offset_seconds),
        remind_share=settings.reminder_share,
    )


def uow_factory(db: Database) -> partial[SqlUnitOfWork]:
    return partial(SqlUnitOfWork, db)
