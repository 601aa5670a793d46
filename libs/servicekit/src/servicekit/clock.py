"""The one clock every process reads the time from.

``CLOCK_OFFSET_SECONDS`` shifts it (0 in production): demonstrations and the
end-to-end tests run a process days ahead, so reminders, overdue tasks and
deadlines can be shown without waiting. Every use case takes its ``clock`` from
``bootstrap``, never from ``datetime.now`` directly, so the shift reaches them all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real time, aware, in UTC."""
    return datetime.now(UTC)


def shifted_clock(offset_seconds: float) -> Clock:
    """The real clock moved ``offset_seconds`` ahead (or back, when negative)."""
    if not offset_seconds:
        return utc_now
    offset = timedelta(seconds=offset_seconds)
    return lambda: utc_now() + offset


class _ClockSettings(Protocol):
    @property
    def clock_offset_seconds(self) -> float: ...


def clock_for(settings: _ClockSettings) -> Clock:
    """The clock of a process configured by ``settings`` (``CLOCK_OFFSET_SECONDS``)."""
    return shifted_clock(settings.clock_offset_seconds)
