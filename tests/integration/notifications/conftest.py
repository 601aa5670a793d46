"""Fixtures of the notifications integration tests (helpers in support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from notifications.testing import FakeDirectory
from servicekit.db import Database

from tests.integration.notifications.support import Mailbox, RealmKeys, free_port, migrated


@pytest.fixture(scope="module")
def realm() -> Iterator[RealmKeys]:
    keys = RealmKeys()
    yield keys
    keys.close()


@pytest.fixture
def db(postgres_url: str) -> Iterator[Database]:
    database = migrated(postgres_url)
    yield database
    database.dispose()


@pytest.fixture
def directory() -> FakeDirectory:
    return FakeDirectory()


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A mailbox listening on a free loopback port, for the test's mail."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()
