"""Fixtures of servicekit's messaging tests: a PostgreSQL database with the test outbox and inbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from servicekit.db import Database

from tests.support.messaging import Base


@pytest.fixture
def db(postgres_url: str) -> Iterator[Database]:
    database = Database(postgres_url)
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()
