"""A digest as a mail: composed (UTF-8, multipart text and HTML, RFC 2047 headers) and handed
to the mail server. The Message-ID is derived from the batch, so a resent digest keeps it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Protocol

from ..domain.deliveries import MailDigest
from .templates import TemplateRenderer

MESSAGE_ID_DOMAIN = "notifications.ttdn"


class MailTransport(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


@dataclass
class DigestComposer:
    renderer: TemplateRenderer
    sender: str
    clock: Callable[[], datetime]

    def compose(self, digest: MailDigest) -> EmailMessage:
        rendered = self.renderer.render_digest(digest.locale, digest.reader_name, digest.entries)
        message = EmailMessage(policy=SMTP)
        message["Subject"] = rendered.subject  # the policy encodes Vietnamese per RFC 2047
        message["From"] = self.sender
        message["To"] = Address(display_name=digest.reader_name, addr_spec=digest.address)
        message["Date"] = format_datetime(self.clock())
        message["Message-ID"] = f"<{digest.message_id_local_part}@{MESSAGE_ID_DOMAIN}>"
        message["Auto-Submitted"] = "auto-generated"
        message["Content-Language"] = digest.locale
        message.set_content(rendered.text, charset="utf-8", cte="quoted-printable")
        message.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
        return message


@dataclass
class SmtpDigestSender:
    """The mailer's ``DigestSender``: compose, then send over ``transport`` (SMTP)."""

    composer: DigestComposer
    transport: MailTransport

    def send(self, digest: MailDigest) -> None:
        self.transport.send(self.composer.compose(digest))

    def close(self) -> None:
        self.transport.close()
