"""Working-day arithmetic on the Vietnamese calendar (SLA due dates, deadlines).

A task assigned on some day is due at the end of the working day (17:00 in
Asia/Ho_Chi_Minh) ``n`` working days later; weekends and the public holidays
the ``holidays`` package knows for Vietnam (Tết included) do not count.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
END_OF_WORKING_DAY = time(17, 0)


@lru_cache(maxsize=64)
def _vietnamese_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year).keys())


class WorkingCalendar:
    """Which days are worked; ``extra_holidays`` covers days off decreed at short notice."""

    def __init__(self, extra_holidays: frozenset[date] = frozenset(), timezone: ZoneInfo = VIETNAM) -> None:
        self.extra_holidays = extra_holidays
        self.timezone = timezone

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        return day not in _vietnamese_holidays(day.year) and day not in self.extra_holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself never counts)."""
        if days < 0:
            raise ValueError("an SLA cannot be negative")
        day = start
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        if days == 0:
            # An SLA of zero days is due at the end of the day of assignment, or of the
            # next working day when assigned on a day off.
            while not self.is_working_day(day):
                day += timedelta(days=1)
        return day

    def due_at(self, assigned_at: datetime, sla_working_days: int) -> datetime:
        """When a task assigned at ``assigned_at`` is due, as an aware UTC datetime."""
        local_day = assigned_at.astimezone(self.timezone).date()
        due_day = self.add_working_days(local_day, sla_working_days)
        return datetime.combine(due_day, END_OF_WORKING_DAY, self.timezone).astimezone(UTC)

    def last_day_end_before(self, now: datetime) -> datetime:
        """The latest end of a day (17:00, working or not) before ``now``. Every due date this calendar
        gives falls on one, so which of them have passed by ``now`` changes only as this moment does:
        what a list's ``overdue`` marks show is fixed by it (a task list's ETag includes it)."""
        local = now.astimezone(self.timezone)
        end = datetime.combine(local.date(), END_OF_WORKING_DAY, self.timezone)
        if end >= local:
            end = datetime.combine(local.date() - timedelta(days=1), END_OF_WORKING_DAY, self.timezone)
        return end.astimezone(UTC)


def parse_extra_holidays(text: str) -> frozenset[date]:
    """``EXTRA_HOLIDAYS``: comma-separated ISO dates."""
    return frozenset(date.fromisoformat(day.strip()) for day in text.split(",") if day.strip())


class _CalendarSettings(Protocol):
    @property
    def extra_holidays(self) -> str: ...


def calendar_for(settings: _CalendarSettings) -> WorkingCalendar:
    """The working calendar of a process configured by ``settings`` (``EXTRA_HOLIDAYS``)."""
    return WorkingCalendar(extra_holidays=parse_extra_holidays(settings.extra_holidays))
