"""Repositories: the service layer's view of storage (protocols), and their SQL form."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from servicekit.list_versions import current_version, note_changed
from servicekit.pagination import decode_cursor, encode_cursor
from sqlalchemy import Select, Table, bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from ..domain.deliveries import DeliveryStatus, DigestEntry, MailDigest, WebhookAttempt, WebhookDelivery
from ..domain.model import InboxItem, MailState, Mention, Notice, PlanAudience, QueuedMail
from ..domain.webhooks import Subscription
from .orm import (
    ClosedApprovalRow,
    InboxVersionRow,
    NotificationKeyRow,
    NotificationMentionRow,
    NotificationRow,
    OutgoingMailRow,
    PlanAudienceRow,
    WebhookSubscriptionRow,
    webhook_attempts,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# -- protocols the use cases depend on
class NotificationRepository(Protocol):
    def items_for(self, readers: Collection[str], keys: Collection[str]) -> dict[str, list[InboxItem]]:
        """Each reader's items answering to any of ``keys`` (a reader with none is left out),
        locked for the change."""
        ...

    def save(self, changes: Iterable[tuple[InboxItem, Collection[InboxItem]]]) -> None:
        """Write the items one event changed (new or changed), each with the items it absorbed:
        those are now part of it and go."""
        ...

    def page(
        self, reader: str, *, unread_only: bool, limit: int, cursor: str | None
    ) -> tuple[list[Notice], str | None]: ...
    def unread_count(self, reader: str) -> int: ...
    def version(self, reader: str) -> int:
        """The reader's inbox version: raised by every commit that changes what their inbox shows."""
        ...

    def mark_read(self, reader: str, notification_id: str, when: datetime) -> Notice | None: ...
    def mark_all_read(self, reader: str, when: datetime) -> int: ...


class AudienceRepository(Protocol):
    def get(self, plan_id: str) -> PlanAudience | None: ...
    def save(self, audience: PlanAudience) -> None: ...


class ApprovalRepository(Protocol):
    def is_closed(self, approval_id: str) -> bool: ...
    def close(self, approval_id: str, outcome: str, when: datetime) -> None: ...


class MailQueue(Protocol):
    def enqueue(self, mails: Collection[QueuedMail]) -> None: ...
    def claim_stale(self, claimed_before: datetime, now: datetime) -> list[str]: ...
    def claim_waiting(self, waiting_since: datetime, now: datetime) -> list[str]: ...
    def digest(self, batch_id: str) -> MailDigest | None: ...
    def save(self, digest: MailDigest) -> None: ...
    def of_items(self, notification_ids: Collection[str]) -> list[MailState]: ...
    def retarget(self, notification_ids: Collection[str], to: str) -> None: ...
    def rewrite(self, mail_id: int, mail: QueuedMail) -> bool: ...
    def drop(self, mail_ids: Collection[int]) -> None: ...


class SubscriptionRepository(Protocol):
    def add(self, subscription: Subscription) -> None: ...
    def of_owner(self, owner: str) -> list[Subscription]: ...
    def get(self, owner: str, subscription_id: str) -> Subscription | None: ...
    def remove(self, owner: str, subscription_id: str, when: datetime) -> bool: ...
    def active(self) -> list[Subscription]: ...
    def by_id(self, subscription_id: str) -> Subscription | None: ...


class DeliveryRepository(Protocol):
    def add(self, delivery: WebhookDelivery) -> None: ...
    def get(self, delivery_id: str) -> WebhookDelivery | None: ...
    def due(self, now: datetime, *, limit: int, busy: Collection[str]) -> list[WebhookDelivery]: ...
    def cancel_pending(self, subscription_id: str, when: datetime) -> None: ...
    def log(self, subscription_id: str, *, limit: int, cursor: str | None) -> tuple[list[dict], str | None]: ...


# -- SQL implementations
def _notice(row: NotificationRow, event_types: tuple[str, ...] = ()) -> Notice:
    return Notice(
        id=row.id,
        recipient=row.recipient,
        event_id=row.event_id,
        event_type=row.event_type,
        plan_id=row.plan_id,
        subject=row.subject,
        body=row.body,
        link=row.link,
        created_at=row.created_at,
        read_at=row.read_at,
        link_text=row.link_text or "",
        event_types=event_types or (row.event_type,),
    )


def _columns(item: InboxItem) -> dict[str, Any]:
    """What an item's own row holds."""
    return {
        "event_id": item.event_id,
        "event_type": item.event_type,
        "plan_id": item.plan_id,
        "subject": item.subject,
        "body": item.body,
        "link": item.link,
        "link_text": item.link_text,
        "created_at": item.created_at,
        "read_at": item.read_at,
    }


def _mention_rows(item: InboxItem, mentions: Iterable[Mention]) -> list[dict[str, Any]]:
    return [
        {
            "notification_id": item.id,
            "recipient": item.recipient,
            "event_id": mention.event_id,
            "event_type": mention.event_type,
            "context": dict(mention.context),
            "received_at": mention.received_at,
        }
        for mention in mentions
    ]


# The tables the consumer's path reads and writes in plain statements.
_ITEMS = NotificationRow.__table__
_MENTIONS = NotificationMentionRow.__table__
_KEYS = NotificationKeyRow.__table__
_MAIL = OutgoingMailRow.__table__
_AUDIENCES = PlanAudienceRow.__table__
_CLOSED_APPROVALS = ClosedApprovalRow.__table__


# The consumer's statements, built once: a statement object keeps its cache key, so running it again
# costs neither building it nor keying it (a tenth of an event's CPU when built per call). The
# lists are expanding parameters.
_ITEMS_OF_READERS = (
    select(
        _ITEMS.c.id,
        _ITEMS.c.recipient,
        _ITEMS.c.plan_id,
        _ITEMS.c.created_at,
        _ITEMS.c.read_at,
        _ITEMS.c.subject,
        _ITEMS.c.body,
        _ITEMS.c.link,
        _ITEMS.c.link_text,
    )
    .where(
        _ITEMS.c.id.in_(
            select(_KEYS.c.notification_id).where(
                _KEYS.c.recipient.in_(bindparam("readers", expanding=True)),
                _KEYS.c.key.in_(bindparam("keys", expanding=True)),
            )
        )
    )
    .order_by(_ITEMS.c.id)
)
# Another consumer changing the same item waits, then sees this one's mentions.
_ITEMS_OF_READERS_LOCKED = _ITEMS_OF_READERS.with_for_update()
_MENTIONS_OF_ITEMS = select(
    _MENTIONS.c.notification_id,
    _MENTIONS.c.event_id,
    _MENTIONS.c.event_type,
    _MENTIONS.c.context,
    _MENTIONS.c.received_at,
).where(_MENTIONS.c.notification_id.in_(bindparam("ids", expanding=True)))
_KEYS_OF_ITEMS = select(_KEYS.c.notification_id, _KEYS.c.key).where(
    _KEYS.c.notification_id.in_(bindparam("ids", expanding=True))
)
_CHANGE_ITEM = update(_ITEMS).where(_ITEMS.c.id == bindparam("item_id"))  # the columns set: the rows' keys
# "insertmanyvalues": an executemany with RETURNING, which SQLAlchemy sends as one multi-row INSERT
# (``insert().values([...])`` would be compiled anew for every call).
_INSERT_ROWS = {
    table.name: insert(table).returning(*table.primary_key.columns) for table in (_ITEMS, _MENTIONS, _KEYS, _MAIL)
}
_MAILS_OF_ITEMS = (
    select(_MAIL.c.id, _MAIL.c.notification_id, _MAIL.c.batch_id, _MAIL.c.subject)
    .where(_MAIL.c.notification_id.in_(bindparam("ids", expanding=True)))
    .order_by(_MAIL.c.id)
)
_MAIL_TEXTS = ("notification_id", "reader_name", "address", "locale", "subject", "body", "link", "link_text")
_REWRITE_MAIL = (
    update(_MAIL)
    .where(_MAIL.c.id == bindparam("mail_id"), _MAIL.c.batch_id.is_(None))
    .values({name: bindparam(f"new_{name}") for name in _MAIL_TEXTS})
)
_DRAFTERS = select(_AUDIENCES.c.drafters).where(_AUDIENCES.c.plan_id == bindparam("plan_id"))
_NEW_AUDIENCE = insert(_AUDIENCES)
_CHANGE_DRAFTERS = update(_AUDIENCES).where(_AUDIENCES.c.plan_id == bindparam("b_plan_id"))
_CLOSED = select(_CLOSED_APPROVALS.c.approval_id).where(_CLOSED_APPROVALS.c.approval_id == bindparam("approval_id"))


def _insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """``rows`` in one INSERT statement."""
    session.execute(_INSERT_ROWS[table.name], rows)


class SqlNotifications:
    """Inbox items in plain (Core) statements: an event's items for all its readers are read in one
    statement (their events and groups in one more each, when there are any), and written in one
    multi-row INSERT per table, so the cost of an event does not grow a round trip per reader."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.locking = session.get_bind().dialect.name == "postgresql"
        # The items read from the database (the others are new), with the events and groups stored of
        # each: read under the item's lock, so nothing else adds to them before this transaction ends.
        self._stored: dict[str, tuple[set[str], set[str]]] = {}

    def items_for(self, readers: Collection[str], keys: Collection[str]) -> dict[str, list[InboxItem]]:
        if not readers or not keys:
            return {}
        query = _ITEMS_OF_READERS_LOCKED if self.locking else _ITEMS_OF_READERS
        rows = self.session.execute(query, {"readers": list(readers), "keys": list(keys)}).all()
        if not rows:
            return {}
        found = [row.id for row in rows]
        mentions: dict[str, list[Mention]] = {id_: [] for id_ in found}
        for notification_id, event_id, event_type, context, received_at in self.session.execute(
            _MENTIONS_OF_ITEMS, {"ids": found}
        ):
            mentions[notification_id].append(Mention(event_id, event_type, dict(context or {}), received_at))
        keys_of: dict[str, set[str]] = {id_: set() for id_ in found}
        for notification_id, key in self.session.execute(_KEYS_OF_ITEMS, {"ids": found}):
            keys_of[notification_id].add(key)
        items: dict[str, list[InboxItem]] = {}
        for row in rows:
            self._stored[row.id] = ({mention.event_id for mention in mentions[row.id]}, set(keys_of[row.id]))
            items.setdefault(row.recipient, []).append(
                InboxItem(
                    id=row.id,
                    recipient=row.recipient,
                    plan_id=row.plan_id,
                    created_at=row.created_at,
                    mentions=mentions[row.id],
                    keys=keys_of[row.id],
                    read_at=row.read_at,
                    subject=row.subject,
                    body=row.body,
                    link=row.link,
                    link_text=row.link_text or "",
                )
            )
        return items

    def save(self, changes: Iterable[tuple[InboxItem, Collection[InboxItem]]]) -> None:
        changes = list(changes)
        if not changes:
            return
        note_changed(self.session, InboxVersionRow, [item.recipient for item, _ in changes])  # absorbed: theirs too
        new_items: list[dict[str, Any]] = []
        changed_items: list[dict[str, Any]] = []
        mention_rows: list[dict[str, Any]] = []
        key_rows: list[dict[str, Any]] = []
        for item, absorbed in changes:
            gone = [other.id for other in absorbed if other.id != item.id]
            if gone:
                self._merge(item.id, gone)
            stored = self._stored.get(item.id)
            if stored is None:  # a new item: nothing of it is stored, so nothing is asked
                new_items.append({"id": item.id, "recipient": item.recipient, **_columns(item)})
                events: set[str] = set()
                known: set[str] = set()
            else:
                changed_items.append({"item_id": item.id, **_columns(item)})
                events, known = set(stored[0]), set(stored[1])
            for other in gone:  # what the absorbed items held is the survivor's now
                other_events, other_keys = self._stored.pop(other, (set(), set()))
                events |= other_events
                known |= other_keys
            mention_rows.extend(_mention_rows(item, [m for m in item.mentions if m.event_id not in events]))
            key_rows.extend(
                {"recipient": item.recipient, "key": key, "notification_id": item.id}
                for key in sorted(item.keys - known)
            )
            self._stored[item.id] = ({mention.event_id for mention in item.mentions}, set(item.keys))
        # The items' rows before the rows that refer to them.
        if new_items:
            _insert(self.session, _ITEMS, new_items)
        if changed_items:
            # One statement for them all: the columns to set are the keys of each row's parameters.
            self.session.execute(_CHANGE_ITEM, changed_items)
        if mention_rows:
            _insert(self.session, _MENTIONS, mention_rows)
        if key_rows:  # a group another consumer took meanwhile fails here, and the event is retried
            _insert(self.session, _KEYS, key_rows)

    def _merge(self, survivor_id: str, gone: list[str]) -> None:
        """The absorbed items' events and groups are the survivor's now; then they go."""
        for table in (_MENTIONS, _KEYS):
            self.session.execute(
                update(table).where(table.c.notification_id.in_(gone)).values(notification_id=survivor_id)
            )
        self.session.execute(delete(_ITEMS).where(_ITEMS.c.id.in_(gone)))

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
        types = self._types([row.id for row in rows])
        return [_notice(row, kinds) for row, kinds in zip(rows, types, strict=True)], next_cursor

    def _types(self, ids: list[str]) -> list[tuple[str, ...]]:
        """Each item's event types, the one that speaks for it first (none for items of before)."""
        found: dict[str, list[Mention]] = {}
        if ids:
            for notification_id, event_id, event_type in self.session.execute(
                select(
                    NotificationMentionRow.notification_id,
                    NotificationMentionRow.event_id,
                    NotificationMentionRow.event_type,
                ).where(NotificationMentionRow.notification_id.in_(ids))
            ):
                found.setdefault(notification_id, []).append(Mention(event_id, event_type, {}, _EPOCH))
        return [
            tuple(m.event_type for m in sorted(found.get(id_, []), key=lambda m: m.order, reverse=True)) for id_ in ids
        ]

    def unread_count(self, reader: str) -> int:
        query = (
            select(func.count())
            .select_from(NotificationRow)
            .where(NotificationRow.recipient == reader, NotificationRow.read_at.is_(None))
        )
        return int(self.session.scalar(query) or 0)

    def version(self, reader: str) -> int:
        return current_version(self.session, InboxVersionRow, reader)

    def mark_read(self, reader: str, notification_id: str, when: datetime) -> Notice | None:
        row = self.session.scalars(
            select(NotificationRow).where(NotificationRow.id == notification_id, NotificationRow.recipient == reader)
        ).first()
        if row is None:
            return None
        if row.read_at is None:
            row.read_at = when
            note_changed(self.session, InboxVersionRow, [reader])
        return _notice(row, self._types([row.id])[0])

    def mark_all_read(self, reader: str, when: datetime) -> int:
        result = self.session.execute(
            update(NotificationRow)
            .where(NotificationRow.recipient == reader, NotificationRow.read_at.is_(None))
            .values(read_at=when)
            .execution_options(synchronize_session=False)
        )
        marked = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if marked:
            note_changed(self.session, InboxVersionRow, [reader])
        return marked


class SqlAudiences:
    """Plain statements: the drafters read as one column, written as an insert or an update of it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._read: dict[str, list[str] | None] = {}  # the documents looked up: their drafters, None if no row

    def get(self, plan_id: str) -> PlanAudience | None:
        row = self.session.execute(_DRAFTERS, {"plan_id": plan_id}).first()
        drafters = self._read[plan_id] = list(row.drafters or []) if row else None
        return PlanAudience(plan_id=plan_id, drafters=list(drafters)) if drafters is not None else None

    def save(self, audience: PlanAudience) -> None:
        """A new row when none was found (two consumers that both found none collide on the key,
        and the loser's event is retried), else the drafters of the row found, if they changed."""
        if audience.plan_id not in self._read:
            self.get(audience.plan_id)
        stored, drafters = self._read[audience.plan_id], list(audience.drafters)
        if stored is None:
            self.session.execute(_NEW_AUDIENCE, {"plan_id": audience.plan_id, "drafters": drafters})
        elif stored != drafters:
            self.session.execute(_CHANGE_DRAFTERS, {"b_plan_id": audience.plan_id, "drafters": drafters})
        self._read[audience.plan_id] = drafters


class SqlApprovals:
    def __init__(self, session: Session) -> None:
        self.session = session

    def is_closed(self, approval_id: str) -> bool:
        return self.session.execute(_CLOSED, {"approval_id": approval_id}).first() is not None

    def close(self, approval_id: str, outcome: str, when: datetime) -> None:
        if not self.is_closed(approval_id):
            self.session.add(ClosedApprovalRow(approval_id=approval_id, outcome=outcome, closed_at=when))


class SqlMailQueue:
    """The messages waiting for their readers' digests. Claims are set-based updates
    (one reader's whole batch at once); on PostgreSQL ``SKIP LOCKED`` lets a second
    mailer take other readers and never the same batch twice."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.skip_locked = session.get_bind().dialect.name == "postgresql"

    def enqueue(self, mails: Collection[QueuedMail]) -> None:
        """The mails of one event's readers, in one statement."""
        if mails:
            rows = [
                {"recipient": mail.recipient, "created_at": mail.created_at, **_what_it_says(mail)} for mail in mails
            ]
            _insert(self.session, _MAIL, rows)

    def of_items(self, notification_ids: Collection[str]) -> list[MailState]:
        rows = self.session.execute(_MAILS_OF_ITEMS, {"ids": list(notification_ids)})
        return [MailState(id_, notification, batch is None, subject) for id_, notification, batch, subject in rows]

    def retarget(self, notification_ids: Collection[str], to: str) -> None:
        if notification_ids:
            self.session.execute(
                update(OutgoingMailRow)
                .where(OutgoingMailRow.notification_id.in_(list(notification_ids)))
                .values(notification_id=to)
            )

    def rewrite(self, mail_id: int, mail: QueuedMail) -> bool:
        """A waiting mail says what its item says now; False when a mailer claimed it meanwhile."""
        texts = {f"new_{name}": value for name, value in _what_it_says(mail).items()}
        result = self.session.execute(_REWRITE_MAIL, {"mail_id": mail_id, **texts})
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def drop(self, mail_ids: Collection[int]) -> None:
        if mail_ids:
            self.session.execute(
                delete(OutgoingMailRow).where(
                    OutgoingMailRow.id.in_(list(mail_ids)), OutgoingMailRow.batch_id.is_(None)
                )
            )

    def _locked(self, query: Select) -> Select:  # type: ignore[type-arg]
        return query.with_for_update(skip_locked=True) if self.skip_locked else query

    def claim_stale(self, claimed_before: datetime, now: datetime) -> list[str]:
        rows = select(OutgoingMailRow.id, OutgoingMailRow.batch_id).where(
            OutgoingMailRow.batch_id.is_not(None),
            OutgoingMailRow.sent_at.is_(None),
            OutgoingMailRow.claimed_at <= claimed_before,
        )
        stale = list(dict.fromkeys(batch for _, batch in self.session.execute(self._locked(rows)) if batch))
        if stale:
            self.session.execute(
                update(OutgoingMailRow).where(OutgoingMailRow.batch_id.in_(stale)).values(claimed_at=now)
            )
        return stale

    def claim_waiting(self, waiting_since: datetime, now: datetime) -> list[str]:
        readers = list(
            self.session.scalars(
                select(OutgoingMailRow.recipient)
                .where(OutgoingMailRow.sent_at.is_(None), OutgoingMailRow.batch_id.is_(None))
                .group_by(OutgoingMailRow.recipient)
                .having(func.min(OutgoingMailRow.created_at) <= waiting_since)
            )
        )
        batches = []
        for reader in readers:
            rows = select(OutgoingMailRow.id).where(
                OutgoingMailRow.recipient == reader,
                OutgoingMailRow.sent_at.is_(None),
                OutgoingMailRow.batch_id.is_(None),
            )
            ids = list(self.session.scalars(self._locked(rows)))
            if not ids:
                continue
            batch_id = str(uuid.uuid4())
            self.session.execute(
                update(OutgoingMailRow).where(OutgoingMailRow.id.in_(ids)).values(batch_id=batch_id, claimed_at=now)
            )
            batches.append(batch_id)
        return batches

    def digest(self, batch_id: str) -> MailDigest | None:
        rows = list(
            self.session.scalars(
                select(OutgoingMailRow)
                .where(OutgoingMailRow.batch_id == batch_id, OutgoingMailRow.sent_at.is_(None))
                .order_by(OutgoingMailRow.created_at, OutgoingMailRow.id)
            )
        )
        if not rows:
            return None
        latest = rows[-1]
        return MailDigest(
            batch_id=batch_id,
            recipient=latest.recipient,
            reader_name=latest.reader_name,
            address=latest.address,
            locale=latest.locale,
            entries=[
                DigestEntry(subject=row.subject, body=row.body, link=row.link, link_text=row.link_text or "")
                for row in rows
            ],
        )

    def save(self, digest: MailDigest) -> None:
        """A digest is many rows (one per message): its outcome is written to all of them."""
        values: dict[str, object] = {
            "attempts": OutgoingMailRow.attempts + digest.attempts_recorded,
            "last_error": digest.last_error,
        }
        if digest.sent_at is not None:
            values["sent_at"] = digest.sent_at
        self.session.execute(update(OutgoingMailRow).where(OutgoingMailRow.batch_id == digest.batch_id).values(values))
        digest.attempts_recorded = 0


def _subscription(row: WebhookSubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        owner=row.owner,
        url=row.url,
        event_types=tuple(row.event_types or ()),
        province=row.province,
        secret=row.secret,
        created_at=row.created_at,
    )


_ACTIVE_SUBSCRIPTIONS = "ttdn.notifications.active_subscriptions"  # session.info: (transaction, subscriptions)
_ACTIVE = select(WebhookSubscriptionRow).where(WebhookSubscriptionRow.deleted_at.is_(None))  # read by every batch


class SqlSubscriptions:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, subscription: Subscription) -> None:
        self.session.info.pop(_ACTIVE_SUBSCRIPTIONS, None)
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
        row.deleted_at = when  # kept (soft-deleted) so the delivery log survives for audit
        self.session.info.pop(_ACTIVE_SUBSCRIPTIONS, None)
        return True

    def active(self) -> list[Subscription]:
        """The subscriptions not removed, read once per transaction. The consumer handles the events
        that arrived together in one transaction, so its batch reads them once; a subscription that
        commits while a batch is under way is concurrent with the whole batch, which counts as
        handled before it (as it would under one snapshot), and the next batch's transaction sees it."""
        cached = self.session.info.get(_ACTIVE_SUBSCRIPTIONS)
        if cached is not None and cached[0] is self.session.get_transaction():
            return list(cached[1])
        rows = self.session.scalars(_ACTIVE)
        found = [_subscription(row) for row in rows]
        # The transaction the read ran in (begun by it if none was): the next one reads again.
        self.session.info[_ACTIVE_SUBSCRIPTIONS] = (self.session.get_transaction(), found)
        return list(found)

    def by_id(self, subscription_id: str) -> Subscription | None:
        """The subscription a delivery was queued for (removed ones included)."""
        row = self.session.get(WebhookSubscriptionRow, subscription_id)
        return _subscription(row) if row else None

    def _row(self, owner: str, subscription_id: str) -> WebhookSubscriptionRow | None:
        return self.session.scalars(
            select(WebhookSubscriptionRow).where(
                WebhookSubscriptionRow.id == subscription_id,
                WebhookSubscriptionRow.owner == owner,
                WebhookSubscriptionRow.deleted_at.is_(None),
            )
        ).first()


@functools.cache
def _deliveries_of_event() -> Select:  # type: ignore[type-arg]
    """How many deliveries a subscription has of an event: built once (the consumer asks it for every
    event a subscription wants), on first use, when the deliveries are mapped (``start_mappers``). An
    ORM statement, so that it sees a delivery this session has added and not yet flushed."""
    return (
        select(func.count())
        .select_from(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == bindparam("subscription_id"),  # type: ignore[arg-type]
            WebhookDelivery.event_id == bindparam("event_id"),  # type: ignore[arg-type]
        )
    )


class SqlDeliveries:
    """Webhook deliveries (mapped imperatively, ``orm.start_mappers``): the session tracks
    what the domain changes; only claiming and the log are queries of their own."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.skip_locked = session.get_bind().dialect.name == "postgresql"

    def add(self, delivery: WebhookDelivery) -> None:
        parameters = {"subscription_id": delivery.subscription_id, "event_id": delivery.event_id}
        exists = self.session.scalar(_deliveries_of_event(), parameters)
        if exists:
            return  # the same event again (a replay from the DLQ): one delivery per subscription
        self.session.add(delivery)

    def get(self, delivery_id: str) -> WebhookDelivery | None:
        return self.session.get(WebhookDelivery, delivery_id)

    def due(self, now: datetime, *, limit: int, busy: Collection[str]) -> list[WebhookDelivery]:
        """Up to ``limit`` due deliveries, the oldest of each subscription not ``busy``.

        Subscriptions are picked first, then one delivery each: a dead receiver's
        backlog of thousands of due deliveries can never crowd the others out."""
        delivery = WebhookDelivery
        is_due = (delivery.status == DeliveryStatus.PENDING, delivery.next_attempt_at <= now)  # type: ignore[arg-type, operator]
        waiting = select(delivery.subscription_id).where(*is_due)
        if busy:
            waiting = waiting.where(delivery.subscription_id.not_in(busy))  # type: ignore[attr-defined]
        subscription_ids = self.session.scalars(
            waiting.group_by(delivery.subscription_id).order_by(func.min(delivery.next_attempt_at)).limit(limit)
        ).all()
        found = []
        for subscription_id in subscription_ids:
            oldest = (
                select(delivery)
                .where(*is_due, delivery.subscription_id == subscription_id)  # type: ignore[arg-type]
                .order_by(delivery.next_attempt_at, delivery.created_at)  # type: ignore[arg-type]
                .limit(1)
            )
            if self.skip_locked:
                oldest = oldest.with_for_update(skip_locked=True)  # another dispatcher holds it: skip
            first = self.session.scalars(oldest).first()
            if first is not None:
                found.append(first)
        return found

    def cancel_pending(self, subscription_id: str, when: datetime) -> None:
        """Every pending delivery of a removed subscription stops (``WebhookDelivery.cancel``, set-based:
        a dead receiver's backlog may be thousands)."""
        self.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.subscription_id == subscription_id,  # type: ignore[arg-type]
                WebhookDelivery.status == DeliveryStatus.PENDING,  # type: ignore[arg-type]
            )
            .values(status=DeliveryStatus.CANCELLED, completed_at=when)
            .execution_options(synchronize_session=False)
        )

    def log(self, subscription_id: str, *, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        delivery = WebhookDelivery
        query = select(delivery).where(delivery.subscription_id == subscription_id)  # type: ignore[arg-type]
        if cursor:
            created_at, id_ = decode_cursor(cursor)
            query = query.where(tuple_(delivery.created_at, delivery.id) < tuple_(created_at, id_))
        query = query.order_by(delivery.created_at.desc(), delivery.id.desc()).limit(limit + 1)  # type: ignore[attr-defined]
        rows = list(self.session.scalars(query))
        more = len(rows) > limit
        rows = rows[:limit]
        attempts: dict[str, list[dict]] = {row.id: [] for row in rows}
        if rows:
            # One query for the page's attempt logs (not one per delivery).
            for attempt in self.session.scalars(
                select(WebhookAttempt)
                .where(webhook_attempts.c.delivery_id.in_(list(attempts)))
                .order_by(webhook_attempts.c.delivery_id, webhook_attempts.c.attempt, webhook_attempts.c.id)
            ):
                attempts[attempt.delivery_id].append(  # type: ignore[attr-defined]
                    {
                        "attempt": attempt.attempt,
                        "started_at": attempt.started_at,
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
                "created_at": row.created_at,
                "next_attempt_at": row.next_attempt_at if row.is_pending else None,
                "completed_at": row.completed_at,
                "last_response_code": row.last_response_code,
                "attempt_log": attempts[row.id],
            }
            for row in rows
        ]
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
        return items, next_cursor


def _what_it_says(mail: QueuedMail) -> dict[str, Any]:
    """The columns of a waiting mail that follow its item: its item, reader, address, language and
    texts (who it is for and when it was queued stay; the claim columns are the mailer's)."""
    return {name: getattr(mail, name) for name in _MAIL_TEXTS}
