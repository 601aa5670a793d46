"""The numbering register in the database. Taking a number locks the register
row of (issuer, year, series) until the approving transaction commits, so
concurrent approvals take turns and the series stays gapless: a rolled-back
approval releases its number with its lock."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .orm import IssuedNumberRow, RegisterRow

_REGISTER: Table = RegisterRow.__table__  # type: ignore[assignment]
_ISSUED: Table = IssuedNumberRow.__table__  # type: ignore[assignment]


@functools.cache
def _take(dialect: str) -> Any:
    """One statement that takes the next number: the year's first creates its row with 1, any other
    adds one to the row, which stays locked until the transaction ends (a racing taker waits for it,
    then adds one to what it committed). Built once; the key is its parameters."""
    upsert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = upsert(_REGISTER).values(
        issuer=bindparam("issuer"), year=bindparam("year"), series=bindparam("series"), last_number=1
    )
    return statement.on_conflict_do_update(
        index_elements=[_REGISTER.c.issuer, _REGISTER.c.year, _REGISTER.c.series],
        set_={"last_number": _REGISTER.c.last_number + 1},
    ).returning(_REGISTER.c.last_number)


_RECORD = insert(_ISSUED)


class SqlAlchemyNumberingRegister:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next_number(self, issuer: str, series: str, year: int, *, plan_id: str) -> int:
        key = {"issuer": issuer, "year": year, "series": series}
        # SQLite has no row locks; its BEGIN IMMEDIATE already serialises writers.
        number: int = self.session.execute(_take(self.session.get_bind().dialect.name), key).scalar_one()
        self.session.execute(_RECORD, {**key, "number": number, "plan_id": plan_id, "issued_at": datetime.now(UTC)})
        return number
