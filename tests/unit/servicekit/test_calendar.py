"""Working-day arithmetic on the Vietnamese calendar (Tết, weekends, 17:00 local)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from servicekit.calendar import VIETNAM, WorkingCalendar

calendar = WorkingCalendar()


def test_a_task_due_across_tet_skips_the_lunar_new_year_holidays() -> None:
    # Friday 13 Feb 2026; Tết Bính Ngọ closes offices Mon 16 – Fri 20 Feb, then a weekend.
    assigned = datetime(2026, 2, 13, 9, 30, tzinfo=VIETNAM)
    due = calendar.due_at(assigned, 3)
    assert due.astimezone(VIETNAM) == datetime(2026, 2, 25, 17, 0, tzinfo=VIETNAM)
    assert due == datetime(2026, 2, 25, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 17), False),  # Mùng 1 Tết
        (date(2026, 4, 30), False),  # Reunification Day
        (date(2026, 9, 2), False),  # National Day
        (date(2026, 3, 7), False),  # a Saturday
        (date(2026, 3, 9), True),  # an ordinary Monday
    ],
)
def test_which_days_are_worked(day: date, working: bool) -> None:
    assert calendar.is_working_day(day) is working


def test_the_local_date_decides_not_the_utc_one() -> None:
    # 23:30 UTC on Thursday is already Friday morning in Hà Nội: counting starts from Friday.
    assigned = datetime(2024, 2, 29, 23, 30, tzinfo=UTC)
    assert calendar.due_at(assigned, 3).astimezone(VIETNAM).date() == date(2024, 3, 6)


def test_an_sla_of_zero_days_is_due_at_the_end_of_the_next_working_day_when_assigned_on_a_day_off() -> None:
    saturday = datetime(2024, 3, 2, 10, 0, tzinfo=VIETNAM)
    assert calendar.due_at(saturday, 0).astimezone(VIETNAM) == datetime(2024, 3, 4, 17, 0, tzinfo=VIETNAM)


def test_a_decreed_day_off_is_skipped_too() -> None:
    bridge = WorkingCalendar(extra_holidays=frozenset({date(2024, 3, 4)}))
    assert bridge.add_working_days(date(2024, 3, 1), 1) == date(2024, 3, 5)


def test_a_negative_sla_is_refused() -> None:
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2024, 3, 1), -1)


def test_the_last_day_end_before_now_fixes_which_due_dates_have_passed() -> None:
    def last(day: int, hour: int, minute: int = 0) -> datetime:
        return calendar.last_day_end_before(datetime(2024, 3, day, hour, minute, tzinfo=VIETNAM).astimezone(UTC))

    due = calendar.due_at(datetime(2024, 3, 4, 9, 0, tzinfo=VIETNAM), 1)  # Tuesday 17:00
    assert last(5, 16, 59) < due and last(5, 17, 0) < due  # not overdue at 17:00 itself (now > due)
    assert last(5, 17, 1) == due and last(6, 9, 0) == due and last(2, 9, 0).tzinfo == UTC
