"""The approvals database (SQLite and PostgreSQL).

The declarative ``*Row`` classes define the tables and serve the read side (the task
list in ``views``, which needs no aggregate). The aggregate itself — ``Approval`` with
its tasks, decisions and delegations — is mapped onto the same tables imperatively
(``start_mappers``), so the repository loads and saves domain objects with no copying
and SQLAlchemy tracks what changed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from servicekit.consumer import InboxMixin
from servicekit.db import UTCDateTime, declarative_base, map_once
from servicekit.list_versions import ListVersionMixin, note_changed
from servicekit.organisations import OrganisationCopyMixin, SuccessionCopyMixin
from servicekit.outbox import OutboxMixin
from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.orm import Mapped, Mapper, Session, composite, mapped_column, relationship, synonym
from unidecode import unidecode

from ..domain.model import Absence, Approval, Decision, Delegation, SubjectContext, Task

Base = declarative_base()


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class TaskListVersionRow(ListVersionMixin, Base):
    """Each approver's task list version (servicekit.list_versions): what makes the list's ETag, so a
    poll that changed nothing is answered 304 from this row alone (bumped by :func:`task_list_changes`)."""


class OrganisationCopyRow(OrganisationCopyMixin, Base):
    """The copy of the organisation registry (servicekit.organisations): the newest state heard."""


class SuccessionCopyRow(SuccessionCopyMixin, Base):
    """The copy of the registry's successions."""


class ChainRow(Base):
    """One published version of a chain; versions are never changed, only added."""

    __tablename__ = "approval_chains"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_by: Mapped[str] = mapped_column(String(120))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The first document date the version applies to; NULL: every date.
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)


class ApprovalRow(Base):
    """One approval of one document version: the subject (kind, id, version, content hash)
    and what scope, separation of duties and messages need to know of it."""

    __tablename__ = "approvals"
    __table_args__ = (
        UniqueConstraint("subject_kind", "subject_id", "subject_version", name="uq_approvals_subject_version"),
        # The task inbox's search (every word a substring of the folded title): on PostgreSQL a
        # trigram index, so a search reads the matching titles instead of every approval there is.
        # Without GIN's pending list (fastupdate): every search would scan the titles added since
        # the last vacuum (28 ms against 2.5 ms after 10,000 new approvals); one approval per
        # submission updates the index at once instead.
        Index(
            "ix_approvals_title_folded_trgm",
            "title_folded",
            postgresql_using="gin",
            postgresql_ops={"title_folded": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16), server_default="plan")
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    subject_version: Mapped[int] = mapped_column(Integer)
    # The names these columns had when plans were the only subject (readers written then).
    plan_id: Mapped[str] = synonym("subject_id")
    plan_version: Mapped[int] = synonym("subject_version")
    title: Mapped[str] = mapped_column(Text)
    # unidecode + lower (đ → d): accent-insensitive search over titles (set from the title on insert).
    title_folded: Mapped[str] = mapped_column(Text)
    org_unit: Mapped[str] = mapped_column(String(64))
    province: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    document_type: Mapped[str] = mapped_column(String(32))  # a plan's type, a report's kind
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(120))
    edited_by: Mapped[list[str]] = mapped_column(JSON)
    submitted_by: Mapped[str] = mapped_column(String(120))
    submitters: Mapped[list[str]] = mapped_column(JSON, default=list)  # who submitted any version
    chain_key: Mapped[str] = mapped_column(String(80))
    chain_version: Mapped[int] = mapped_column(Integer)
    # The document date: it chose the chain version and dates the level names.
    effective_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    current_level: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The stable ids of the version's activities, which a comment may name (NULL: not said by the submission).
    activity_ids: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)


class TaskRow(Base):
    """One level instance of an approval."""

    __tablename__ = "approval_tasks"
    __table_args__ = (
        UniqueConstraint("approval_id", "level", name="uq_approval_tasks_level"),
        # The task inbox's two sorts (and the deadline checks), each ending with the keyset's tie-breaker.
        Index("ix_approval_tasks_status_due_id", "status", "due_at", "id"),
        Index("ix_approval_tasks_status_assigned_id", "status", "assigned_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    approval_id: Mapped[str] = mapped_column(ForeignKey("approvals.id"))
    level: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    required_approvals: Mapped[int] = mapped_column(Integer)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AssigneeRow(Base):
    """Who a task is offered to (a table, so "my tasks" is an indexed query)."""

    __tablename__ = "task_assignees"

    task_id: Mapped[str] = mapped_column(ForeignKey("approval_tasks.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(120), primary_key=True, index=True)


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        # The last line against a lost race: one decision per place in the hash chain,
        # and one per person and task.
        UniqueConstraint("approval_id", "sequence", name="uq_decisions_sequence"),
        UniqueConstraint("task_id", "decided_by", name="uq_decisions_task_person"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    approval_id: Mapped[str] = mapped_column(ForeignKey("approvals.id"))
    task_id: Mapped[str] = mapped_column(ForeignKey("approval_tasks.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content_sha256: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str] = mapped_column(String(64))
    # The subject the decision signs (NULL on decisions recorded before subjects existed).
    subject_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    subject_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    subject_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A decision taken in someone else's place (hashed with the decision).
    on_behalf_of: Mapped[str] = mapped_column(String(120), server_default="")
    delegation_kind: Mapped[str] = mapped_column(String(16), server_default="")
    delegation_reason: Mapped[str] = mapped_column(Text, server_default="")
    delegated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The activity the comment is about (hashed with the decision when set).
    activity_id: Mapped[str] = mapped_column(String(64), server_default="")


class DelegationRow(Base):
    __tablename__ = "delegations"
    __table_args__ = (Index("ix_delegations_task_to", "task_id", "to_user"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    approval_id: Mapped[str] = mapped_column(ForeignKey("approvals.id"))
    task_id: Mapped[str] = mapped_column(ForeignKey("approval_tasks.id"))
    from_user: Mapped[str] = mapped_column(String(120))
    to_user: Mapped[str] = mapped_column(String(120))
    comment: Mapped[str] = mapped_column(Text)
    delegated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16), server_default="manual")  # manual | out_of_office


class OpeningRow(Base):
    """An approver opened a task's decision page (the first time): only such tasks may be
    approved together from the task list."""

    __tablename__ = "task_openings"

    task_id: Mapped[str] = mapped_column(ForeignKey("approval_tasks.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AbsenceRow(Base):
    """An approver's out-of-office period and the deputy who takes the tasks arriving in it."""

    __tablename__ = "absences"
    __table_args__ = (
        Index("ix_absences_username_period", "username", "starts_on", "ends_on"),
        # Whether any period is in force on a day (asked with a decision's lock): the periods not yet ended.
        Index("ix_absences_in_force", "ends_on", "starts_on", postgresql_where=text("cancelled_at IS NULL")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(120))
    deputy: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WithdrawalRow(Base):
    """A withdrawal that arrived before its submission (a retried event): the late
    ``plan.submitted`` / ``report.submitted`` must not open an approval for a version already recalled."""

    __tablename__ = "early_withdrawals"

    subject_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    withdrawn_by: Mapped[str] = mapped_column(String(120))
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime)


def fold(text: str) -> str:
    """Accent-insensitive search key: ``Kế hoạch Đối ngoại`` → ``ke hoach doi ngoai``."""
    return unidecode(text).lower()


class Assignee:
    """A row of ``task_assignees`` as the mapping needs it; the domain sees plain usernames
    (``Task.assignees``, an association proxy over these)."""

    def __init__(self, username: str) -> None:
        self.username = username


def start_mappers() -> None:
    """Map the approval aggregate onto its tables (once per process: servicekit's ``map_once``)."""
    map_once(Approval, _map_approvals)


def _map_approvals() -> None:
    approvals, tasks = ApprovalRow.__table__, TaskRow.__table__
    decisions, delegations = DecisionRow.__table__, DelegationRow.__table__
    assignees = AssigneeRow.__table__
    registry = Base.registry
    registry.map_imperatively(Assignee, assignees)
    registry.map_imperatively(
        Task,
        tasks,
        properties={
            "_assignees": relationship(Assignee, order_by=assignees.c.username, cascade="all, delete-orphan"),
        },
    )
    Task.assignees = association_proxy("_assignees", "username", creator=Assignee)  # type: ignore[assignment]
    registry.map_imperatively(Decision, decisions, properties={"by": decisions.c.decided_by})
    # The many-to-one tells the flush to insert a level's task before the out-of-office
    # delegation recorded as it opens (both are new in the same unit of work).
    registry.map_imperatively(Delegation, delegations, properties={"_task": relationship(Task, viewonly=False)})
    registry.map_imperatively(Absence, AbsenceRow.__table__)
    registry.map_imperatively(
        Approval,
        approvals,
        properties={
            "subject": composite(
                SubjectContext,
                approvals.c.subject_id,
                approvals.c.subject_version,
                approvals.c.title,
                approvals.c.org_unit,
                approvals.c.province,
                approvals.c.year,
                approvals.c.content_sha256,
                approvals.c.submitted_by,
                approvals.c.created_by,
                approvals.c.edited_by,
                approvals.c.submitters,
                approvals.c.document_type,
                approvals.c.subject_kind,
                approvals.c.activity_ids,
            ),
            # The chain version is kept by key and number; the repository hands the approval
            # the (immutable, cached) chain itself.
            "chain_key": approvals.c.chain_key,
            "chain_version": approvals.c.chain_version,
            "title_folded": approvals.c.title_folded,
            "tasks": relationship(Task, order_by=tasks.c.level),
            "decisions": relationship(Decision, order_by=decisions.c.sequence),
            "delegations": relationship(Delegation, order_by=delegations.c.delegated_at),
        },
    )
    event.listen(Approval, "load", _on_load)
    event.listen(Approval, "before_insert", _before_insert)


def _on_load(approval: Approval, _context: object) -> None:
    approval.events = []  # loading never runs __init__: the aggregate starts with no new events


def _before_insert(_mapper: Mapper[Approval], _connection: Connection, approval: Approval) -> None:
    approval.chain_key = approval.chain.key  # type: ignore[attr-defined]
    approval.chain_version = approval.chain.version  # type: ignore[attr-defined]
    approval.title_folded = fold(approval.subject.title)  # type: ignore[attr-defined]


# What a task list item shows of its task, or filters it by, or (overdue_at: the scheduler's mark) tells
# that its ``overdue`` turned true (views._PAGE_COLUMNS, views.TaskFilter); the reminder is not shown.
_LISTED_OF_TASK = ("_assignees", "status", "level", "role", "scope", "assigned_at", "due_at", "overdue_at")
# … and of its approval.
_LISTED_OF_APPROVAL = (
    "subject_kind",
    "subject_id",
    "subject_version",
    "content_sha256",
    "title",
    "org_unit",
    "province",
    "year",
    "chain_key",
    "chain_version",
    "effective_on",
)


def task_list_changes(session: Session) -> None:
    """After a flush: name everyone whose task list it changed (``servicekit.list_versions.track``),
    found in what the session wrote, whichever use case wrote it — a task opened, closed, handed over
    or marked overdue (its assignees, including those it lost), a delegation (both people),
    an opening (its reader), an approval whose listed fields moved (everyone on its tasks). A decision
    that leaves its task open changes nobody's list: the list does not show who decided."""
    people: set[str] = set()
    for changed in (*session.new, *session.dirty, *session.deleted):
        if isinstance(changed, Task):
            if not _listed_fields_changed(changed, _LISTED_OF_TASK):
                continue
            people.update(changed.assignees)
            people.update(assignee.username for assignee in inspect(changed).attrs["_assignees"].history.deleted)
        elif isinstance(changed, Assignee | OpeningRow):
            people.add(changed.username)
        elif isinstance(changed, Delegation):
            people.update((changed.from_user, changed.to_user))
        elif isinstance(changed, Approval) and _listed_fields_changed(changed, _LISTED_OF_APPROVAL):
            for task in changed.tasks:
                people.update(task.assignees)
    note_changed(session, TaskListVersionRow, people)


def _listed_fields_changed(changed: Task | Approval, names: tuple[str, ...]) -> bool:
    """Only an attribute set since the last flush has its old value in ``committed_state``, so the
    history (which compares old and new) is asked of those alone: most of a flush's objects changed
    none of the listed fields (a decision's closed task did, its approval moved ``current_level``)."""
    state = inspect(changed)
    if state.pending:
        return True
    set_since = state.committed_state
    return any(name in set_since and state.attrs[name].history.has_changes() for name in names)
