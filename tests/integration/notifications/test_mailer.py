"""E-mail digests on PostgreSQL to a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage

from notifications.adapters.orm import OutgoingMailRow
from notifications.adapters.smtp import SmtpTransport
from notifications.entrypoints.mailer import DigestMailer
from sqlalchemy import select

from tests.integration.notifications.support import (
    deliver_through_consumer,
    free_port,
    make_deps,
    make_settings,
    sample_event,
)


def subject(message: EmailMessage) -> str:
    return str(make_header(decode_header(message["Subject"])))


def mailer_at(db, directory, port: int, clock, transport: SmtpTransport | None = None) -> DigestMailer:
    """A mailer process whose clock reads ``clock`` and whose mail goes to ``transport``."""
    settings = make_settings(str(db.engine.url), smtp_port=port, email_batch_seconds=1, email_resend_after_seconds=120)
    deps = make_deps(db, settings, directory, clock=clock, mail_transport=transport or SmtpTransport("127.0.0.1", port))
    return deps.mailer()


def build(db, directory, port: int, clock) -> tuple[DigestMailer, object]:
    settings = make_settings(str(db.engine.url), smtp_port=port, email_batch_seconds=1, email_resend_after_seconds=120)
    return mailer_at(db, directory, port, clock), deliver_through_consumer(make_deps(db, settings, directory))


def later(seconds: float):
    return lambda: datetime.now(UTC) + timedelta(seconds=seconds)


def test_messages_of_one_person_go_out_as_one_digest_in_their_language(db, directory, smtp) -> None:
    mailbox, port = smtp
    queued_from = datetime.now(UTC)  # the first mailer looks at this instant, however long delivering takes
    mailer, deliver = build(db, directory, port, clock=lambda: queued_from)
    events = [
        sample_event("approval.task_assigned", level=3, task_id="t-3-a"),
        sample_event("approval.task_reminder", level=3, task_id="t-3-a"),
        sample_event("approval.task_overdue", level=3, task_id="t-3-a"),
    ]
    for event in events:
        assert deliver(event) == "handled"

    assert mailer.send_due() == 0  # still inside the batching window
    assert mailbox.received == []

    mailer = mailer_at(db, directory, port, clock=later(2))
    assert mailer.send_due() == 2  # ministry.1 and ministry.2: one digest each
    assert len(set(mailbox.peers)) == 1  # over one session with the server
    (vietnamese,) = mailbox.to("ministry.1@ttdn.example")
    (english,) = mailbox.to("ministry.2@ttdn.example")
    assert subject(vietnamese) == "TTĐN: 3 thông báo mới"
    assert subject(english) == "TTĐN: 3 new notifications"
    assert all(raw.isascii() for raw in mailbox.raw)  # RFC 2047 headers, quoted-printable bodies on the wire
    assert b"Subject: =?utf-8?" in b"".join(mailbox.raw)
    assert vietnamese["To"].addresses[0].display_name == "Trần Đức Thắng"
    assert vietnamese.get_content_type() == "multipart/alternative"
    text = vietnamese.get_body(("plain",)).get_content()
    assert "Kính gửi Trần Đức Thắng," in text
    assert (
        "Quá hạn phê duyệt (Bộ Văn hóa, Thể thao và Du lịch): Kế hoạch hoạt động thông tin đối ngoại năm 2024" in text
    )
    assert (  # the task's decision page, where the approver acts
        "https://ttdn.caobang.gov.vn/approvals/a7f3e2d1-0000-4000-8000-000000000001?task=t-3-a"
        in vietnamese.get_body(("html",)).get_content()
    )
    assert mailbox.received[0][0] == "no-reply@ttdn.example"

    # A redelivered event queues nothing; a second pass sends nothing.
    assert deliver(events[0]) == "duplicate"
    assert mailer.send_due() == 0
    assert len(mailbox.received) == 2


def test_a_crash_between_sending_and_marking_resends_with_the_same_message_id(db, directory, smtp) -> None:
    mailbox, port = smtp
    mailer, deliver = build(db, directory, port, clock=later(2))
    deliver(sample_event("approval.task_assigned", level=2))

    # The first mailer claims and sends, then dies before it marks the batch sent.
    (batch_id,) = mailer.claim_due()
    with mailer.bus.uow() as uow:
        digest = uow.mail.digest(batch_id)
    mailer.bus.dependencies["mail"].send(digest)
    assert mailer.send_due() == 0  # claimed by the dead mailer: not resent at once

    mailer = mailer_at(db, directory, port, clock=later(200))  # past EMAIL_RESEND_AFTER_SECONDS
    assert mailer.send_due() == 1
    first, second = mailbox.to("province.cb@ttdn.example")
    assert first["Message-ID"] == second["Message-ID"] == f"<{batch_id}@notifications.ttdn>"
    with db.transaction() as session:
        assert session.scalars(select(OutgoingMailRow.sent_at)).one() is not None


def test_an_smtp_outage_delays_the_digest_and_loses_nothing(db, directory, smtp) -> None:
    mailbox, port = smtp
    mailer, deliver = build(db, directory, port, clock=later(2))
    deliver(sample_event("plan.approved"))
    nobody_listens = SmtpTransport("127.0.0.1", free_port(), timeout=2)
    mailer = mailer_at(db, directory, port, clock=later(2), transport=nobody_listens)
    assert mailer.send_due() == 0
    with db.transaction() as session:
        rows = session.scalars(select(OutgoingMailRow)).all()
        assert {row.recipient for row in rows} == {"drafter.cb", "drafter2.cb", "dual.cb"}
        assert all(row.sent_at is None and row.last_error for row in rows)

    mailer = mailer_at(db, directory, port, clock=later(200))
    assert mailer.send_due() == 3
    assert subject(mailbox.to("drafter.cb@ttdn.example")[0]).startswith("Kế hoạch đã được cấp số 15/KH-UBND")


def test_a_round_keeps_one_session_and_opens_it_again_when_the_server_dropped_it(db, directory, smtp) -> None:
    mailbox, port = smtp
    transport = SmtpTransport("127.0.0.1", port)
    _, deliver = build(db, directory, port, clock=later(2))
    deliver(sample_event("plan.approved"))  # the three drafters of Cao Bằng: three digests
    mailer = mailer_at(db, directory, port, clock=later(2), transport=transport)
    assert mailer.send_due() == 3
    assert len(mailbox.peers) == 3 and len(set(mailbox.peers)) == 1
    assert transport._client is None  # the round is over (QUIT): nothing idles until the next one

    def mail(to: str) -> EmailMessage:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "no-reply@ttdn.example", to, "TTĐN"
        message.set_content("Kính gửi")
        return message

    transport.send(mail("drafter.cb@ttdn.example"))
    assert transport._client is not None
    transport._client.close()  # the server dropped the kept connection meanwhile
    transport.send(mail("dual.cb@ttdn.example"))  # sent on a new session, not lost
    transport.close()
    assert len(mailbox.peers) == 5 and mailbox.peers[3] != mailbox.peers[4]
    assert len(mailbox.to("dual.cb@ttdn.example")) == 2
