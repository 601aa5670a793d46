"""Fixtures of the notifications integration tests (helpers in support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from notifications.testing import FakeDirectory
from servicekit.db import Database

from tests.integration.notifications.support import RealmKeys, migrated


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
