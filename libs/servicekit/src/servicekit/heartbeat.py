"""A heartbeat file for the processes that serve no HTTP (relays, consumers,
the scheduler, the mailer, the webhook dispatcher).

Every such loop asks its stop event "should I stop?" at least once a turn,
and waits on it between turns. When ``HEARTBEAT_FILE`` is set, the event
returned by :func:`servicekit.process.stop_on_signals` refreshes that file's
modification time on each of those calls (at most once a second, and every
few seconds during a long wait). A loop stuck in a call that never returns
stops refreshing it, and an orchestrator's exec probe sees the file age:

    python -m servicekit.heartbeat --max-age 120

exits 0 while the file is younger than ``--max-age`` seconds, 1 otherwise.
A broker or database outage does not age the file (the loops keep turning
while they reconnect): restarting the process would not bring either back.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from pathlib import Path

ENVIRONMENT_VARIABLE = "HEARTBEAT_FILE"


class Heartbeat:
    """Touches ``path`` when beaten, no more often than ``min_interval`` seconds."""

    def __init__(self, path: Path, *, min_interval: float = 1.0) -> None:
        self.path = path
        self.min_interval = min_interval
        self._last = float("-inf")
        # A file left by the previous run of this container would pass the probe before
        # the new loop has turned once.
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    @classmethod
    def from_environment(cls) -> Heartbeat | None:
        path = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
        return cls(Path(path)) if path else None

    def beat(self) -> None:
        now = time.monotonic()
        if now - self._last < self.min_interval:
            return
        self._last = now
        try:
            self.path.touch()
        except OSError:  # a full or missing volume must not stop the work; the probe will say so
            self._last = float("-inf")


def age_seconds(path: Path) -> float | None:
    """Seconds since the last beat, or None when the loop has not beaten yet."""
    try:
        return max(0.0, time.time() - path.stat().st_mtime)
    except FileNotFoundError:
        return None


class HeartbeatStop(threading.Event):
    """A stop event whose every question and wait is also a heartbeat."""

    def __init__(self, heartbeat: Heartbeat | None, *, wait_slice: float = 5.0) -> None:
        super().__init__()
        self.heartbeat = heartbeat
        self.wait_slice = wait_slice

    def is_set(self) -> bool:
        if self.heartbeat is not None:
            self.heartbeat.beat()
        return super().is_set()

    def wait(self, timeout: float | None = None) -> bool:
        if self.heartbeat is None:
            return super().wait(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self.heartbeat.beat()
            remaining = self.wait_slice if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                return super().is_set()
            if super().wait(min(remaining, self.wait_slice)):
                return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m servicekit.heartbeat", description="Exit 0 if the process loop's heartbeat is recent."
    )
    parser.add_argument("path", nargs="?", default=os.environ.get(ENVIRONMENT_VARIABLE, ""))
    parser.add_argument("--max-age", type=float, default=120.0, help="seconds (default 120)")
    args = parser.parse_args(argv)
    if not args.path:
        print(f"no heartbeat file: pass one or set {ENVIRONMENT_VARIABLE}", file=sys.stderr)
        return 2
    age = age_seconds(Path(args.path))
    if age is None:
        print(f"{args.path}: no heartbeat yet", file=sys.stderr)
        return 1
    if age > args.max_age:
        print(f"{args.path}: last heartbeat {age:.0f} s ago (limit {args.max_age:.0f} s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
