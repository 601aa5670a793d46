"""The mailer process's loop: claim the digests due, send each, every MAILER_POLL_SECONDS.
The rules (batching, resending, the state of a digest) are in ``domain.deliveries``; the
use cases in ``service_layer.handlers``; this only drives them."""

from __future__ import annotations

import logging
import threading

from servicekit.messagebus import MessageBus

from ..domain.commands import ClaimDueDigests, SendDigest

log = logging.getLogger(__name__)


class DigestMailer:
    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus

    def claim_due(self) -> list[str]:
        batch_ids: list[str] = self.bus.handle(ClaimDueDigests())
        return batch_ids

    def send_due(self) -> int:
        """Claim, send and mark every digest that is due, over one session with the mail server;
        returns how many were sent."""
        try:
            return sum(1 for batch_id in self.claim_due() if self.bus.handle(SendDigest(batch_id)))
        finally:
            self.bus.dependencies["mail"].close()

    def run(self, stop: threading.Event, poll_seconds: float = 1.0) -> None:
        log.info("mailer started", extra={"batch_seconds": self.bus.dependencies["batching"].batch_seconds})
        while not stop.is_set():
            try:
                self.send_due()
            except Exception:  # a database outage must not end the process
                log.exception("mailer cycle failed")
            stop.wait(poll_seconds)
        log.info("mailer stopped")
