"""Repositories: the service layer's view of storage (protocols), and their SQL form."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from servicekit.pagination import decode_cursor, encode_cursor
from sqlalchemy import func, select, tuple_, update
from sqlalchemy.orm import Session

from ..domain.model import Notice, PlanAudience, QueuedMail
from ..domain.webhooks import DeliveryStatus, Subscription
from .orm import (
    ClosedApprovalRow,
    NotificationRow,
    OutgoingMailRow,
    PlanAudienceRow,
    WebhookAttemptRow,
    WebhookDeliveryRow,
    WebhookSubscriptionRow,
    as_utc,
)


# -- protocols the use cases depend on
class NotificationRepository(Protocol):
    def add(self, notice: Notice) -> None: ...
    def page(
        self, reader: str, *, unread_only: bool, limit: int, cursor: str | None
    ) -> tuple[list[Notice], str | None]: ...
    def unread_count(self, reader: str) -> int: ...
    def mark_read(self, reader: str, notification_id: str, when: datetime) -> Notice | None: ...
    def mark_all_read(self, reader: str, when: datetime) -> int: ...


class AudienceRepository(Protocol):
    def get(self, plan_id: str) -> PlanAudience | None: ...
    def save(self, audience: PlanAudience) -> None: ...


class ApprovalRepository(Protocol):
    def is_closed(self, approval_id: str) -> bool: ...
    def close(self, approval_id: str, outcome: str, when: datetime) -> None: ...


class MailQueue(Protocol):
    def enqueue(self, mail: QueuedMail) -> None: ...


class SubscriptionRepository(Protocol):
    def add(self, subscription: Subscription) -> None: ...
    def of_owner(self, owner: str) -> list[Subscription]: ...
    def get(self, owner: str, subscription_id: str) -> Subscription | None: ...
    def remove(self, owner: str, subscription_id: str, when: datetime) -> bool: ...
    def active(self) -> list[Subscription]: ...


class DeliveryRepository(Protocol):
    def add(
        self,
        *,
        id: str,
        subscription_id: str,
        event_id: str,
        event_type: str,
        payload: str,
        created_at: datetime,
        give_up_at: datetime,
    ) -> None: ...
    def log(self, subscription_id: str, *, limit: int, cursor: str | None) -> tuple[list[dict], str | None]: ...


# -- SQL implementations
def _notice(row: NotificationRow) -> Notice:
    return Notice(
        id=row.id,
        recipient=row.recipient,
        event_id=row.event_id,
        event_type=row.event_type,
        plan_id=row.plan_id,
        subject=row.subject,
        body=row.body,
        link=row.link,
        created_at=as_utc(row.created_at),
        read_at=as_utc(row.read_at),
    )


class SqlNotifications:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, notice: Notice) -> None:
        self.session.add(
            NotificationRow(
                id=notice.id,
                recipient=notice.recipient,
                event_id=notice.event_id,
                event_type=notice.event_type,
                plan_id=notice.plan_id,
                subject=notice.subject,
                body=notice.body,
                link=notice.link,
                created_at=notice.created_at,
            )
        )

    def page(
        self, reader: str, *, unread_only: bool, limit: int, cursor: str | None
    ) -> tuple[list[Notice], str | None]:
        query = select(NotificationRow).where(NotificationRow.recipient == reader)
        if unread_only:
            query = query.where(NotificationRow.read_at.is_(None))
        if cursor:
            created_at, id_ = decode_cursor(cursor)
            query = query.where(tuple_(NotificationRow.created_at, NotificationRow.id) < tuple_(created_at, id_))
        query = query.order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc()).limit(limit + 1)
        rows = list(self.session.scalars(query))
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
        return [_notice(row) for row in rows], next_cursor

    def unread_count(self, reader: str) -> int:
        query = (
            select(func.count())
            .select_from(NotificationRow)
            .where(NotificationRow.recipient == reader, NotificationRow.read_at.is_(None))
        )
        return int(self.session.scalar(query) or 0)

    def mark_read(self, reader: str, notification_id: str, when: datetime) -> Notice | None:
        row = self.session.scalars(
            select(NotificationRow).where(NotificationRow.id == notification_id, NotificationRow.recipient == reader)
        ).first()
        if row is None:
            return None
        if row.read_at is None:
            row.read_at = when
        return _notice(row)

    def mark_all_read(self, reader: str, when: datetime) -> int:
        result = self.session.execute(
            update(NotificationRow)
            .where(NotificationRow.recipient == reader, NotificationRow.read_at.is_(None))
            .values(read_at=when)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class SqlAudiences:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, plan_id: str) -> PlanAudience | None:
        row = self.session.get(PlanAudienceRow, plan_id)
        return PlanAudience(plan_id=row.plan_id, drafters=list(row.drafters or [])) if row else None

    def save(self, audience: PlanAudience) -> None:
        row = self.session.get(PlanAudienceRow, audience.plan_id)
        if row is None:
            self.session.add(PlanAudienceRow(plan_id=audience.plan_id, drafters=list(audience.drafters)))
        else:
            row.drafters = list(audience.drafters)


class SqlApprovals:
    def __init__(self, session: Session) -> None:
        self.session = session

    def is_closed(self, approval_id: str) -> bool:
        return self.session.get(ClosedApprovalRow, approval_id) is not None

    def close(self, approval_id: str, outcome: str, when: datetime) -> None:
        if not self.is_closed(approval_id):
            self.session.add(ClosedApprovalRow(approval_id=approval_id, outcome=outcome, closed_at=when))


class SqlMailQueue:
    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(self, mail: QueuedMail) -> None:
        self.session.add(
            OutgoingMailRow(
                notification_id=mail.notification_id,
                recipient=mail.recipient,
                reader_name=mail.reader_name,
                address=mail.address,
                locale=mail.locale,
                subject=mail.subject,
                body=mail.body,
                link=mail.link,
                created_at=mail.created_at,
            )
        )


def _subscription(row: WebhookSubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        owner=row.owner,
        url=row.url,
        event_types=tuple(row.event_types or ()),
        province=row.province,
        secret=row.secret,
        created_at=as_utc(row.created_at),
    )


class SqlSubscriptions:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, subscription: Subscription) -> None:
        self.session.add(
            WebhookSubscriptionRow(
                id=subscription.id,
                owner=subscription.owner,
                url=subscription.url,
                event_types=list(subscription.event_types),
                province=subscription.province,
                secret=subscription.secret,
                created_at=subscription.created_at,
            )
        )

    def of_owner(self, owner: str) -> list[Subscription]:
        rows = self.session.scalars(
            select(WebhookSubscriptionRow)
            .where(WebhookSubscriptionRow.owner == owner, WebhookSubscriptionRow.deleted_at.is_(None))
            .order_by(WebhookSubscriptionRow.created_at, WebhookSubscriptionRow.id)
        )
        return [_subscription(row) for row in rows]

    def get(self, owner: str, subscription_id: str) -> Subscription | None:
        row = self._row(owner, subscription_id)
        return _subscription(row) if row else None

    def remove(self, owner: str, subscription_id: str, when: datetime) -> bool:
        row = self._row(owner, subscription_id)
        if row is None:
            return False
        # Kept (soft-deleted) so the delivery log survives for audit; pending deliveries stop.
        row.deleted_at = when
        self.session.execute(
            update(WebhookDeliveryRow)
            .where(
                WebhookDeliveryRow.subscription_id == subscription_id,
                WebhookDeliveryRow.status == DeliveryStatus.PENDING,
            )
            .values(status=DeliveryStatus.CANCELLED, completed_at=when)
            .execution_options(synchronize_session=False)
        )
        return True

    def active(self) -> list[Subscription]:
        rows = self.session.scalars(select(WebhookSubscriptionRow).where(WebhookSubscriptionRow.deleted_at.is_(None)))
        return [_subscription(row) for row in rows]

    def _row(self, owner: str, subscription_id: str) -> WebhookSubscriptionRow | None:
        return self.session.scalars(
            select(WebhookSubscriptionRow).where(
                WebhookSubscriptionRow.id == subscription_id,
                WebhookSubscriptionRow.owner == owner,
                WebhookSubscriptionRow.deleted_at.is_(None),
            )
        ).first()


class SqlDeliveries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        id: str,
        subscription_id: str,
        event_id: str,
        event_type: str,
        payload: str,
        created_at: datetime,
        give_up_at: datetime,
    ) -> None:
        exists = self.session.scalar(
            select(func.count())
            .select_from(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.subscription_id == subscription_id, WebhookDeliveryRow.event_id == event_id)
        )
        if exists:
            return  # the same event again (a replay from the DLQ): one delivery per subscription
        self.session.add(
            WebhookDeliveryRow(
                id=id,
                subscription_id=subscription_id,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
                status=DeliveryStatus.PENDING,
                attempts=0,
                created_at=created_at,
                next_attempt_at=created_at,
                give_up_at=give_up_at,
            )
        )

    def log(self, subscription_id: str, *, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        query = select(WebhookDeliveryRow).where(WebhookDeliveryRow.subscription_id == subscription_id)
        if cursor:
            created_at, id_ = decode_cursor(cursor)
            query = query.where(tuple_(WebhookDeliveryRow.created_at, WebhookDeliveryRow.id) < tuple_(created_at, id_))
        query = query.order_by(WebhookDeliveryRow.created_at.desc(), WebhookDeliveryRow.id.desc()).limit(limit + 1)
        rows = list(self.session.scalars(query))
        more = len(rows) > limit
        rows = rows[:limit]
        attempts: dict[str, list[dict]] = {row.id: [] for row in rows}
        if rows:
            for attempt in self.session.scalars(
                select(WebhookAttemptRow)
                .where(WebhookAttemptRow.delivery_id.in_(list(attempts)))
                .order_by(WebhookAttemptRow.delivery_id, WebhookAttemptRow.attempt, WebhookAttemptRow.id)
            ):
                attempts[attempt.delivery_id].append(
                    {
                        "attempt": attempt.attempt,
                        "started_at": as_utc(attempt.started_at),
                        "duration_ms": attempt.duration_ms,
                        "outcome": attempt.outcome,
                        "response_code": attempt.response_code,
                        "error": attempt.error,
                    }
                )
        items = [
            {
                "id": row.id,
                "event_id": row.event_id,
                "event_type": row.event_type,
                "status": row.status,
                "attempts": row.attempts,
                "created_at": as_utc(row.created_at),
                "next_attempt_at": as_utc(row.next_attempt_at) if row.status == DeliveryStatus.PENDING else None,
                "completed_at": as_utc(row.completed_at),
                "last_response_code": row.last_response_code,
                "attempt_log": attempts[row.id],
            }
            for row in rows
        ]
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
        return items, next_cursor
