"""Helpers for the notifications service's integration tests on real PostgreSQL (and RabbitMQ where
a test needs it): a migrated database, a JWKS endpoint on loopback that the real
token verifier fetches keys from, tokens of Keycloak's shape, and the consumer."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from devidp.testing import free_port  # noqa: F401 -- one definition, re-exported for the tests
from flask import Flask
from jwcrypto import jwk, jwt
from notifications.bootstrap import bootstrap
from notifications.config import NotificationsSettings
from notifications.entrypoints.app import create_app
from notifications.entrypoints.consumer import build_consumer
from notifications.entrypoints.mailer import DigestMailer
from notifications.entrypoints.webhook_dispatcher import WebhookDispatcher
from notifications.testing import sample_event_data
from servicekit.db import Database
from servicekit.events import Event, new_event
from servicekit.messagebus import MessageBus
from servicekit.process import upgrade_database

from tests.support.waiting import wait_for  # noqa: F401 -- re-exported for the tests

MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "notifications" / "migrations"
PUBLIC_URL = "https://ttdn.caobang.gov.vn"


class RealmKeys:
    """A signing key and a JWKS endpoint on loopback, as Keycloak's realm serves it."""

    def __init__(self) -> None:
        self.kid = uuid.uuid4().hex
        self.key = jwk.JWK.generate(kty="RSA", size=2048, kid=self.kid, use="sig", alg="RS256")
        public = json.loads(self.key.export_public())
        keys = json.dumps({"keys": [public]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.endswith("/realms/ttdn/protocol/openid-connect/certs"):
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(keys)
                else:
                    self.send_error(404)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/ttdn"

    def token(
        self,
        username: str,
        roles: tuple[str, ...],
        *,
        client: str = "ttdn-cli",
        org_unit: str | None = None,
        province: str | None = None,
        locale: str = "vi",
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": ["ttdn-api", "account"],
            "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, username)),
            "typ": "Bearer",
            "azp": client,
            "iat": now,
            "exp": now + 300,
            "preferred_username": username,
            "realm_access": {"roles": [*roles, "default-roles-ttdn"]},
            "org_unit": org_unit,
            "province": province,
            "locale": locale,
        }
        token = jwt.JWT(header={"alg": "RS256", "kid": self.kid, "typ": "JWT"}, claims=claims)
        token.make_signed_token(self.key)
        return token.serialize()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def make_settings(database_url: str, realm: RealmKeys | None = None, **overrides: object) -> NotificationsSettings:
    values: dict[str, object] = {
        "database_url": database_url,
        "keycloak_url": realm.url if realm else "http://127.0.0.1:9",
        "public_url": PUBLIC_URL,
        "webhook_allowed_hosts": "127.0.0.1",
        "log_format": "text",
        "log_level": "WARNING",
        **overrides,
    }
    return NotificationsSettings(**values)


def migrated(url: str) -> Database:
    upgrade_database(MIGRATIONS, url)
    return Database(url)


@dataclass(frozen=True)
class Service:
    """The notifications service as one test process wires it: settings, database,
    directory, and the message bus its bootstrap builds over them."""

    db: Database
    settings: NotificationsSettings
    directory: Any
    bus: MessageBus
    resolve: Any = None  # a resolver replacing DNS, when the test gives one

    def app(self) -> Flask:
        return create_app(self.settings, db=self.db, directory=self.directory, resolve=self.resolve)

    def mailer(self) -> DigestMailer:
        return DigestMailer(self.bus)

    def dispatcher(self) -> WebhookDispatcher:
        return WebhookDispatcher(self.bus, workers=self.settings.webhook_workers)


def deliver_through_consumer(deps: Service) -> Callable[[Event], str]:
    """Run an event through the idempotent consumer's processing (inbox table
    included), without the broker: what the consumer does with each message."""
    consumer = build_consumer(deps.settings, deps.db, deps.bus)
    return lambda event: consumer.process(event.to_json().encode("utf-8"), {})


def sample_event(name: str, **overrides: object) -> Event:
    data = sample_event_data(name, **overrides)
    return new_event(name, source="/ttdn/tests", subject=f"plans/{data['plan_id']}", data=data)


def make_deps(db: Database, settings: NotificationsSettings, directory: Any, **overrides: Any) -> Service:
    """Real dependencies on ``db`` with ``directory``; ``overrides`` replace others (a clock, an SMTP transport)."""
    bus = bootstrap(settings, db=db, directory=directory, **overrides)
    return Service(db, settings, directory, bus, resolve=overrides.get("resolve"))


class Mailbox:
    """An SMTP server's handler on loopback (aiosmtpd): what it received, as (envelope sender,
    recipients, parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self.raw: list[bytes] = []
        self.peers: list[tuple[str, int]] = []  # the client's address of each mail: one per connection

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.raw.append(envelope.original_content)
        self.peers.append(session.peer)
        self.received.append(
            (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=default))
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for _, rcpts, message in self.received if address in rcpts]
