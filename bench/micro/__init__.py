"""Micro-measurements: one code path driven in process against a scratch database.

Each module is run as ``python -m bench.micro.<name>``; they share the scratch database and the
statement counter below."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import event as sa_event

from tests.conftest import create_postgres_database, drop_postgres_database


@contextmanager
def scratch_database(url: str | None = None, *, keep: bool = False) -> Iterator[str]:
    """A database beside the test databases (``TEST_PG_ADMIN_DSN``), dropped at the end unless
    ``keep`` (its URL is then printed); ``url`` uses one made before, and keeps it."""
    if url:
        yield url
        return
    made = create_postgres_database("ttdn_micro")
    try:
        yield made
    finally:
        if keep:
            print(f"database kept: {made}")
        else:
            drop_postgres_database(made)


class Statements:
    """Counts the statements sent on an engine while ``counting``."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self.counting = False
        self.shown: list[str] | None = None  # the statements' text too, while a list
        sa_event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        if self.counting:
            self.count += 1
        if self.shown is not None:
            self.shown.append(" ".join(statement.split())[:150])
