"""Plans in and out of storage. ``get`` loads the whole aggregate (a plan has a
handful of versions and a few dozen timeline entries), or, for an approval fact,
only what the fact's rules read (``appends_only``); ``search`` reads list rows
only, with keyset pagination: the page after a cursor is an index range scan,
never an OFFSET, and no page counts the whole table."""

from __future__ import annotations

import abc
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    exists,
    false,
    or_,
    select,
    text,
    tuple_,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, load_only

from ..domain.access import Visibility
from ..domain.content import PlanContent
from ..domain.model import PLAN, REPORT, Content, Plan, PlanSummary, PlanVersion, Stage, TimelineEntry
from ..domain.report import ReportContent
from ..domain.text import fold
from .orm import PlanDeciderRow, PlanRow, PlanVersionReaderRow, PlanVersionRow, TimelineRow


@dataclass(frozen=True)
class PlanQuery:
    visibility: Visibility = field(default_factory=Visibility)  # set by the use case from the actor
    status: str | None = None
    year: int | None = None
    org_unit: str | None = None
    province: str | None = None
    q: str | None = None
    after: tuple[datetime, str] | None = None  # the (created_at, id) of the last plan already seen
    limit: int = 20
    kind: str = PLAN  # plans, or reports

    @property
    def words(self) -> list[str]:
        return fold(self.q).split() if self.q else []


class AbstractPlanRepository(abc.ABC):
    def __init__(self) -> None:
        self.seen: dict[str, Plan] = {}  # the plans this unit of work touched; their events go to the outbox

    def add(self, plan: Plan) -> None:
        self._add(plan)
        self.seen[plan.id] = plan

    def get(
        self, plan_id: str, *, for_update: bool = False, with_timeline: bool = True, appends_only: bool = False
    ) -> Plan | None:
        """The plan to change (tracked: the unit of work writes it back). ``with_timeline=False`` for a
        change that only appends to the timeline: the entries it adds are written all the same, and
        the table's unique key keeps an entry from being written twice. ``appends_only`` for a change
        that reads none of the plan's timeline, readers and deciders, only adds to them (an approval
        fact): none of them is read, and what it adds is written unless stored already."""
        plan = self._get(plan_id, for_update=for_update, with_timeline=with_timeline, appends_only=appends_only)
        if plan is not None:
            self.seen[plan.id] = plan
        return plan

    def read(self, plan_id: str, *, with_timeline: bool = False) -> Plan | None:
        """The plan for reading only: not tracked, so the unit of work writes nothing back. Its
        timeline, which only grows, is loaded only when asked for."""
        return self._get(plan_id, for_update=False, with_timeline=with_timeline)

    def drafts(self, *, year: int | None = None) -> list[PlanSummary]:
        """Plans never submitted (of ``year``): what compliance calls a draft."""
        return []

    @abc.abstractmethod
    def _add(self, plan: Plan) -> None: ...

    @abc.abstractmethod
    def _get(
        self, plan_id: str, *, for_update: bool, with_timeline: bool = True, appends_only: bool = False
    ) -> Plan | None: ...

    @abc.abstractmethod
    def persist(self, plan: Plan) -> None:
        """Write the plan's changed state (called by the unit of work before commit)."""

    @abc.abstractmethod
    def search(self, query: PlanQuery) -> list[PlanSummary]:
        """Up to ``query.limit`` plans, newest first, after the cursor."""

    @abc.abstractmethod
    def drafters_of(self, org_unit: str) -> list[str]:
        """Usernames known to have drafted plans of the unit."""

    @abc.abstractmethod
    def reports_of(self, org_unit: str, report_kind: str, year: int) -> list[tuple[str, str]]:
        """(id, status) of the unit's reports of this kind and year."""


def content_of(kind: str, data: dict[str, object]) -> Content:
    """The stored content of a document of ``kind``."""
    return ReportContent.from_dict(data) if kind == REPORT else PlanContent.from_dict(data)


class SqlAlchemyPlanRepository(AbstractPlanRepository):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._rows: dict[str, PlanRow] = {}
        self._stored_entries: dict[str, set[str]] = {}
        self._stored_deciders: dict[str, set[str]] = {}
        # What was loaded, so persist() writes only what changed: the (immutable) content as
        # loaded, and each stored version's row with the two fields an approval may change.
        self._loaded_content: dict[str, PlanContent] = {}
        self._version_rows: dict[str, dict[int, PlanVersionRow]] = {}
        self._stored_readers: dict[str, set[tuple[int, str]]] = {}
        # The plans read for an approval fact (appends_only): their columns and versions as read.
        self._read_for_fact: dict[str, _StoredState] = {}

    # -- the aggregate
    def _add(self, plan: Plan) -> None:
        row = PlanRow(id=plan.id)  # added to the session by persist(), once its columns are set
        self._rows[plan.id] = row
        self._stored_entries[plan.id] = set()
        self._stored_deciders[plan.id] = set()
        self._version_rows[plan.id] = {}
        self._stored_readers[plan.id] = set()

    def _get(
        self, plan_id: str, *, for_update: bool, with_timeline: bool = True, appends_only: bool = False
    ) -> Plan | None:
        if appends_only:
            return self._get_for_fact(plan_id, for_update=for_update)
        self._read_for_fact.pop(plan_id, None)  # read whole now: written back as a whole
        query = select(PlanRow).where(PlanRow.id == plan_id)
        if for_update:
            query = query.with_for_update()  # writers of one plan (API and consumer) take turns
        row = self.session.scalars(query).first()
        if row is None:
            return None
        versions = self.session.scalars(
            select(PlanVersionRow).where(PlanVersionRow.plan_id == plan_id).order_by(PlanVersionRow.number)
        ).all()
        entries = (
            self.session.scalars(
                select(TimelineRow).where(TimelineRow.plan_id == plan_id).order_by(TimelineRow.seq)
            ).all()
            if with_timeline
            else []
        )
        deciders = set(self.session.scalars(select(PlanDeciderRow.username).where(PlanDeciderRow.plan_id == plan_id)))
        readers: dict[int, set[str]] = {}
        for number, reader in self.session.execute(
            select(PlanVersionReaderRow.number, PlanVersionReaderRow.reader).where(
                PlanVersionReaderRow.plan_id == plan_id
            )
        ):
            readers.setdefault(number, set()).add(reader)
        self._stored_readers[plan_id] = {(number, reader) for number, names in readers.items() for reader in names}
        self._rows[plan_id] = row
        self._version_rows[plan_id] = {version.number: version for version in versions}
        self._stored_entries[plan_id] = {entry.entry_id for entry in entries}
        self._stored_deciders[plan_id] = set(deciders)
        kind = row.kind or PLAN
        content = content_of(kind, row.content)
        self._loaded_content[plan_id] = content
        return Plan(
            id=row.id,
            content=content,
            province=row.province,
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
            status=row.status,
            revision=row.revision,
            editors=list(row.editors or []),
            versions=[
                PlanVersion(
                    number=version.number,
                    content=content_of(kind, version.content),
                    content_sha256=version.content_sha256,
                    submitted_by=version.submitted_by,
                    submitted_at=version.submitted_at,
                    edited_by=tuple(version.edited_by or ()),
                    approval_id=version.approval_id,
                    outcome=version.outcome,
                    readers=set(readers.get(version.number, ())),
                    reply=version.reply or "",
                    reply_activity_id=version.reply_activity_id or "",
                )
                for version in versions
            ],
            timeline=[
                TimelineEntry(
                    id=entry.entry_id,
                    kind=entry.kind,
                    occurred_at=entry.occurred_at,
                    version=entry.version,
                    level=entry.level,
                    actor=entry.actor,
                    details=dict(entry.details or {}),
                    seq=entry.seq,
                )
                for entry in entries
            ],
            deciders=deciders,
            stage=Stage(**row.stage) if row.stage else None,
            document_number=row.document_number,
            issued_on=row.issued_on,
            issuer=row.issuer,
            place=row.place,
            withdrawal=dict(row.withdrawal) if row.withdrawal else None,
            kind=kind,
            receipt=dict(row.receipt) if row.receipt else None,
        )

    def _get_for_fact(self, plan_id: str, *, for_update: bool) -> Plan | None:
        """The plan as an approval fact's rules read it, in one statement: its columns and its
        versions', without any content (read if a rule asks for it: :class:`_PlanReadForFact`),
        timeline, readers or deciders (the fact only adds to these)."""
        rows = self.session.execute(_fact_query(for_update), {"plan_id": plan_id}).all()
        if not rows:
            return None
        first = rows[0]._mapping
        state = {name: first[name] for name in _STATE_COLUMNS}
        kind = first["kind"] or PLAN
        stored_versions = {row.number: (row.approval_id, row.outcome) for row in rows if row.number is not None}
        self._read_for_fact[plan_id] = _StoredState(state=state, versions=stored_versions)
        return _PlanReadForFact(
            lambda: self._content_for_fact(plan_id, kind),
            id=plan_id,
            province=first["province"],
            created_by=first["created_by"],
            created_at=first["created_at"],
            updated_at=first["updated_at"],
            status=first["status"],
            revision=first["revision"],
            editors=list(first["editors"] or []),
            versions=[
                _VersionReadForFact(
                    lambda number=row.number: self._version_content_for_fact(plan_id, number, kind),
                    number=row.number,
                    content_sha256=row.content_sha256,
                    submitted_by=row.submitted_by,
                    submitted_at=row.submitted_at,
                    edited_by=tuple(row.edited_by or ()),
                    approval_id=row.approval_id,
                    outcome=row.outcome,
                    reply=row.reply or "",
                    reply_activity_id=row.reply_activity_id or "",
                )
                for row in rows
                if row.number is not None
            ],
            stage=Stage(**first["stage"]) if first["stage"] else None,
            document_number=first["document_number"],
            issued_on=first["issued_on"],
            issuer=first["issuer"],
            place=first["place"],
            withdrawal=dict(first["withdrawal"]) if first["withdrawal"] else None,
            kind=kind,
            receipt=dict(first["receipt"]) if first["receipt"] else None,
        )

    def _content_for_fact(self, plan_id: str, kind: str) -> Content:
        content = content_of(kind, self.session.scalars(_statements().plan_content, {"b_plan_id": plan_id}).one())
        self._loaded_content[plan_id] = content
        return content

    def _version_content_for_fact(self, plan_id: str, number: int, kind: str) -> Content:
        parameters = {"b_plan_id": plan_id, "b_number": number}
        return content_of(kind, self.session.scalars(_statements().version_content, parameters).one())

    def persist(self, plan: Plan) -> None:
        if plan.id in self._read_for_fact:
            self._persist_fact(plan, self._read_for_fact[plan.id])
            return
        row = self._rows[plan.id]  # persist() is only called for plans added or loaded through this repository
        content = plan.content
        if content is not self._loaded_content.get(plan.id):
            # Only a new content needs its columns, its JSON and its folded search text again.
            for name, value in _content_values(plan).items():
                setattr(row, name, value)
            self._loaded_content[plan.id] = content
        for name, value in _state_values(plan).items():
            setattr(row, name, value)
        self.session.add(row)  # a no-op for a loaded row; a new one is written complete
        stored_versions = self._version_rows.setdefault(plan.id, {})
        for version in plan.versions:
            stored = stored_versions.get(version.number)
            if stored is not None:
                # A frozen version's content never changes; an approval sets only these two.
                stored.approval_id = version.approval_id
                stored.outcome = version.outcome
                continue
            stored_versions[version.number] = PlanVersionRow(**_version_values(plan.id, version))
            self.session.add(stored_versions[version.number])
        stored = self._stored_entries.setdefault(plan.id, set())
        for entry in plan.timeline:
            if entry.id not in stored:
                self.session.add(
                    TimelineRow(
                        plan_id=plan.id,
                        entry_id=entry.id,
                        kind=entry.kind,
                        occurred_at=entry.occurred_at,
                        version=entry.version,
                        level=entry.level,
                        actor=entry.actor,
                        details=entry.details,
                    )
                )
                stored.add(entry.id)
        self.session.flush()  # new versions first: their readers refer to them
        stored_readers = self._stored_readers.setdefault(plan.id, set())
        for version in plan.versions:
            for reader in sorted(version.readers):
                if (version.number, reader) not in stored_readers:
                    self.session.add(
                        PlanVersionReaderRow(
                            plan_id=plan.id, number=version.number, reader=reader, plan_created_at=plan.created_at
                        )
                    )
                    stored_readers.add((version.number, reader))
        deciders = self._stored_deciders.setdefault(plan.id, set())
        for username in sorted(plan.deciders - deciders):
            self.session.add(PlanDeciderRow(plan_id=plan.id, username=username))
            deciders.add(username)
        self.session.flush()

    def _persist_fact(self, plan: Plan, stored: _StoredState) -> None:
        """Write a plan read for an approval fact: the columns that changed, the versions' approval
        and outcome where they changed, and what it added to the timeline, the versions' readers and
        the deciders, each in one statement that leaves alone what is stored already (the facts' own
        redelivery is the inbox's to catch; a repeated entry is the timeline's unique key's)."""
        changed = {name: value for name, value in _state_values(plan).items() if stored.state.get(name) != value}
        content = plan.__dict__.get("_content", _NOT_READ)
        if content is not _NOT_READ and content is not self._loaded_content.get(plan.id):
            changed.update(_content_values(plan))
            self._loaded_content[plan.id] = content
        if changed:  # the statement sets the columns named in its parameters
            self.session.execute(_statements().plan_update, {"b_plan_id": plan.id, **changed})
            stored.state.update(changed)
        new_versions = []
        for version in plan.versions:
            decided = (version.approval_id, version.outcome)
            if version.number not in stored.versions:
                new_versions.append(_version_values(plan.id, version))
            elif stored.versions[version.number] != decided:
                self.session.execute(
                    _statements().version_update,
                    {
                        "b_plan_id": plan.id,
                        "b_number": version.number,
                        "approval_id": version.approval_id,
                        "outcome": version.outcome,
                    },
                )
            stored.versions[version.number] = decided
        if new_versions:
            self.session.execute(_statements().version_insert, new_versions)
        entries = [
            {
                "plan_id": plan.id,
                "entry_id": entry.id,
                "kind": entry.kind,
                "occurred_at": entry.occurred_at,
                "version": entry.version,
                "level": entry.level,
                "actor": entry.actor,
                "details": entry.details,
            }
            for entry in plan.timeline
            if entry.id not in stored.entries
        ]
        readers: list[dict[str, Any]] = [
            {"plan_id": plan.id, "number": version.number, "reader": reader, "plan_created_at": plan.created_at}
            for version in plan.versions
            for reader in sorted(version.readers)
            if (version.number, reader) not in stored.readers
        ]
        deciders = [{"plan_id": plan.id, "username": name} for name in sorted(plan.deciders - stored.deciders)]
        # The rows as parameters, not as the statement's VALUES: one compiled statement serves every fact.
        dialect = self.session.get_bind().dialect.name
        for model, rows in ((TimelineRow, entries), (PlanVersionReaderRow, readers), (PlanDeciderRow, deciders)):
            if rows:
                self.session.execute(_insert_new(_table(model), dialect), rows)
        stored.entries.update(entry["entry_id"] for entry in entries)
        stored.readers.update((reader["number"], reader["reader"]) for reader in readers)
        stored.deciders.update(decider["username"] for decider in deciders)

    # -- reading lists
    def drafts(self, *, year: int | None = None) -> list[PlanSummary]:
        statement = select(PlanRow).options(load_only(*_SUMMARY_COLUMNS)).where(PlanRow.status == "draft")
        if year is not None:
            statement = statement.where(PlanRow.year == year)
        return [_summary(row) for row in self.session.scalars(statement)]

    def search(self, query: PlanQuery) -> list[PlanSummary]:
        filters = [PlanRow.kind == query.kind]
        for column, value in (
            (PlanRow.status, query.status),
            (PlanRow.year, query.year),
            (PlanRow.org_unit, query.org_unit),
            (PlanRow.province, query.province),
        ):
            if value is not None:
                filters.append(column == value)
        if query.after is not None:
            filters.append(tuple_(PlanRow.created_at, PlanRow.id) < tuple_(*query.after))
        # Only the list's columns: a page never reads the plans' JSON content.
        statement = select(PlanRow).options(load_only(*_SUMMARY_COLUMNS))
        if query.words:
            found = _found(query.visibility, query.words, filters, query.after, query.limit)
            if found is None:
                return []
            self._plan_search_with_its_words()
            statement = statement.join(found, found.c.id == PlanRow.id)
        else:
            statement = statement.where(_visible(query.visibility), *filters)
        rows = list(self.session.scalars(statement.order_by(*_NEWEST_FIRST).limit(query.limit)))
        frozen_titles = self._frozen_titles(query.visibility, rows)
        return [_summary(row, frozen_titles.get(row.id)) for row in rows]

    def _plan_search_with_its_words(self) -> None:
        """Have PostgreSQL plan this transaction's search for its own words, serially.

        psycopg prepares a statement on the server after its fifth run, and PostgreSQL then switches
        to a generic plan when that looks no dearer than the custom ones so far. The words reach the
        plan as ``like_escape($n, '\\')``, whose selectivity a generic plan cannot know, so it guesses
        that almost no version matches and reads every frozen version, testing the words on each,
        then sorts all the reader's matches: 60 ms at 100,000 plans and 3,000 versions, where the plan
        made for the words themselves walks the newest plans and stops at the page (3 ms). And the custom
        plan of a page of 21 was sometimes a parallel one, whose workers cost more to start on two
        shared cores (20–30 ms) than the page costs to read. Both settings last until the end of
        the transaction (the list's own, which only reads)."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(_SEARCH_PLANNING)

    def _frozen_titles(self, visibility: Visibility, rows: list[PlanRow]) -> dict[str, str]:
        """For plans the reader sees only as submitted: the title of the latest version they may read."""
        frozen = {
            row.id: row for row in rows if not visibility.sees_working_copy(org_unit=row.org_unit, status=row.status)
        }
        if not frozen:
            return {}
        readers: dict[tuple[str, int], set[str]] = {}
        titles: dict[tuple[str, int], str] = {}
        for plan_id, number, reader, title in self.session.execute(
            select(
                PlanVersionReaderRow.plan_id,
                PlanVersionReaderRow.number,
                PlanVersionReaderRow.reader,
                PlanVersionRow.title,
            )
            .join(
                PlanVersionRow,
                and_(
                    PlanVersionRow.plan_id == PlanVersionReaderRow.plan_id,
                    PlanVersionRow.number == PlanVersionReaderRow.number,
                ),
            )
            .where(PlanVersionReaderRow.plan_id.in_(sorted(frozen)))
        ):
            readers.setdefault((plan_id, number), set()).add(reader)
            titles[(plan_id, number)] = title or ""
        chosen: dict[str, tuple[int, str]] = {}
        for (plan_id, number), names in readers.items():
            row = frozen[plan_id]
            readable = visibility.reads_version(org_unit=row.org_unit, province=row.province, readers=names)
            if readable and (plan_id not in chosen or number > chosen[plan_id][0]):
                chosen[plan_id] = (number, titles[(plan_id, number)])
        return {plan_id: title for plan_id, (_, title) in chosen.items()}

    def drafters_of(self, org_unit: str) -> list[str]:
        statement = (
            select(PlanRow.created_by)
            .where(PlanRow.org_unit == org_unit)
            .distinct()
            .order_by(PlanRow.created_by)
            .limit(200)
        )
        return list(self.session.scalars(statement))

    def reports_of(self, org_unit: str, report_kind: str, year: int) -> list[tuple[str, str]]:
        statement = select(PlanRow.id, PlanRow.status).where(
            PlanRow.kind == REPORT, PlanRow.org_unit == org_unit, PlanRow.year == year, PlanRow.plan_type == report_kind
        )
        return [(plan_id, status) for plan_id, status in self.session.execute(statement)]


def _like_words(column, words: list[str]):  # type: ignore[no-untyped-def]
    escaped = (word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for word in words)
    return and_(*(column.like(f"%{word}%", escape="\\") for word in escaped))


def _visible(visibility: Visibility):  # type: ignore[no-untyped-def]
    """The SQL form of :meth:`Visibility.sees_working_copy` and :meth:`Visibility.reads_version`: the
    plans whose working copy the reader sees, or one of whose frozen versions they may read."""
    clauses = _working_copy_clauses(visibility, [])
    if not visibility.everything:
        for reader, column, allowed in visibility.reader_clauses():
            clause: ColumnElement[bool] = exists(
                select(PlanVersionReaderRow.plan_id).where(
                    PlanVersionReaderRow.plan_id == PlanRow.id, PlanVersionReaderRow.reader == reader
                )
            )
            if allowed is not None:
                clause = and_(getattr(PlanRow, column).in_(sorted(allowed)), clause)
            clauses.append(clause)
    return or_(*clauses) if clauses else false()


def _found(visibility: Visibility, words: list[str], filters: list, after: tuple | None, limit: int):  # type: ignore[no-untyped-def,type-arg]
    """The ids (and sort keys) of the first ``limit`` plans, newest first, that the search finds among
    those the reader sees: the page of each visibility clause on its own, and their union; None when the
    reader sees nothing. Each clause is then a plain conjunction the planner can drive from its best
    index — the working copies from the trigram index on their words, or the list's own order when the
    words are common — where one OR of them all (the version clauses as EXISTS) left it only the
    newest-first scan, each plan it passed tested against each clause in turn. An approver's versions
    are read from the readers themselves, newest plan first (``_readers_page``)."""
    pages = [
        select(PlanRow.id, PlanRow.created_at).where(clause, *filters).order_by(*_NEWEST_FIRST).limit(limit)
        for clause in _working_copy_clauses(visibility, words)
    ]
    if not visibility.everything:
        pages += [_readers_page(*clause, words, filters, after, limit) for clause in visibility.reader_clauses()]
    subqueries = [page.subquery(f"clause_{number}") for number, page in enumerate(pages)]
    if len(subqueries) <= 1:
        return subqueries[0] if subqueries else None
    return union(*(select(page.c.id, page.c.created_at) for page in subqueries)).subquery("found")


def _readers_page(  # type: ignore[no-untyped-def]
    reader: str,
    column: str,
    allowed: frozenset[str] | None,
    words: list[str],
    filters: list,
    after,
    limit: int,  # type: ignore[type-arg]
):
    """The first ``limit`` plans, newest first, with a version ``reader`` may read whose words match:
    read from the readers' index in the list's order (reader, the plan's creation, the plan), each
    row's version and plan looked up by key, until the page is full. Through the plans instead, newest
    first, each probed for such a version, a search passed every newer plan the reader may not read —
    thousands when most of the newest plans have not reached the ministry yet."""
    readers = PlanVersionReaderRow
    page = (
        select(readers.plan_id.label("id"), readers.plan_created_at.label("created_at"))
        .join(PlanVersionRow, and_(PlanVersionRow.plan_id == readers.plan_id, PlanVersionRow.number == readers.number))
        .join(PlanRow, PlanRow.id == readers.plan_id)
        .where(readers.reader == reader, _like_words(PlanVersionRow.search_text, words), *filters)
    )
    if allowed is not None:
        page = page.where(getattr(PlanRow, column).in_(sorted(allowed)))
    if after is not None:  # the keyset on the readers' own columns, so the index walk starts there
        page = page.where(tuple_(readers.plan_created_at, readers.plan_id) < tuple_(*after))
    # A plan with several versions the reader may read is one plan of the page.
    return page.distinct().order_by(readers.plan_created_at.desc(), readers.plan_id.desc()).limit(limit)


def _working_copy_clauses(visibility: Visibility, words: list[str]) -> list:  # type: ignore[type-arg]
    """The clauses of the plans whose working copy the reader sees, with the words matched against it."""
    working_words = _like_words(PlanRow.search_text, words) if words else None

    def on_working_copy(clause):  # type: ignore[no-untyped-def]
        return and_(clause, working_words) if working_words is not None else clause

    if visibility.everything:
        return [on_working_copy(PlanRow.id.is_not(None))]
    clauses = []
    if visibility.units_all_statuses:
        clauses.append(on_working_copy(PlanRow.org_unit.in_(sorted(visibility.units_all_statuses))))
    if visibility.approved_everywhere:
        clauses.append(on_working_copy(PlanRow.status == "approved"))
    if visibility.history_units:
        clauses.append(
            on_working_copy(and_(PlanRow.status == "approved", PlanRow.org_unit.in_(sorted(visibility.history_units))))
        )
    return clauses


_NEWEST_FIRST = (PlanRow.created_at.desc(), PlanRow.id.desc())

# One round trip for both, local to the transaction (SqlAlchemyPlanRepository._plan_search_with_its_words).
_SEARCH_PLANNING = text(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
    " set_config('max_parallel_workers_per_gather', '0', true)"
)


_SUMMARY_COLUMNS = (
    PlanRow.id,
    PlanRow.title,
    PlanRow.plan_type,
    PlanRow.year,
    PlanRow.org_unit,
    PlanRow.province,
    PlanRow.status,
    PlanRow.stage,
    PlanRow.document_number,
    PlanRow.revision,
    PlanRow.created_at,
    PlanRow.updated_at,
)


def _summary(row: PlanRow, frozen_title: str | None = None) -> PlanSummary:
    return PlanSummary(
        id=row.id,
        title=frozen_title if frozen_title is not None else row.title,
        plan_type=row.plan_type,
        year=row.year,
        org_unit=row.org_unit,
        province=row.province,
        status=row.status,
        stage=Stage(**row.stage) if row.stage else None,
        document_number=row.document_number,
        revision=row.revision,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


# -- a plan read for an approval fact (SqlAlchemyPlanRepository._get_for_fact)
_NOT_READ: Any = object()


class _ContentReadOnFirstUse:
    """A domain object whose content is read from the database the first time a rule asks for it."""

    _content: Content

    def __init__(self, read_content: Callable[[], Content], **fields: Any) -> None:
        self._read_content = read_content
        super().__init__(content=_NOT_READ, **fields)  # type: ignore[call-arg]

    @property
    def content(self) -> Content:
        if self._content is _NOT_READ:
            self._content = self._read_content()
        return self._content

    @content.setter
    def content(self, content: Content) -> None:
        self._content = content


class _PlanReadForFact(_ContentReadOnFirstUse, Plan):
    """A plan read for an approval fact: its content is read the first time a rule asks for it (an
    approval's end names the issuing body and the plan's title; a decision reads neither); its
    timeline, deciders and versions' readers hold only what the fact adds to them, so it is never
    one to show (``read_as``) or to count entries of."""


class _VersionReadForFact(_ContentReadOnFirstUse, PlanVersion):
    """A stored version read without its frozen content, read the first time a rule asks for it."""


@dataclass
class _StoredState:
    """What is stored of a plan read for an approval fact: its columns and its versions' approval and
    outcome as read, and what was written of its timeline, readers and deciders since."""

    state: dict[str, Any]
    versions: dict[int, tuple[str | None, str | None]]
    entries: set[str] = field(default_factory=set)
    readers: set[tuple[int, str]] = field(default_factory=set)
    deciders: set[str] = field(default_factory=set)


def _table(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


# The statements of an approval fact, built once (building one costs more than sending it): their
# values are parameters.
@functools.cache
def _fact_query(for_update: bool) -> Select[Any]:
    """A plan's columns and its versions' (one row each, none for a plan never submitted), contents aside."""
    plans, versions = _table(PlanRow), _table(PlanVersionRow)
    query = (
        select(*(plans.c[name] for name in _FACT_PLAN_COLUMNS), *(versions.c[name] for name in _FACT_VERSION_COLUMNS))
        .select_from(plans.outerjoin(versions, versions.c.plan_id == plans.c.id))
        .where(plans.c.id == bindparam("plan_id"))
        .order_by(versions.c.number)
    )
    return query.with_for_update(of=plans) if for_update else query  # writers of one plan take turns


@dataclass(frozen=True)
class _FactStatements:
    plan_update: Update  # sets the columns its parameters name
    version_update: Update
    version_insert: Insert
    plan_content: Select[Any]  # read when a rule asks for it (_PlanReadForFact)
    version_content: Select[Any]


@functools.cache
def _statements() -> _FactStatements:
    plans, versions = _table(PlanRow), _table(PlanVersionRow)
    the_plan = plans.c.id == bindparam("b_plan_id")
    the_version = and_(versions.c.plan_id == bindparam("b_plan_id"), versions.c.number == bindparam("b_number"))
    return _FactStatements(
        plan_update=update(plans).where(the_plan),
        version_update=update(versions).where(the_version),
        version_insert=versions.insert(),
        plan_content=select(plans.c.content).where(the_plan),
        version_content=select(versions.c.content).where(the_version),
    )


@functools.cache
def _insert_new(table: Table, dialect: str) -> Any:
    """An INSERT of rows that leaves those already stored (by any unique key) as they are."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing()


def _state_values(plan: Plan) -> dict[str, Any]:
    """The plan's columns besides its content's, as stored."""
    return {
        "province": plan.province,
        "status": plan.status,
        "revision": plan.revision,
        "created_by": plan.created_by,
        "editors": list(plan.editors),
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
        "stage": plan.stage.to_record() if plan.stage else None,
        "document_number": plan.document_number,
        "issued_on": plan.issued_on,
        "issuer": plan.issuer,
        "place": plan.place,
        "withdrawal": dict(plan.withdrawal) if plan.withdrawal else None,
        "kind": plan.kind,
        "receipt": dict(plan.receipt) if plan.receipt else None,
    }


_STATE_COLUMNS = (  # the keys of _state_values
    "province",
    "status",
    "revision",
    "created_by",
    "editors",
    "created_at",
    "updated_at",
    "stage",
    "document_number",
    "issued_on",
    "issuer",
    "place",
    "withdrawal",
    "kind",
    "receipt",
)
_FACT_PLAN_COLUMNS = ("id", *_STATE_COLUMNS)
_FACT_VERSION_COLUMNS = (
    "number",
    "content_sha256",
    "submitted_by",
    "submitted_at",
    "edited_by",
    "approval_id",
    "outcome",
    "reply",
    "reply_activity_id",
)


def _content_values(plan: Plan) -> dict[str, Any]:
    """The plan's columns that come from its content: its JSON, the filtered facts and the folded words."""
    content = plan.content
    return {
        "org_unit": plan.org_unit,
        "year": content.year,
        "plan_type": content.plan_type,
        "title": content.title,
        "search_text": content.search_text(),
        "content": content.to_dict(),
    }


def _version_values(plan_id: str, version: PlanVersion) -> dict[str, Any]:
    """A new version's row."""
    return {
        "plan_id": plan_id,
        "number": version.number,
        "content": version.content.to_dict(),
        "content_sha256": version.content_sha256,
        "submitted_by": version.submitted_by,
        "submitted_at": version.submitted_at,
        "edited_by": list(version.edited_by),
        "approval_id": version.approval_id,
        "outcome": version.outcome,
        "title": version.content.title,
        "search_text": version.content.search_text(),
        "reply": version.reply or None,
        "reply_activity_id": version.reply_activity_id or None,
    }
