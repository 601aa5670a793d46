"""Deliveries: what this service still owes the outside world, and the rules for paying it.

A **webhook delivery** is one event owed to one subscription. It is claimed for
an attempt (which leases it: a dispatcher that dies mid-attempt leaves it due
again once the lease ends), and each attempt is recorded. A success ends it; a
failure is retried with exponential backoff and full jitter until the give-up
time, when it fails for good; a subscription removed meanwhile cancels it, and a
cancelled delivery stays cancelled whatever an attempt in flight reports.

A **mail digest** is every waiting message of one reader, claimed under one
batch id once the oldest has waited the batching window. It is sent with a
Message-ID derived from the batch, then marked sent; a digest claimed but never
confirmed sent (a crash, a refusing server) is claimed again after the resend
delay and sent again with the same Message-ID, so the duplicate is recognisable.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .webhooks import RetryPolicy, Subscription


class DeliveryStatus:
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


SUCCEEDED, FAILED = "succeeded", "failed"  # an attempt's outcome


@dataclass(eq=False)
class WebhookAttempt:
    """One try at a delivery, as its log shows it."""

    attempt: int
    started_at: datetime
    duration_ms: int
    outcome: str  # succeeded | failed
    response_code: int | None = None
    error: str | None = None


@dataclass(eq=False)
class WebhookDelivery:
    id: str
    subscription_id: str
    event_id: str
    event_type: str
    payload: str  # the CloudEvent, exactly as received
    created_at: datetime
    give_up_at: datetime
    status: str = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    completed_at: datetime | None = None
    last_response_code: int | None = None
    attempt_log: list[WebhookAttempt] = field(default_factory=list)

    @classmethod
    def owed(
        cls,
        delivery_id: str,
        subscription: Subscription,
        *,
        event_id: str,
        event_type: str,
        payload: str,
        now: datetime,
        retry: RetryPolicy,
    ) -> WebhookDelivery:
        """An event the subscription wants: due at once, given up after the policy's bound."""
        return cls(
            id=delivery_id,
            subscription_id=subscription.id,
            event_id=event_id,
            event_type=event_type,
            payload=payload,
            created_at=now,
            next_attempt_at=now,
            give_up_at=retry.give_up_at(now),
        )

    @property
    def is_pending(self) -> bool:
        return self.status == DeliveryStatus.PENDING

    def is_due(self, now: datetime) -> bool:
        return self.is_pending and self.next_attempt_at is not None and self.next_attempt_at <= now

    def claim(self, now: datetime, lease: timedelta) -> int:
        """Take the delivery for an attempt; returns the attempt's number. Until ``now + lease``
        nobody else takes it; past it, an unrecorded attempt counts as lost and it is due again."""
        if not self.is_pending:
            raise ValueError(f"a {self.status} delivery is not attempted again")
        self.attempts += 1
        self.next_attempt_at = now + lease
        return self.attempts

    def record_attempt(
        self,
        attempt: int,
        *,
        started_at: datetime,
        duration_ms: int,
        response_code: int | None,
        error: str | None,
        now: datetime,
        retry: RetryPolicy,
        rng: Callable[[float, float], float] = random.uniform,
    ) -> str:
        """Log the attempt and move the delivery on; returns its status afterwards."""
        succeeded = error is None
        self.attempt_log.append(
            WebhookAttempt(
                attempt=attempt,
                started_at=started_at,
                duration_ms=duration_ms,
                outcome=SUCCEEDED if succeeded else FAILED,
                response_code=response_code,
                error=error,
            )
        )
        self.last_response_code = response_code
        if not self.is_pending:
            return self.status  # cancelled while in flight: it stays so
        if succeeded:
            self.status = DeliveryStatus.SUCCEEDED
            self.completed_at = now
            return self.status
        retry_at = retry.next_attempt_at(now, attempt, self.give_up_at, rng)
        if retry_at is None:
            self.status = DeliveryStatus.FAILED
            self.completed_at = now
        else:
            self.next_attempt_at = retry_at
        return self.status

    def cancel(self, now: datetime) -> None:
        """The subscription was removed: a pending delivery stops."""
        if self.is_pending:
            self.status = DeliveryStatus.CANCELLED
            self.completed_at = now


@dataclass(frozen=True)
class DigestEntry:
    """One message inside a digest: its link goes below the text with its words (``link_text``)."""

    subject: str
    body: str
    link: str
    link_text: str = ""


@dataclass(frozen=True)
class MailBatching:
    """When a reader's waiting messages go out, and when an unconfirmed digest is sent again."""

    batch_seconds: float = 60.0
    resend_after_seconds: float = 300.0

    def waited_since(self, now: datetime) -> datetime:
        """A reader whose oldest waiting message is this old or older gets a digest now."""
        return now - timedelta(seconds=self.batch_seconds)

    def stale_since(self, now: datetime) -> datetime:
        """A digest claimed this long ago and not confirmed sent is claimed and sent again."""
        return now - timedelta(seconds=self.resend_after_seconds)


@dataclass
class MailDigest:
    """Every claimed, unsent message of one reader under one batch id."""

    batch_id: str
    recipient: str
    reader_name: str
    address: str
    locale: str
    entries: list[DigestEntry]
    sent_at: datetime | None = None
    last_error: str | None = None
    attempts_recorded: int = 0

    @property
    def message_id_local_part(self) -> str:
        """The same for every resend of this digest, so receivers can drop a duplicate."""
        return self.batch_id

    def mark_sent(self, now: datetime) -> None:
        self.sent_at = now
        self.last_error = None
        self.attempts_recorded += 1

    def record_failure(self, error: str) -> None:
        """The server refused or could not be reached: the claim stays, the resend delay retries it."""
        self.last_error = error[:2000]
        self.attempts_recorded += 1


@dataclass(frozen=True)
class DeliveryJob:
    """A claimed delivery, with what an attempt needs of its subscription."""

    delivery_id: str
    subscription_id: str
    url: str
    secret: str
    event_id: str
    payload: str
    attempt: int


@dataclass(frozen=True)
class AttemptResult:
    delivery_id: str
    attempt: int
    succeeded: bool
    response_code: int | None
    duration_ms: int
    error: str | None
    status: str  # the delivery's status after recording
