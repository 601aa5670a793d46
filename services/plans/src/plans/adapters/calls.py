"""Calls, the documents' chosen calls, the reminders sent, and the overview read model in and
out of storage. A call is written once and never changed, so it is copied to and from its row."""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from ..domain.calls import Call, Province
from ..domain.overview import OverviewDocument
from .orm import CallLinkRow, CallReminderRow, CallRow, OverviewCallRow, OverviewDocumentRow


def _call(row: CallRow) -> Call:
    return Call(
        id=row.id,
        reference=row.reference,
        issued_on=row.issued_on,
        issuer=row.issuer,
        issuer_name=row.issuer_name,
        plan_year=row.plan_year,
        plan_due=row.plan_due,
        report_year=row.report_year,
        report_due=row.report_due,
        priorities=row.priorities,
        provinces=tuple(Province(p["id"], p.get("code", ""), p.get("name", "")) for p in row.provinces),
        created_by=row.created_by,
        created_at=row.created_at,
    )


class CallRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.seen: dict[str, Call] = {}

    def add(self, call: Call) -> None:
        self.session.add(
            CallRow(
                id=call.id,
                reference=call.reference,
                issued_on=call.issued_on,
                issuer=call.issuer,
                issuer_name=call.issuer_name,
                plan_year=call.plan_year,
                plan_due=call.plan_due,
                report_year=call.report_year,
                report_due=call.report_due,
                priorities=call.priorities,
                provinces=[{"id": p.id, "code": p.code, "name": p.name} for p in call.provinces],
                created_by=call.created_by,
                created_at=call.created_at,
            )
        )
        self.seen[call.id] = call

    def get(self, call_id: str) -> Call | None:
        row = self.session.get(CallRow, call_id)
        if row is None:
            return None
        call = self.seen.get(call_id) or _call(row)
        self.seen[call.id] = call
        return call

    def all(self) -> list[Call]:
        rows = self.session.scalars(select(CallRow).order_by(CallRow.issued_on.desc(), CallRow.created_at.desc()))
        return [_call(row) for row in rows]

    def for_year(self, kind: str, year: int) -> list[Call]:
        column = CallRow.plan_year if kind == "plan" else CallRow.report_year
        return [_call(row) for row in self.session.scalars(select(CallRow).where(column == year))]

    def open_on(self, day: Any) -> list[Call]:
        """Calls with a requested document due on or after ``day`` (candidates for reminders)."""
        rows = self.session.scalars(select(CallRow).where((CallRow.plan_due >= day) | (CallRow.report_due >= day)))
        return [_call(row) for row in rows]

    # -- links chosen by drafters
    def link_of(self, kind: str, document_id: str) -> str | None:
        """The call the drafter chose (``""``: none), or None when they chose nothing."""
        row = self.session.get(CallLinkRow, (kind, document_id))
        return row.call_id if row is not None else None

    def link(self, kind: str, document_id: str, call_id: str, *, by: str, at: datetime) -> None:
        row = self.session.get(CallLinkRow, (kind, document_id))
        if row is None:
            self.session.add(
                CallLinkRow(document_kind=kind, document_id=document_id, call_id=call_id, linked_by=by, linked_at=at)
            )
        else:
            row.call_id, row.linked_by, row.linked_at = call_id, by, at

    # -- reminders, once each
    def reminded(self) -> set[tuple[str, str, str]]:
        return {(r.call_id, r.province, r.document) for r in self.session.scalars(select(CallReminderRow))}

    def record_reminder(self, call_id: str, province: str, document: str, at: datetime) -> None:
        self.session.add(CallReminderRow(call_id=call_id, province=province, document=document, sent_at=at))


class OverviewStore:
    """The overview read model's tables. A document is read and written with plain statements (one
    each; an event that changes nothing of it writes nothing), the rows as read kept to tell which."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # What document() read of each document: its row's values, None when it had no row.
        self._stored: dict[tuple[str, str], dict[str, Any] | None] = {}

    def document(self, kind: str, document_id: str, *, for_update: bool = False) -> OverviewDocument:
        """The document as stored (a new one when there is none). ``for_update`` locks its row until
        the transaction ends, and first makes the row of a new document: competing consumers applying
        two events of one new document would otherwise both insert it, and one would fail."""
        key = {"b_kind": kind, "b_id": document_id}
        row = self.session.execute(_document_query(for_update), key).first()
        document = OverviewDocument(kind=kind, id=document_id)
        if row is None and for_update:
            if self._make_row(document):
                self._stored[(kind, document_id)] = {}  # a bare row: save() writes every column
                return document
            # Made by a transaction that committed while this one waited on its key: read it.
            row = self.session.execute(_document_query(for_update), key).one()
        if row is not None:
            _fill(document, row)
        self._stored[(kind, document_id)] = _values(document) if row is not None else None
        return document

    def _make_row(self, document: OverviewDocument) -> bool:
        """Insert a new document's row, locked by this transaction; False when it exists (another
        transaction's that has not committed is waited for)."""
        dialect = self.session.get_bind().dialect.name
        values = {**_values(document), "updated_at": datetime.now(UTC), "change": ""}
        made = self.session.execute(_document_insert_new(dialect), {"kind": document.kind, "id": document.id, **values})
        return made.first() is not None

    def save(self, document: OverviewDocument, at: datetime) -> None:
        """Write the document, unless it is as document() read it (then its change token stays, and
        with it every overview computed from it)."""
        key = (document.kind, document.id)
        values = _values(document)
        stored = self._stored.get(key)
        if stored == values:
            return
        self._stored[key] = values
        written = {**values, "updated_at": at, "change": uuid.uuid4().hex}
        if stored is not None:  # the statement sets the columns named in its parameters
            changed = {name: value for name, value in written.items() if stored.get(name) != value}
            self.session.execute(_DOCUMENT_UPDATE, {"b_kind": document.kind, "b_id": document.id, **changed})
        elif key in self._stored:  # read unlocked, and not there (a rebuild, run alone): a new row
            self.session.execute(_DOCUMENT_INSERT, {"kind": document.kind, "id": document.id, **written})
        else:  # never read here: whatever is stored is replaced
            upsert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
            statement = upsert(_DOCUMENTS).values(kind=document.kind, id=document.id, **written)
            self.session.execute(statement.on_conflict_do_update(index_elements=["kind", "id"], set_=written))

    def documents(self, *, year: int | None = None, years: Iterable[int] | None = None) -> list[OverviewDocument]:
        statement = select(OverviewDocumentRow)
        if year is not None:
            statement = statement.where(OverviewDocumentRow.year == year)
        if years is not None:
            statement = statement.where(OverviewDocumentRow.year.in_(list(years)))
        found = []
        for row in self.session.scalars(statement):
            document = OverviewDocument(kind=row.kind, id=row.id)
            _fill(document, row)
            found.append(document)
        return found

    def stamp(self) -> tuple[Any, ...]:
        """What changes whenever an event changes the read model: a digest of every document's change
        token (a fresh one at each change), and the calls it knows. A computed overview is reused
        while this stays the same."""
        tokens = sorted(self.session.scalars(select(OverviewDocumentRow.change)))
        digest = hashlib.sha256("".join(tokens).encode()).hexdigest()
        calls = self.session.scalar(select(func.count()).select_from(OverviewCallRow))
        return (len(tokens), digest, calls)

    def years(self) -> list[int]:
        return sorted(y for y in self.session.scalars(select(OverviewDocumentRow.year).distinct()) if y)

    def save_call(self, call_id: str, data: dict[str, Any]) -> None:
        row = self.session.get(OverviewCallRow, call_id)
        if row is None:
            self.session.add(OverviewCallRow(id=call_id, data=data))

    def calls(self) -> list[dict[str, Any]]:
        return [row.data for row in self.session.scalars(select(OverviewCallRow))]

    def clear(self) -> None:
        self.session.execute(delete(OverviewDocumentRow))
        self.session.execute(delete(OverviewCallRow))
        self._stored.clear()


_DOCUMENTS: Table = OverviewDocumentRow.__table__  # type: ignore[assignment]
_READ_COLUMNS = (
    "province",
    "org_unit",
    "year",
    "plan_type",
    "title",
    "call_id",
    "document_number",
    "issued_on",
    "received_on",
    "state",
)


# Built once (building a statement costs more than sending it): the values are parameters.
_DOCUMENT_UPDATE = update(_DOCUMENTS).where(
    _DOCUMENTS.c.kind == bindparam("b_kind"), _DOCUMENTS.c.id == bindparam("b_id")
)
_DOCUMENT_INSERT = insert(_DOCUMENTS)


@functools.cache
def _document_insert_new(dialect: str) -> ReturningInsert[Any]:
    upsert = pg_insert if dialect == "postgresql" else sqlite_insert
    return upsert(_DOCUMENTS).on_conflict_do_nothing(index_elements=["kind", "id"]).returning(_DOCUMENTS.c.kind)


@functools.cache
def _document_query(for_update: bool) -> Select[Any]:
    query = select(*(_DOCUMENTS.c[name] for name in _READ_COLUMNS)).where(
        _DOCUMENTS.c.kind == bindparam("b_kind"), _DOCUMENTS.c.id == bindparam("b_id")
    )
    return query.with_for_update() if for_update else query


def _values(document: OverviewDocument) -> dict[str, Any]:
    """The document's row, but for its key, when it was last changed and its change token."""
    return {
        "province": document.province,
        "org_unit": document.org_unit,
        "year": document.year,
        "plan_type": document.plan_type,
        "title": document.title,
        "call_id": document.call_id,
        "status": document.status,
        "document_number": document.document_number,
        "issued_on": document.issued_on,
        "received_on": document.received_on,
        "state": document.state(),
    }


def _fill(document: OverviewDocument, row: Any) -> None:
    document.province = row.province
    document.org_unit = row.org_unit
    document.year = row.year
    document.plan_type = row.plan_type
    document.title = row.title
    document.call_id = row.call_id
    document.document_number = row.document_number
    document.issued_on = row.issued_on
    document.received_on = row.received_on
    document.load_state(row.state or {})
