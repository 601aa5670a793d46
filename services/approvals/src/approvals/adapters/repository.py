"""Repositories: the aggregate in and out of the database, rows ↔ domain objects."""

from __future__ import annotations

import abc
import threading
from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload
from unidecode import unidecode

from ..domain.chain import ApprovalChain, define_chain
from ..domain.model import Approval, Decision, Delegation, PlanContext, Task
from . import orm


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without their zone; everything we store is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def fold(text: str) -> str:
    """Accent-insensitive search key: ``Kế hoạch Đối ngoại`` → ``ke hoach doi ngoai``."""
    return unidecode(text).lower()


class ChainRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, chain: ApprovalChain) -> None: ...

    @abc.abstractmethod
    def get(self, key: str, version: int) -> ApprovalChain | None: ...

    @abc.abstractmethod
    def versions(self, key: str) -> list[ApprovalChain]: ...

    @abc.abstractmethod
    def all_keys(self) -> list[str]: ...

    def latest(self, key: str) -> ApprovalChain | None:
        versions = self.versions(key)
        return versions[-1] if versions else None


class ApprovalRepository(abc.ABC):
    def __init__(self) -> None:
        self.seen: list[Approval] = []

    def _track(self, approval: Approval | None) -> Approval | None:
        if approval is not None and all(approval is not other for other in self.seen):
            self.seen.append(approval)
        return approval

    def add(self, approval: Approval) -> None:
        self._add(approval)
        self._track(approval)

    def get(self, approval_id: str) -> Approval | None:
        return self._track(self._get(approval_id))

    def get_by_task(self, task_id: str, *, for_update: bool = False) -> Approval | None:
        return self._track(self._get_by_task(task_id, for_update))

    def for_plan_version(self, plan_id: str, version: int, *, for_update: bool = False) -> Approval | None:
        return self._track(self._for_plan_version(plan_id, version, for_update))

    def latest_for_plan(self, plan_id: str) -> Approval | None:
        return self._track(self._latest_for_plan(plan_id))

    def with_timers_due(self, now: datetime, *, limit: int) -> list[Approval]:
        """Open approvals whose open task owes a reminder or an overdue notice at ``now``."""
        return [a for a in self._with_timers_due(now, limit) if self._track(a) is not None]

    @abc.abstractmethod
    def note_early_withdrawal(self, plan_id: str, version: int, *, by: str, at: datetime) -> None:
        """Remember a withdrawal of a version that has no approval (yet)."""

    @abc.abstractmethod
    def was_withdrawn(self, plan_id: str, version: int) -> bool: ...

    @abc.abstractmethod
    def save_all(self) -> None:
        """Write back every aggregate this unit of work touched."""

    @abc.abstractmethod
    def _add(self, approval: Approval) -> None: ...
    @abc.abstractmethod
    def _get(self, approval_id: str) -> Approval | None: ...
    @abc.abstractmethod
    def _get_by_task(self, task_id: str, for_update: bool) -> Approval | None: ...
    @abc.abstractmethod
    def _for_plan_version(self, plan_id: str, version: int, for_update: bool) -> Approval | None: ...
    @abc.abstractmethod
    def _latest_for_plan(self, plan_id: str) -> Approval | None: ...
    @abc.abstractmethod
    def _with_timers_due(self, now: datetime, limit: int) -> list[Approval]: ...


# -- SQL ----------------------------------------------------------------------

# Published chain versions never change, so every process may keep them once read.
_chain_cache: dict[tuple[str, str, int], ApprovalChain] = {}
_chain_cache_lock = threading.Lock()


def _chain_from_row(row: orm.ChainRow, database: str) -> ApprovalChain:
    cache_key = (database, row.key, row.version)
    cached = _chain_cache.get(cache_key)
    if cached is None:
        cached = define_chain(
            row.key, row.version, row.definition, published_by=row.published_by, published_at=aware(row.published_at)
        )
        with _chain_cache_lock:
            _chain_cache[cache_key] = cached
    return cached


class SqlChainRepository(ChainRepository):
    def __init__(self, session: Session) -> None:
        self.session = session
        self._database = str(session.get_bind().engine.url)

    def add(self, chain: ApprovalChain) -> None:
        self.session.add(
            orm.ChainRow(
                key=chain.key,
                version=chain.version,
                definition=chain.definition(),
                published_by=chain.published_by,
                published_at=chain.published_at,
            )
        )
        self.session.flush()  # a concurrent publisher of the same version fails here, not later

    def get(self, key: str, version: int) -> ApprovalChain | None:
        cached = _chain_cache.get((self._database, key, version))
        if cached is not None:
            return cached
        row = self.session.get(orm.ChainRow, (key, version))
        return _chain_from_row(row, self._database) if row else None

    def versions(self, key: str) -> list[ApprovalChain]:
        rows = self.session.scalars(select(orm.ChainRow).where(orm.ChainRow.key == key).order_by(orm.ChainRow.version))
        return [_chain_from_row(row, self._database) for row in rows]

    def latest(self, key: str) -> ApprovalChain | None:
        row = self.session.scalars(
            select(orm.ChainRow).where(orm.ChainRow.key == key).order_by(orm.ChainRow.version.desc()).limit(1)
        ).first()
        return _chain_from_row(row, self._database) if row else None

    def all_keys(self) -> list[str]:
        return list(self.session.scalars(select(orm.ChainRow.key).distinct().order_by(orm.ChainRow.key)))


class SqlApprovalRepository(ApprovalRepository):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.chains = SqlChainRepository(session)
        self._rows: dict[str, orm.ApprovalRow] = {}

    # -- reading
    def _load(self, row: orm.ApprovalRow | None) -> Approval | None:
        if row is None:
            return None
        self._rows[row.id] = row
        chain = self.chains.get(row.chain_key, row.chain_version)
        assert chain is not None, "an approval always refers to a published chain version"
        plan = PlanContext(
            plan_id=row.plan_id,
            version=row.plan_version,
            title=row.title,
            org_unit=row.org_unit,
            province=row.province,
            year=row.year,
            content_sha256=row.content_sha256,
            submitted_by=row.submitted_by,
            created_by=row.created_by,
            edited_by=tuple(row.edited_by or ()),
            submitters=tuple(row.submitters or ()),
            plan_type=row.plan_type,
        )
        return Approval(
            id=row.id,
            plan=plan,
            chain=chain,
            started_at=aware(row.started_at),
            status=row.status,
            current_level=row.current_level,
            completed_at=aware(row.completed_at),
            tasks=[_task(task) for task in row.tasks],
            decisions=[_decision(d) for d in row.decisions],
            delegations=[
                Delegation(d.id, d.task_id, d.from_user, d.to_user, d.comment, aware(d.delegated_at))
                for d in row.delegations
            ],
        )

    def _query(self, for_update: bool = False) -> Any:
        # The whole aggregate in one round trip: a few levels, people and decisions.
        query = select(orm.ApprovalRow).options(
            joinedload(orm.ApprovalRow.tasks).joinedload(orm.TaskRow.assignees),
            joinedload(orm.ApprovalRow.decisions),
            joinedload(orm.ApprovalRow.delegations),
        )
        if for_update:
            query = query.with_for_update(of=orm.ApprovalRow)
        return query

    def _one(self, query: Any) -> Approval | None:
        return self._load(self.session.scalars(query).unique().first())

    def _locked(self, condition: Any) -> Approval | None:
        """Lock the approval row, then read the aggregate in a statement of its own: under
        READ COMMITTED the second statement sees what a decider we waited for committed
        (a locking join would hand back the joined rows as they were before the wait)."""
        approval_id = self.session.scalar(select(orm.ApprovalRow.id).where(condition).with_for_update())
        if approval_id is None:
            return None
        return self._one(self._query().where(orm.ApprovalRow.id == approval_id))

    def _get(self, approval_id: str) -> Approval | None:
        return self._one(self._query().where(orm.ApprovalRow.id == approval_id))

    def _get_by_task(self, task_id: str, for_update: bool) -> Approval | None:
        owner = select(orm.TaskRow.approval_id).where(orm.TaskRow.id == task_id).scalar_subquery()
        if for_update:
            return self._locked(orm.ApprovalRow.id == owner)
        return self._one(self._query().where(orm.ApprovalRow.id == owner))

    def _for_plan_version(self, plan_id: str, version: int, for_update: bool) -> Approval | None:
        condition = (orm.ApprovalRow.plan_id == plan_id) & (orm.ApprovalRow.plan_version == version)
        if for_update:
            return self._locked(condition)
        return self._one(self._query().where(condition))

    def _latest_for_plan(self, plan_id: str) -> Approval | None:
        latest = (
            select(orm.ApprovalRow.id)
            .where(orm.ApprovalRow.plan_id == plan_id)
            .order_by(orm.ApprovalRow.plan_version.desc())
            .limit(1)
            .scalar_subquery()
        )
        return self._one(self._query().where(orm.ApprovalRow.id == latest))

    def _with_timers_due(self, now: datetime, limit: int) -> list[Approval]:
        due = (
            select(orm.TaskRow.approval_id)
            .where(
                orm.TaskRow.status == "open",
                or_(
                    (orm.TaskRow.reminded_at.is_(None)) & (orm.TaskRow.remind_at <= now),
                    (orm.TaskRow.overdue_at.is_(None)) & (orm.TaskRow.due_at < now),
                ),
            )
            .order_by(orm.TaskRow.due_at)
            .limit(limit)
        )
        # SKIP LOCKED: a second scheduler replica takes other approvals, never the same reminder twice.
        query = self._query(for_update=False).where(orm.ApprovalRow.id.in_(due))
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=orm.ApprovalRow, skip_locked=True)
        return [a for a in (self._load(row) for row in self.session.scalars(query).unique()) if a is not None]

    def was_withdrawn(self, plan_id: str, version: int) -> bool:
        return self.session.get(orm.WithdrawalRow, (plan_id, version)) is not None

    # -- writing
    def note_early_withdrawal(self, plan_id: str, version: int, *, by: str, at: datetime) -> None:
        if not self.was_withdrawn(plan_id, version):
            self.session.add(orm.WithdrawalRow(plan_id=plan_id, plan_version=version, withdrawn_by=by, withdrawn_at=at))

    def _add(self, approval: Approval) -> None:
        plan = approval.plan
        row = orm.ApprovalRow(
            id=approval.id,
            plan_id=plan.plan_id,
            plan_version=plan.version,
            title=plan.title,
            title_folded=fold(plan.title),
            org_unit=plan.org_unit,
            province=plan.province,
            year=plan.year,
            plan_type=plan.plan_type,
            content_sha256=plan.content_sha256,
            created_by=plan.created_by,
            edited_by=list(plan.edited_by),
            submitted_by=plan.submitted_by,
            submitters=list(plan.submitters),
            chain_key=approval.chain.key,
            chain_version=approval.chain.version,
            status=approval.status,
            current_level=approval.current_level,
            started_at=approval.started_at,
            completed_at=approval.completed_at,
        )
        row.tasks = []
        row.decisions = []
        row.delegations = []
        self.session.add(row)
        self._rows[approval.id] = row

    def save_all(self) -> None:
        for approval in self.seen:
            self._save(approval)

    def _save(self, approval: Approval) -> None:
        row = self._rows[approval.id]
        row.status = approval.status
        row.current_level = approval.current_level
        row.completed_at = approval.completed_at
        task_rows = {task.id: task for task in row.tasks}
        for task in approval.tasks:
            task_row = task_rows.get(task.id)
            if task_row is None:
                task_row = orm.TaskRow(
                    id=task.id,
                    approval_id=approval.id,
                    level=task.level,
                    role=task.role,
                    scope=task.scope,
                    required_approvals=task.required_approvals,
                    assigned_at=task.assigned_at,
                    due_at=task.due_at,
                    remind_at=task.remind_at,
                )
                task_row.assignees = []
                row.tasks.append(task_row)
            task_row.status = task.status
            task_row.closed_at = task.closed_at
            task_row.reminded_at = task.reminded_at
            task_row.overdue_at = task.overdue_at
            current = {assignee.username for assignee in task_row.assignees}
            if current != set(task.assignees):
                task_row.assignees = [a for a in task_row.assignees if a.username in task.assignees] + [
                    orm.AssigneeRow(username=name) for name in task.assignees if name not in current
                ]
        stored = {d.id for d in row.decisions}
        for decision in approval.decisions:
            if decision.id not in stored:
                row.decisions.append(
                    orm.DecisionRow(
                        id=decision.id,
                        approval_id=approval.id,
                        task_id=decision.task_id,
                        sequence=decision.sequence,
                        level=decision.level,
                        decision=decision.decision,
                        comment=decision.comment,
                        decided_by=decision.by,
                        decided_at=decision.decided_at,
                        content_sha256=decision.content_sha256,
                        previous_hash=decision.previous_hash,
                        hash=decision.hash,
                    )
                )
        stored = {d.id for d in row.delegations}
        for delegation in approval.delegations:
            if delegation.id not in stored:
                row.delegations.append(
                    orm.DelegationRow(
                        id=delegation.id,
                        approval_id=approval.id,
                        task_id=delegation.task_id,
                        from_user=delegation.from_user,
                        to_user=delegation.to_user,
                        comment=delegation.comment,
                        delegated_at=delegation.delegated_at,
                    )
                )


def _task(row: orm.TaskRow) -> Task:
    return Task(
        id=row.id,
        approval_id=row.approval_id,
        level=row.level,
        role=row.role,
        scope=row.scope,
        assignees=sorted(a.username for a in row.assignees),
        required_approvals=row.required_approvals,
        assigned_at=aware(row.assigned_at),
        due_at=aware(row.due_at),
        remind_at=aware(row.remind_at),
        status=row.status,
        closed_at=aware(row.closed_at),
        reminded_at=aware(row.reminded_at),
        overdue_at=aware(row.overdue_at),
    )


def _decision(row: orm.DecisionRow) -> Decision:
    return Decision(
        id=row.id,
        approval_id=row.approval_id,
        task_id=row.task_id,
        sequence=row.sequence,
        level=row.level,
        decision=row.decision,
        comment=row.comment,
        by=row.decided_by,
        decided_at=aware(row.decided_at),
        content_sha256=row.content_sha256,
        previous_hash=row.previous_hash,
        hash=row.hash,
    )
