"""The renderer process: renders, signs and stores issued documents after their
issuing transaction committed, one at a time, until SIGTERM. Several may run
side by side (each claims a different document)."""

from __future__ import annotations

import logging
import threading

from servicekit.messagebus import MessageBus

from ..domain.commands import RenderNextDocument

log = logging.getLogger(__name__)


def run(bus: MessageBus, stop: threading.Event, *, poll_seconds: float = 1.0) -> None:
    """``bus`` is bootstrapped with the document tools (``bootstrap(settings, documents=document_tools(settings))``)."""
    log.info("document renderer started", extra={"poll_seconds": poll_seconds})
    while not stop.is_set():
        try:
            done = bus.handle(RenderNextDocument())
        except Exception:  # the database away: wait and try again
            log.exception("document renderer cycle failed")
            done = None
        if done is None:
            stop.wait(poll_seconds)
    log.info("document renderer stopped")
