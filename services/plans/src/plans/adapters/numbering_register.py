"""The numbering register in the database. Taking a number locks the register
row of (issuer, year, series) until the approving transaction commits, so
concurrent approvals take turns and the series stays gapless: a rolled-back
approval releases its number with its lock."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .orm import IssuedNumberRow, RegisterRow


class SqlAlchemyNumberingRegister:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next_number(self, issuer: str, series: str, year: int, *, plan_id: str) -> int:
        insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        # The year's first number creates its row; a racing first number finds it and waits on the lock.
        self.session.execute(
            insert(RegisterRow).values(issuer=issuer, year=year, series=series, last_number=0).on_conflict_do_nothing()
        )
        register = self.session.scalars(
            select(RegisterRow)
            .where(RegisterRow.issuer == issuer, RegisterRow.year == year, RegisterRow.series == series)
            .with_for_update()  # SQLite has no row locks; its BEGIN IMMEDIATE already serialises writers
        ).one()
        register.last_number += 1
        self.session.add(
            IssuedNumberRow(
                issuer=issuer,
                year=year,
                series=series,
                number=register.last_number,
                plan_id=plan_id,
                issued_at=datetime.now(UTC),
            )
        )
        self.session.flush()
        return register.last_number
