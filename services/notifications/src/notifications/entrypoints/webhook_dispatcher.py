"""The webhook dispatcher process's loop: claim due deliveries and attempt them
concurrently. The rules (lease, backoff, give-up, the delivery's states) are in
``domain.deliveries``; the use cases in ``service_layer.handlers``; this only drives them.

Isolation: each attempt runs on a worker of a thread pool with its own timeout,
and a subscription has at most one attempt in flight in this process, so a slow
or dead receiver occupies one worker and never holds up other subscriptions.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from servicekit.messagebus import MessageBus

from ..domain.commands import AttemptDelivery, ClaimDueDeliveries
from ..domain.deliveries import AttemptResult, DeliveryJob

log = logging.getLogger(__name__)


class WebhookDispatcher:
    def __init__(self, bus: MessageBus, *, workers: int = 8) -> None:
        self.bus = bus
        self.workers = workers
        self._in_flight: set[str] = set()  # subscription ids with an attempt under way
        self._lock = threading.Lock()
        self._wake = threading.Event()

    def claim_due(self, limit: int) -> list[DeliveryJob]:
        with self._lock:
            busy = frozenset(self._in_flight)
        jobs: list[DeliveryJob] = self.bus.handle(ClaimDueDeliveries(limit, busy))
        with self._lock:
            self._in_flight.update(job.subscription_id for job in jobs)
        return jobs

    def attempt(self, job: DeliveryJob) -> AttemptResult:
        try:
            result: AttemptResult = self.bus.handle(AttemptDelivery(job))
            return result
        finally:
            with self._lock:
                self._in_flight.discard(job.subscription_id)
            self._wake.set()

    def run(self, stop: threading.Event, poll_seconds: float = 0.5) -> None:
        log.info("webhook dispatcher started", extra={"workers": self.workers})
        futures: set[Future[AttemptResult]] = set()
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="webhook") as pool:
            while not stop.is_set():
                futures = {future for future in futures if not future.done()}
                try:
                    for job in self.claim_due(self.workers - len(futures)):
                        futures.add(pool.submit(self.attempt, job))
                except Exception:  # a database outage must not end the process
                    log.exception("webhook dispatch cycle failed")
                self._wake.wait(poll_seconds)
                self._wake.clear()
            # Graceful stop: attempts in hand finish and are recorded (the pool's exit waits).
        log.info("webhook dispatcher stopped")
