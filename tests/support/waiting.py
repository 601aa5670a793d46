"""Waiting in a test for something another thread or process does."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(
    condition: Callable[[], Any], timeout: float = 20.0, what: str = "condition", interval: float = 0.02
) -> Any:
    """Ask ``condition`` every ``interval`` seconds until it answers something true, and return that;
    fail the test when ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")
