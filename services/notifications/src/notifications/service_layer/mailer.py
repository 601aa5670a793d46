"""E-mail digests: every pending message of one reader goes out as one mail
once the oldest of them has waited ``batch_seconds``.

Crash safety: rows are first *claimed* under a batch id (committed), then the
mail is sent with a Message-ID derived from that batch, then the rows are
marked sent. A mailer that dies between SMTP and the mark leaves a claimed,
unsent batch; after ``resend_after_seconds`` it is sent again with the same
Message-ID, so the duplicate is recognisable (and dropped by most servers).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Protocol

from servicekit.db import Database
from sqlalchemy import func, select, update

from ..adapters.orm import OutgoingMailRow
from ..adapters.templates import DigestEntry, TemplateRenderer
from .handlers import utcnow

log = logging.getLogger(__name__)

MESSAGE_ID_DOMAIN = "notifications.ttdn"


class MailTransport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class Digest:
    batch_id: str
    recipient: str
    reader_name: str
    address: str
    locale: str
    entries: list[DigestEntry]


class DigestMailer:
    def __init__(
        self,
        db: Database,
        transport: MailTransport,
        renderer: TemplateRenderer,
        *,
        sender: str,
        batch_seconds: float,
        resend_after_seconds: float = 300.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.transport = transport
        self.renderer = renderer
        self.sender = sender
        self.batch_window = timedelta(seconds=batch_seconds)
        self.resend_after = timedelta(seconds=resend_after_seconds)
        self.clock = clock

    def send_due(self) -> int:
        """Claim, send and mark every digest that is due; returns how many were sent."""
        sent = 0
        for batch_id in self.claim_due():
            digest = self._load(batch_id)
            if digest is None:
                continue
            try:
                self.transport.send(self.compose(digest))
            except Exception as error:  # SMTP refusals and network errors alike: keep the claim, retry later
                self._record_failure(batch_id, f"{error.__class__.__name__}: {error}")
                log.warning("digest not sent", extra={"batch_id": batch_id, "error": str(error)})
                continue
            self._mark_sent(batch_id)
            sent += 1
        return sent

    def claim_due(self) -> list[str]:
        """Batch ids to send now: stale claims first (a mailer died or SMTP failed), then new digests."""
        now = self.clock()
        with self.db.transaction() as session:
            stale_rows = select(OutgoingMailRow.id, OutgoingMailRow.batch_id).where(
                OutgoingMailRow.batch_id.is_not(None),
                OutgoingMailRow.sent_at.is_(None),
                OutgoingMailRow.claimed_at <= now - self.resend_after,
            )
            if self.db.is_postgres:
                stale_rows = stale_rows.with_for_update(skip_locked=True)  # one mailer retries a batch, not two
            stale = list(dict.fromkeys(batch for _, batch in session.execute(stale_rows) if batch))
            if stale:
                session.execute(
                    update(OutgoingMailRow).where(OutgoingMailRow.batch_id.in_(stale)).values(claimed_at=now)
                )
            due_readers = list(
                session.scalars(
                    select(OutgoingMailRow.recipient)
                    .where(OutgoingMailRow.sent_at.is_(None), OutgoingMailRow.batch_id.is_(None))
                    .group_by(OutgoingMailRow.recipient)
                    .having(func.min(OutgoingMailRow.created_at) <= now - self.batch_window)
                )
            )
            batches: list[str] = list(stale)
            for reader in due_readers:
                rows = select(OutgoingMailRow.id).where(
                    OutgoingMailRow.recipient == reader,
                    OutgoingMailRow.sent_at.is_(None),
                    OutgoingMailRow.batch_id.is_(None),
                )
                if self.db.is_postgres:
                    rows = rows.with_for_update(skip_locked=True)  # a second mailer takes other readers
                ids = list(session.scalars(rows))
                if not ids:
                    continue
                batch_id = str(uuid.uuid4())
                session.execute(
                    update(OutgoingMailRow).where(OutgoingMailRow.id.in_(ids)).values(batch_id=batch_id, claimed_at=now)
                )
                batches.append(batch_id)
        return batches

    def compose(self, digest: Digest) -> EmailMessage:
        rendered = self.renderer.render_digest(digest.locale, digest.reader_name, digest.entries)
        message = EmailMessage(policy=SMTP)
        message["Subject"] = rendered.subject  # the policy encodes Vietnamese per RFC 2047
        message["From"] = self.sender
        message["To"] = Address(display_name=digest.reader_name, addr_spec=digest.address)
        message["Date"] = format_datetime(self.clock())
        message["Message-ID"] = f"<{digest.batch_id}@{MESSAGE_ID_DOMAIN}>"
        message["Auto-Submitted"] = "auto-generated"
        message["Content-Language"] = digest.locale
        message.set_content(rendered.text, charset="utf-8", cte="quoted-printable")
        message.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
        return message

    def _load(self, batch_id: str) -> Digest | None:
        with self.db.transaction() as session:
            rows = list(
                session.scalars(
                    select(OutgoingMailRow)
                    .where(OutgoingMailRow.batch_id == batch_id, OutgoingMailRow.sent_at.is_(None))
                    .order_by(OutgoingMailRow.created_at, OutgoingMailRow.id)
                )
            )
        if not rows:
            return None
        latest = rows[-1]
        return Digest(
            batch_id=batch_id,
            recipient=latest.recipient,
            reader_name=latest.reader_name,
            address=latest.address,
            locale=latest.locale,
            entries=[DigestEntry(subject=row.subject, body=row.body, link=row.link) for row in rows],
        )

    def _mark_sent(self, batch_id: str) -> None:
        with self.db.transaction() as session:
            session.execute(
                update(OutgoingMailRow)
                .where(OutgoingMailRow.batch_id == batch_id)
                .values(sent_at=self.clock(), attempts=OutgoingMailRow.attempts + 1, last_error=None)
            )

    def _record_failure(self, batch_id: str, error: str) -> None:
        with self.db.transaction() as session:
            session.execute(
                update(OutgoingMailRow)
                .where(OutgoingMailRow.batch_id == batch_id)
                .values(attempts=OutgoingMailRow.attempts + 1, last_error=error[:2000])
            )

    def run(self, stop: threading.Event, poll_seconds: float = 1.0) -> None:
        log.info("mailer started", extra={"batch_seconds": self.batch_window.total_seconds()})
        while not stop.is_set():
            try:
                self.send_due()
            except Exception:  # a database outage must not end the process
                log.exception("mailer cycle failed")
            stop.wait(poll_seconds)
        log.info("mailer stopped")
