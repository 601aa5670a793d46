"""A long poll's ``Prefer: wait=N`` is lowered to end a second before the gateway's read timeout, so
the caller gets the service's answer (its 304 after the wait), never the gateway's 504."""

from __future__ import annotations

import pytest
from gateway.proxy import within_read_timeout


@pytest.mark.parametrize(
    ("prefer", "forwarded"),
    [
        ("wait=5", "wait=5"),
        ("wait=30", "wait=14"),
        ('wait="60"', "wait=14"),
        ("respond-async, wait=100", "respond-async, wait=14"),
        ("return=minimal", "return=minimal"),
        ("wait=soon", "wait=soon"),  # not a number: the service ignores it
    ],
)
def test_a_wait_longer_than_the_read_timeout_allows_is_lowered(prefer: str, forwarded: str) -> None:
    assert within_read_timeout(prefer, 15.0) == forwarded


def test_with_no_time_to_wait_the_preference_is_dropped() -> None:
    assert within_read_timeout("wait=5, return=minimal", 0.5) == "return=minimal"
