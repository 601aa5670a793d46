"""The SLA timer loop: ``CheckDeadlines(now)`` every SCHEDULER_INTERVAL_SECONDS, through
the same message bus as the API and the consumer."""

from __future__ import annotations

import logging
import threading

from servicekit.messagebus import MessageBus

from ..domain.commands import CheckDeadlines, HandOverDissolved
from ..service_layer.handlers import DeadlineReport

log = logging.getLogger(__name__)


class DeadlineScheduler:
    def __init__(self, bus: MessageBus, *, interval_seconds: float) -> None:
        self.bus = bus
        self.clock = bus.dependencies["clock"]
        self.interval_seconds = interval_seconds

    def tick(self) -> DeadlineReport:
        """One pass; repeats while a full batch came back, so a backlog drains at once. First the
        documents in flight of bodies dissolved by now go to their successors (a succession recorded
        ahead of its date takes effect on that date)."""
        handed = self.bus.handle(HandOverDissolved(self.clock()))
        if handed:
            log.info("tasks handed to successors", extra={"handed": handed})
        total = DeadlineReport(0, 0)
        while True:
            report: DeadlineReport = self.bus.handle(CheckDeadlines(self.clock()))
            total = DeadlineReport(total.reminded + report.reminded, total.overdue + report.overdue)
            if report.reminded + report.overdue == 0:
                return total

    def run(self, stop: threading.Event) -> None:
        log.info("deadline scheduler started", extra={"interval_seconds": self.interval_seconds})
        while not stop.is_set():
            try:
                report = self.tick()
                if report.reminded or report.overdue:
                    log.info("deadlines checked", extra={"reminded": report.reminded, "overdue": report.overdue})
            except Exception:  # a database outage must not end the scheduler
                log.exception("deadline check failed")
            stop.wait(self.interval_seconds)
        log.info("deadline scheduler stopped")
