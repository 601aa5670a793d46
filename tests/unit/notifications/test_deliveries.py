"""The delivery rules in the domain, without I/O: a webhook delivery's states
(leased for an attempt, retried with backoff, given up, cancelled while in flight)
and a mail digest's outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from notifications.domain.deliveries import DeliveryStatus, DigestEntry, MailBatching, MailDigest, WebhookDelivery
from notifications.domain.webhooks import RetryPolicy, Subscription

NOW = datetime(2024, 1, 17, 8, 0, tzinfo=UTC)
RETRY = RetryPolicy(base_seconds=5, cap_seconds=3600, give_up_after_seconds=600)
LEASE = timedelta(seconds=35)
DASHBOARD = Subscription(
    id="3f9b2a70-6c1d-4e8f-a2b4-5d6e7f8091a2",
    owner="ttdn-integrator-dashboard",
    url="https://dashboard.bvhttdl.gov.vn/hooks",
    event_types=("plan.approved",),
    province=None,
    secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    created_at=NOW,
)


def owed() -> WebhookDelivery:
    return WebhookDelivery.owed(
        "d-1", DASHBOARD, event_id="evt-1", event_type="plan.approved", payload="{}", now=NOW, retry=RETRY
    )


def fail(delivery: WebhookDelivery, attempt: int, at: datetime) -> str:
    return delivery.record_attempt(
        attempt,
        started_at=at,
        duration_ms=12,
        response_code=500,
        error="the receiver answered 500",
        now=at,
        retry=RETRY,
        rng=lambda low, high: high,
    )


def test_a_claimed_delivery_is_leased_then_due_again_when_the_attempt_is_lost() -> None:
    delivery = owed()
    assert delivery.is_due(NOW) and delivery.give_up_at == NOW + timedelta(seconds=600)
    assert delivery.claim(NOW, LEASE) == 1
    assert not delivery.is_due(NOW + timedelta(seconds=34))
    assert delivery.is_due(NOW + LEASE)


def test_failures_back_off_until_the_give_up_time_then_fail_for_good() -> None:
    delivery = owed()
    at = NOW
    statuses = []
    for attempt in range(1, 30):
        delivery.claim(at, LEASE)
        statuses.append(fail(delivery, attempt, at))
        if delivery.status != DeliveryStatus.PENDING:
            break
        assert delivery.next_attempt_at is not None and delivery.next_attempt_at <= delivery.give_up_at
        at = delivery.next_attempt_at
    assert statuses[0] == "pending" and statuses[-1] == "failed"
    assert delivery.completed_at == at and len(delivery.attempt_log) == delivery.attempts == len(statuses)
    assert [entry.outcome for entry in delivery.attempt_log] == ["failed"] * len(statuses)
    with pytest.raises(ValueError):
        delivery.claim(at, LEASE)


def test_a_success_ends_the_delivery_and_a_cancellation_in_flight_stays() -> None:
    delivered = owed()
    delivered.claim(NOW, LEASE)
    status = delivered.record_attempt(
        1, started_at=NOW, duration_ms=40, response_code=204, error=None, now=NOW, retry=RETRY
    )
    assert (status, delivered.completed_at, delivered.last_response_code) == ("succeeded", NOW, 204)

    cancelled = owed()
    cancelled.claim(NOW, LEASE)
    cancelled.cancel(NOW)  # the integrator removed the subscription while the attempt was in flight
    assert fail(cancelled, 1, NOW) == "cancelled" and len(cancelled.attempt_log) == 1


def test_a_digest_waits_for_its_window_and_a_failure_keeps_the_claim() -> None:
    batching = MailBatching(batch_seconds=60, resend_after_seconds=300)
    assert batching.waited_since(NOW) == NOW - timedelta(seconds=60)
    assert batching.stale_since(NOW) == NOW - timedelta(seconds=300)
    digest = MailDigest(
        "0b6c2f55-8d7e-4a1b-9c3d-2e1f0a9b8c7d",
        "dept.cb",
        "Nông Văn Sơn",
        "dept.cb@ttdn.example",
        "vi",
        [DigestEntry("Kế hoạch chờ phê duyệt (Sở)", "Đang chờ Sở phê duyệt.", "https://ttdn.caobang.gov.vn/plans/1")],
    )
    digest.record_failure("SMTPServerDisconnected: " + "x" * 3000)
    assert digest.sent_at is None and len(digest.last_error or "") == 2000
    digest.mark_sent(NOW)
    assert (digest.sent_at, digest.last_error, digest.attempts_recorded) == (NOW, None, 2)
    assert digest.message_id_local_part == digest.batch_id
