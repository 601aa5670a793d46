"""The renderer process: renders, signs and stores issued documents after their
issuing transaction committed, one at a time, until SIGTERM. Several may run
side by side (each claims a different document)."""

from __future__ import annotations

import logging
import threading

from ..service_layer.documents import DocumentTools, render_next_document
from ..service_layer.handlers import Dependencies

log = logging.getLogger(__name__)


def run(deps: Dependencies, tools: DocumentTools, stop: threading.Event, *, poll_seconds: float = 1.0) -> None:
    log.info("document renderer started", extra={"poll_seconds": poll_seconds})
    while not stop.is_set():
        try:
            done = render_next_document(deps, tools)
        except Exception:  # the database away: wait and try again
            log.exception("document renderer cycle failed")
            done = None
        if done is None:
            stop.wait(poll_seconds)
    log.info("document renderer stopped")
