"""The clock a process runs on can be shifted by configuration (demonstrations, end-to-end tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from servicekit.clock import shifted_clock


def test_no_offset_is_the_real_clock() -> None:
    before = datetime.now(UTC)
    assert before <= shifted_clock(0)() <= datetime.now(UTC)


def test_an_offset_runs_the_clock_ahead() -> None:
    ahead = shifted_clock(30 * 86400)()
    assert ahead - datetime.now(UTC) > timedelta(days=29, hours=23)
