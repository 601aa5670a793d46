"""Plans in and out of storage. ``get`` loads the whole aggregate (a plan has a
handful of versions and a few dozen timeline entries); ``search`` reads list
rows only, with keyset pagination: the page after a cursor is an index range
scan, never an OFFSET, and no page counts the whole table."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, false, or_, select, tuple_
from sqlalchemy.orm import Session, load_only

from ..domain.access import Visibility
from ..domain.content import PlanContent
from ..domain.model import Plan, PlanSummary, PlanVersion, Stage, TimelineEntry
from ..domain.text import fold
from .orm import PlanDeciderRow, PlanRow, PlanVersionRow, TimelineRow


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

    @property
    def words(self) -> list[str]:
        return fold(self.q).split() if self.q else []


class AbstractPlanRepository(abc.ABC):
    def __init__(self) -> None:
        self.seen: dict[str, Plan] = {}  # the plans this unit of work touched; their events go to the outbox

    def add(self, plan: Plan) -> None:
        self._add(plan)
        self.seen[plan.id] = plan

    def get(self, plan_id: str, *, for_update: bool = False) -> Plan | None:
        plan = self._get(plan_id, for_update=for_update)
        if plan is not None:
            self.seen[plan.id] = plan
        return plan

    def read(self, plan_id: str, *, with_timeline: bool = False) -> Plan | None:
        """The plan for reading only: not tracked, so the unit of work writes nothing back. Its
        timeline, which only grows, is loaded only when asked for."""
        return self._get(plan_id, for_update=False, with_timeline=with_timeline)

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

    # -- the aggregate
    def _add(self, plan: Plan) -> None:
        row = PlanRow(id=plan.id)
        self.session.add(row)
        self._rows[plan.id] = row
        self._stored_entries[plan.id] = set()
        self._stored_deciders[plan.id] = set()
        self._version_rows[plan.id] = {}

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
        self._rows[plan_id] = row
        self._version_rows[plan_id] = {version.number: version for version in versions}
        self._stored_entries[plan_id] = {entry.entry_id for entry in entries}
        self._stored_deciders[plan_id] = set(deciders)
        content = PlanContent.from_dict(row.content)
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
                    content=PlanContent.from_dict(version.content),
                    content_sha256=version.content_sha256,
                    submitted_by=version.submitted_by,
                    submitted_at=version.submitted_at,
                    edited_by=tuple(version.edited_by or ()),
                    approval_id=version.approval_id,
                    outcome=version.outcome,
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
        deciders = self._stored_deciders.setdefault(plan.id, set())
        for username in sorted(plan.deciders - deciders):
            self.session.add(PlanDeciderRow(plan_id=plan.id, username=username))
            deciders.add(username)
        self.session.flush()

    # -- reading lists
    def search(self, query: PlanQuery) -> list[PlanSummary]:
        # Only the list's columns: a page never reads the plans' JSON content.
        statement = select(PlanRow).options(load_only(*_SUMMARY_COLUMNS)).where(_visible(query.visibility))
        for column, value in (
            (PlanRow.status, query.status),
            (PlanRow.year, query.year),
            (PlanRow.org_unit, query.org_unit),
            (PlanRow.province, query.province),
        ):
            if value is not None:
                statement = statement.where(column == value)
        for word in query.words:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            statement = statement.where(PlanRow.search_text.like(f"%{escaped}%", escape="\\"))
        if query.after is not None:
            statement = statement.where(tuple_(PlanRow.created_at, PlanRow.id) < tuple_(*query.after))
        statement = statement.order_by(PlanRow.created_at.desc(), PlanRow.id.desc()).limit(query.limit)
        return [_summary(row) for row in self.session.scalars(statement)]

    def drafters_of(self, org_unit: str) -> list[str]:
        statement = (
            select(PlanRow.created_by)
            .where(PlanRow.org_unit == org_unit)
            .distinct()
            .order_by(PlanRow.created_by)
            .limit(200)
        )
        return list(self.session.scalars(statement))


def _visible(visibility: Visibility):  # type: ignore[no-untyped-def]
    """The SQL form of :class:`Visibility.admits`."""
    if visibility.everything:
        return PlanRow.id.is_not(None)
    submitted = PlanRow.status != "draft"
    clauses = []
    if visibility.units_all_statuses:
        clauses.append(PlanRow.org_unit.in_(sorted(visibility.units_all_statuses)))
    if visibility.units_submitted:
        clauses.append(and_(submitted, PlanRow.org_unit.in_(sorted(visibility.units_submitted))))
    if visibility.provinces_submitted:
        clauses.append(and_(submitted, PlanRow.province.in_(sorted(visibility.provinces_submitted))))
    if visibility.all_submitted:
        clauses.append(submitted)
    if visibility.approved_everywhere:
        clauses.append(PlanRow.status == "approved")
    if visibility.decided_by:
        clauses.append(
            PlanRow.id.in_(select(PlanDeciderRow.plan_id).where(PlanDeciderRow.username == visibility.decided_by))
        )
    return or_(*clauses) if clauses else false()


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


def _summary(row: PlanRow) -> PlanSummary:
    return PlanSummary(
        id=row.id,
        title=row.title,
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
