"""One running suite for the end-to-end scenarios: identity provider, gateway,
services under gunicorn, relays, consumers, scheduler, mailer and webhook
dispatcher on PostgreSQL and this machine's RabbitMQ, with a real SMTP server
and a real integrator endpoint on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.journeys import Person
from tests.support.receivers import Mailbox, WebhookReceiver, start_smtp, start_webhook_receiver
from tests.support.stack import Stack


def suite_env(smtp_port: int) -> dict[str, str]:
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "EMAIL_BATCH_SECONDS": "1",
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "WEBHOOK_BACKOFF_BASE_SECONDS": "0.2",
        "SCHEDULER_INTERVAL_SECONDS": "1",
        "DIRECTORY_CACHE_SECONDS": "60",
        # Every person of the suite signs in to the web from this one address, some thirty
        # logins a minute across the modules sharing the stack; the per-address limit itself
        # is tested in tests/integration/gateway/test_edge_security.py.
        "WEB_LOGIN_RATELIMIT": "1000/minute",
    }


@pytest.fixture(scope="session")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    controller, mailbox, port = start_smtp()
    yield mailbox, port
    controller.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, mailbox: tuple[Mailbox, int]) -> Iterator[Stack]:
    suite = Stack(tmp_path_factory.mktemp("e2e-suite"), extra_env=suite_env(mailbox[1]))
    suite.start()
    yield suite
    suite.close()


@pytest.fixture(scope="session")
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = start_webhook_receiver(fail_first=1)  # an integrator whose endpoint stumbles once
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def people(stack: Stack) -> dict[str, Person]:
    """Everyone signs in once, with a token from the identity provider (python-keycloak)."""
    cache: dict[str, Person] = {}

    class People(dict):
        def __missing__(self, username: str) -> Person:
            cache[username] = Person(stack.api, username, stack.session(username))
            self[username] = cache[username]
            return cache[username]

    return People()


@pytest.fixture(scope="session")
def integrator(stack: Stack) -> Person:
    return Person(stack.api, "service-account-ttdn-integrator-dashboard", stack.integrator_session())


def tmp_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    return tmp_path_factory.mktemp(name)
