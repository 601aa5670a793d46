"""Delivering webhooks: signed per Standard Webhooks, concurrently, retried with
exponential backoff and full jitter, every attempt in the delivery log.

Isolation: each attempt runs on a worker of a thread pool with its own timeout,
and a subscription has at most one attempt in flight, so a slow or dead
receiver occupies one worker and never holds up other subscriptions.

Crash safety: claiming an attempt moves its ``next_attempt_at`` past the
attempt's timeout (a lease). A dispatcher that dies between sending and
recording leaves the delivery due again once the lease ends; it is resent
with the same ``webhook-id`` (the event id), so receivers deduplicate.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from servicekit.db import Database
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from ..adapters.orm import WebhookAttemptRow, WebhookDeliveryRow, WebhookSubscriptionRow, as_utc
from ..domain.errors import UnsafeWebhookTarget
from ..domain.webhooks import DeliveryStatus, Resolver, RetryPolicy, TargetPolicy
from .handlers import utcnow

log = logging.getLogger(__name__)

# Extra lease beyond the request timeout before an unrecorded attempt counts as lost.
LEASE_MARGIN = timedelta(seconds=30)


class WebhookSender(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int: ...


@dataclass(frozen=True)
class DeliveryJob:
    delivery_id: str
    subscription_id: str
    url: str
    secret: str
    event_id: str
    payload: str
    attempt: int
    give_up_at: datetime


@dataclass(frozen=True)
class AttemptResult:
    delivery_id: str
    attempt: int
    succeeded: bool
    response_code: int | None
    duration_ms: int
    error: str | None
    status: str  # the delivery's status after recording


def signed_headers(secret: str, message_id: str, payload: str, when: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt (the timestamp is the attempt's)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, when, payload),
        "Content-Type": "application/json",
    }


class WebhookDispatcher:
    def __init__(
        self,
        db: Database,
        sender: WebhookSender,
        retry: RetryPolicy,
        targets: TargetPolicy,
        resolve: Resolver,
        *,
        timeout_seconds: float = 5.0,
        workers: int = 8,
        clock: Callable[[], datetime] = utcnow,
        rng: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.db = db
        self.sender = sender
        self.retry = retry
        self.targets = targets
        self.resolve = resolve
        self.timeout = timeout_seconds
        self.workers = workers
        self.clock = clock
        self.rng = rng
        self._in_flight: set[str] = set()  # subscription ids with an attempt under way
        self._lock = threading.Lock()
        self._wake = threading.Event()

    # -- claiming
    def claim_due(self, limit: int) -> list[DeliveryJob]:
        """Up to ``limit`` due deliveries, the oldest of each subscription not already in flight.

        Subscriptions are picked first, then one delivery each: a dead receiver's
        backlog of thousands of due deliveries can never crowd the others out."""
        if limit <= 0:
            return []
        now = self.clock()
        with self._lock:
            busy = set(self._in_flight)
        due = (WebhookDeliveryRow.status == DeliveryStatus.PENDING, WebhookDeliveryRow.next_attempt_at <= now)
        jobs: list[DeliveryJob] = []
        with self.db.transaction() as session:
            waiting = select(WebhookDeliveryRow.subscription_id).where(*due)
            if busy:
                waiting = waiting.where(WebhookDeliveryRow.subscription_id.not_in(busy))
            subscription_ids = session.scalars(
                waiting.group_by(WebhookDeliveryRow.subscription_id)
                .order_by(func.min(WebhookDeliveryRow.next_attempt_at))
                .limit(limit)
            ).all()
            for subscription_id in subscription_ids:
                oldest = (
                    select(WebhookDeliveryRow)
                    .where(*due, WebhookDeliveryRow.subscription_id == subscription_id)
                    .order_by(WebhookDeliveryRow.next_attempt_at, WebhookDeliveryRow.created_at)
                    .limit(1)
                )
                if self.db.is_postgres:
                    oldest = oldest.with_for_update(skip_locked=True)  # another dispatcher holds it: skip
                delivery = session.scalars(oldest).first()
                subscription = session.get(WebhookSubscriptionRow, subscription_id)
                if delivery is None or subscription is None:
                    continue
                delivery.attempts += 1
                delivery.next_attempt_at = now + timedelta(seconds=self.timeout) + LEASE_MARGIN
                jobs.append(
                    DeliveryJob(
                        delivery_id=delivery.id,
                        subscription_id=subscription.id,
                        url=subscription.url,
                        secret=subscription.secret,
                        event_id=delivery.event_id,
                        payload=delivery.payload,
                        attempt=delivery.attempts,
                        give_up_at=as_utc(delivery.give_up_at),
                    )
                )
        with self._lock:
            self._in_flight.update(job.subscription_id for job in jobs)
        return jobs

    # -- one attempt
    def attempt(self, job: DeliveryJob) -> AttemptResult:
        started_at = self.clock()
        started = time.perf_counter()
        response_code: int | None = None
        error: str | None = None
        try:
            self.targets.check(job.url, self.resolve)  # again: DNS may have changed since subscribing
            headers = signed_headers(job.secret, job.event_id, job.payload, started_at)
            response_code = self.sender.post(job.url, job.payload.encode("utf-8"), headers, self.timeout)
            if not 200 <= response_code < 300:
                error = f"the receiver answered {response_code}"
        except UnsafeWebhookTarget as refused:
            error = f"target refused: {refused.reason}"
        except Exception as failure:  # network errors, timeouts: all retried
            error = str(failure)[:1000] or failure.__class__.__name__
        duration_ms = int((time.perf_counter() - started) * 1000)
        try:
            return self.record(job, started_at, duration_ms, response_code, error)
        finally:
            with self._lock:
                self._in_flight.discard(job.subscription_id)
            self._wake.set()

    def record(
        self, job: DeliveryJob, started_at: datetime, duration_ms: int, response_code: int | None, error: str | None
    ) -> AttemptResult:
        succeeded = error is None
        now = self.clock()
        with self.db.transaction() as session:
            session.add(
                WebhookAttemptRow(
                    delivery_id=job.delivery_id,
                    attempt=job.attempt,
                    started_at=started_at,
                    duration_ms=duration_ms,
                    outcome="succeeded" if succeeded else "failed",
                    response_code=response_code,
                    error=error,
                )
            )
            delivery = session.get(WebhookDeliveryRow, job.delivery_id)
            status = DeliveryStatus.CANCELLED
            if delivery is not None:
                delivery.last_response_code = response_code
                if delivery.status != DeliveryStatus.PENDING:
                    status = delivery.status  # cancelled while in flight: keep it so
                elif succeeded:
                    delivery.status = status = DeliveryStatus.SUCCEEDED
                    delivery.completed_at = now
                else:
                    retry_at = self.retry.next_attempt_at(now, job.attempt, job.give_up_at, self.rng)
                    if retry_at is None:
                        delivery.status = status = DeliveryStatus.FAILED
                        delivery.completed_at = now
                        log.warning(
                            "webhook delivery given up", extra={"delivery_id": job.delivery_id, "attempts": job.attempt}
                        )
                    else:
                        delivery.next_attempt_at = retry_at
                        status = DeliveryStatus.PENDING
        return AttemptResult(job.delivery_id, job.attempt, succeeded, response_code, duration_ms, error, status)

    # -- the process loop
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
