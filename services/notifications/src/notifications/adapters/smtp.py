"""Sending composed mails over SMTP (smtplib), with optional STARTTLS and login.

One connection carries every mail of a mailer's round: a digest each for many people at the end of
a batching window is one session with the server (connect, STARTTLS, login once), as mail servers
expect of a bulk sender, not one each. The mailer closes it when the round is done
(:meth:`SmtpTransport.close`), so no connection idles between rounds. A kept connection the server
has dropped meanwhile is opened again once; any other failure closes it, and the next mail opens a
new one."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage


@dataclass
class SmtpTransport:
    host: str
    port: int
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = 10.0
    _client: smtplib.SMTP | None = field(default=None, init=False, repr=False, compare=False)

    def send(self, message: EmailMessage) -> None:
        """Hand the message to the server; raises ``smtplib.SMTPException`` or ``OSError``."""
        while True:  # a second time only after the kept connection was found dropped
            kept = self._client is not None
            try:
                self._connected().send_message(message)
                return
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                self.close()
                if not kept:
                    raise
            except (smtplib.SMTPException, OSError):
                self.close()
                raise

    def close(self) -> None:
        """End the session (``QUIT``); the next mail opens a new one."""
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.quit()
            client.close()

    def _connected(self) -> smtplib.SMTP:
        if self._client is None:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            try:
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                if self.username:
                    client.login(self.username, self.password)
            except BaseException:
                client.close()
                raise
            self._client = client
        return self._client
