"""The call reminder loop: every ``poll_seconds``, remind the provinces whose requested documents are
due within CALL_REMINDER_WORKING_DAYS working days and not submitted — once per call, province and
document (a second copy of the loop loses the race on the reminder's primary key and sends nothing)."""

from __future__ import annotations

import logging
import threading

from servicekit.messagebus import MessageBus

from ..domain.commands import RemindCalls

log = logging.getLogger(__name__)


def run(bus: MessageBus, stop: threading.Event, *, poll_seconds: float = 300.0) -> None:
    log.info("call reminders started", extra={"poll_seconds": poll_seconds})
    while not stop.is_set():
        try:
            sent = bus.handle(RemindCalls())
            if sent:
                log.info("call reminders sent", extra={"count": sent})
        except Exception:  # the database away, or another copy took the same reminder: try again later
            log.exception("call reminder cycle failed")
        stop.wait(poll_seconds)
    log.info("call reminders stopped")
