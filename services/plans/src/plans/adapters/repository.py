"""Plans in and out of storage. ``get`` loads the whole aggregate (a plan has a
handful of versions and a few dozen timeline entries); ``search`` reads list
rows only, with keyset pagination: the page after a cursor is an index range
scan, never an OFFSET, and no page counts the whole table."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, false, or_, select, text, tuple_, union
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

    def get(self, plan_id: str, *, for_update: bool = False, with_timeline: bool = True) -> Plan | None:
        """The plan to change (tracked: the unit of work writes it back). ``with_timeline=False`` for a
        change that only appends to the timeline: the entries it adds are written all the same, and
        the table's unique key keeps an entry from being written twice."""
        plan = self._get(plan_id, for_update=for_update, with_timeline=with_timeline)
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
    def _get(self, plan_id: str, *, for_update: bool, with_timeline: bool = True) -> Plan | None: ...

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

    # -- the aggregate
    def _add(self, plan: Plan) -> None:
        row = PlanRow(id=plan.id)  # added to the session by persist(), once its columns are set
        self._rows[plan.id] = row
        self._stored_entries[plan.id] = set()
        self._stored_deciders[plan.id] = set()
        self._version_rows[plan.id] = {}
        self._stored_readers[plan.id] = set()

    def _get(self, plan_id: str, *, for_update: bool, with_timeline: bool = True) -> Plan | None:
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

    def persist(self, plan: Plan) -> None:
        row = self._rows[plan.id]  # persist() is only called for plans added or loaded through this repository
        content = plan.content
        if content is not self._loaded_content.get(plan.id):
            # Only a new content needs its columns, its JSON and its folded search text again.
            row.org_unit = plan.org_unit
            row.year = content.year
            row.plan_type = content.plan_type
            row.title = content.title
            row.search_text = content.search_text()
            row.content = content.to_dict()
            self._loaded_content[plan.id] = content
        row.province = plan.province
        row.status = plan.status
        row.revision = plan.revision
        row.created_by = plan.created_by
        row.editors = list(plan.editors)
        row.created_at = plan.created_at
        row.updated_at = plan.updated_at
        row.stage = plan.stage.to_record() if plan.stage else None
        row.document_number = plan.document_number
        row.issued_on = plan.issued_on
        row.issuer = plan.issuer
        row.place = plan.place
        row.withdrawal = dict(plan.withdrawal) if plan.withdrawal else None
        row.kind = plan.kind
        row.receipt = dict(plan.receipt) if plan.receipt else None
        self.session.add(row)  # a no-op for a loaded row; a new one is written complete
        stored_versions = self._version_rows.setdefault(plan.id, {})
        for version in plan.versions:
            stored = stored_versions.get(version.number)
            if stored is not None:
                # A frozen version's content never changes; an approval sets only these two.
                stored.approval_id = version.approval_id
                stored.outcome = version.outcome
                continue
            stored_versions[version.number] = PlanVersionRow(
                plan_id=plan.id,
                number=version.number,
                content=version.content.to_dict(),
                content_sha256=version.content_sha256,
                submitted_by=version.submitted_by,
                submitted_at=version.submitted_at,
                edited_by=list(version.edited_by),
                approval_id=version.approval_id,
                outcome=version.outcome,
                title=version.content.title,
                search_text=version.content.search_text(),
                reply=version.reply or None,
                reply_activity_id=version.reply_activity_id or None,
            )
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
                    self.session.add(PlanVersionReaderRow(plan_id=plan.id, number=version.number, reader=reader))
                    stored_readers.add((version.number, reader))
        deciders = self._stored_deciders.setdefault(plan.id, set())
        for username in sorted(plan.deciders - deciders):
            self.session.add(PlanDeciderRow(plan_id=plan.id, username=username))
            deciders.add(username)
        self.session.flush()

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
            found = _found(query.visibility, query.words, filters, query.limit)
            if found is None:
                return []
            self._plan_search_with_its_words()
            statement = statement.join(found, found.c.id == PlanRow.id)
        else:
            statement = statement.where(_visible(query.visibility, []), *filters)
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


def _visible(visibility: Visibility, words: list[str]):  # type: ignore[no-untyped-def]
    """The SQL form of :meth:`Visibility.sees_working_copy` and :meth:`Visibility.reads_version`, with
    the search words matched against what each reader sees: the working copy's words, or the words
    of a frozen version the reader may read."""
    clauses = _visible_clauses(visibility, words)
    return or_(*clauses) if clauses else false()


def _found(visibility: Visibility, words: list[str], filters: list, limit: int):  # type: ignore[no-untyped-def]
    """The ids (and sort keys) of the first ``limit`` plans, newest first, that the search finds among
    those the reader sees: the page of each visibility clause on its own, and their union; None when the
    reader sees nothing. Each clause is then a plain conjunction the planner can drive from its best
    index — an approver's versions from the readers' index, the working copies from the trigram index on
    their words, or the list's own order when the words are common — where one OR of them all (the
    version clauses as EXISTS) left it only the newest-first scan, each plan it passed tested against
    each clause in turn."""
    pages = [
        select(PlanRow.id, PlanRow.created_at)
        .where(clause, *filters)
        .order_by(*_NEWEST_FIRST)
        .limit(limit)
        .subquery(f"clause_{number}")
        for number, clause in enumerate(_visible_clauses(visibility, words))
    ]
    if len(pages) <= 1:
        return pages[0] if pages else None
    return union(*(select(page.c.id, page.c.created_at) for page in pages)).subquery("found")


def _visible_clauses(visibility: Visibility, words: list[str]) -> list:  # type: ignore[type-arg]
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
    for reader, column, allowed in visibility.reader_clauses():
        version_read = select(PlanVersionReaderRow.plan_id).where(
            PlanVersionReaderRow.plan_id == PlanRow.id, PlanVersionReaderRow.reader == reader
        )
        if words:
            version_read = version_read.join(
                PlanVersionRow,
                and_(
                    PlanVersionRow.plan_id == PlanVersionReaderRow.plan_id,
                    PlanVersionRow.number == PlanVersionReaderRow.number,
                ),
            ).where(_like_words(PlanVersionRow.search_text, words))
        clause = exists(version_read)
        if allowed is not None:
            clause = and_(getattr(PlanRow, column).in_(sorted(allowed)), clause)
        clauses.append(clause)
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
