"""Sending a composed mail over SMTP (smtplib), with optional STARTTLS and login."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = 10.0

    def send(self, message: EmailMessage) -> None:
        """Hand the message to the server; raises ``smtplib.SMTPException`` or ``OSError``."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as client:
            if self.starttls:
                client.starttls(context=ssl.create_default_context())
            if self.username:
                client.login(self.username, self.password)
            client.send_message(message)
