"""Repositories: the aggregate in and out of the database, rows ↔ domain objects."""

from __future__ import annotations

import abc
import functools
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session, joinedload

from ..domain.chain import ApprovalChain, define_chain, in_force
from ..domain.model import Absence, Approval, OrganisationNames, Task
from . import orm
from .orm import fold

__all__ = [
    "AbsenceRepository",
    "ApprovalRepository",
    "ChainRepository",
    "OpeningRepository",
    "SqlAbsenceRepository",
    "SqlApprovalRepository",
    "SqlChainRepository",
    "SqlOpeningRepository",
    "fold",
]


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

    def in_force(self, key: str, day: date) -> ApprovalChain | None:
        """The version of ``key`` that applies to a document dated ``day`` (``chain.in_force``)."""
        return in_force(self.versions(key), day)


class ApprovalRepository(abc.ABC):
    def __init__(self) -> None:
        self.seen: list[Approval] = []
        # The organisation registry's copy the approvals read their level names from (none: the chain's).
        self.names: OrganisationNames | None = None
        # Where ``names`` comes from while unset: asked once, when the first approval is tracked, so a
        # use case that touches no approval (an ``organisation.*`` event) never reads the copy.
        self.read_names: Callable[[], OrganisationNames | None] | None = None

    def _track(self, approval: Approval | None) -> Approval | None:
        if approval is not None:
            if self.names is None and self.read_names is not None:
                self.names, self.read_names = self.read_names(), None
            if self.names is not None:
                approval.names = self.names
            if all(approval is not other for other in self.seen):
                self.seen.append(approval)
        return approval

    def belonging_to(self, organisation_ids: Iterable[str]) -> list[Approval]:
        """The open approvals whose document belongs to one of ``organisation_ids`` (its unit or its
        province), locked for update: a dissolved body's documents in flight."""
        wanted = sorted(set(organisation_ids))
        if not wanted:
            return []
        return [a for a in self._belonging_to(wanted) if self._track(a) is not None]

    def _belonging_to(self, organisation_ids: list[str]) -> list[Approval]:
        raise NotImplementedError

    def add(self, approval: Approval) -> None:
        self._add(approval)
        self._track(approval)

    def get(self, approval_id: str) -> Approval | None:
        return self._track(self._get(approval_id))

    def get_by_task(self, task_id: str, *, for_update: bool = False) -> Approval | None:
        return self._track(self._get_by_task(task_id, for_update))

    def for_subject_version(
        self, kind: str, subject_id: str, version: int, *, for_update: bool = False
    ) -> Approval | None:
        return self._track(self._for_subject_version(kind, subject_id, version, for_update))

    def latest_for_subject(self, kind: str, subject_id: str) -> Approval | None:
        return self._track(self._latest_for_subject(kind, subject_id))

    def with_timers_due(self, now: datetime, *, limit: int) -> list[Approval]:
        """Open approvals whose open task owes a reminder or an overdue notice at ``now``."""
        return [a for a in self._with_timers_due(now, limit) if self._track(a) is not None]

    @abc.abstractmethod
    def note_early_withdrawal(self, kind: str, subject_id: str, version: int, *, by: str, at: datetime) -> None:
        """Remember a withdrawal of a version that has no approval (yet)."""

    @abc.abstractmethod
    def was_withdrawn(self, kind: str, subject_id: str, version: int) -> bool: ...

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
    def _for_subject_version(self, kind: str, subject_id: str, version: int, for_update: bool) -> Approval | None: ...
    @abc.abstractmethod
    def _latest_for_subject(self, kind: str, subject_id: str) -> Approval | None: ...
    @abc.abstractmethod
    def _with_timers_due(self, now: datetime, limit: int) -> list[Approval]: ...


class AbsenceRepository(abc.ABC):
    """Approvers' out-of-office periods."""

    def __init__(self) -> None:
        # The day a decision may open a level on: the approval's lock asks whether any absence is in
        # force then (``SqlApprovalRepository``), and the days found with none need no covering read.
        self.asked_on: date | None = None
        self.none_in_force: set[date] = set()

    def ask_on(self, day: date) -> None:
        """Let the next approval locked in this unit of work also say whether any absence is in force on
        ``day``: on most days none is, and a level opening then offers its task without reading periods."""
        self.asked_on = day

    def answered(self, day: date, any_in_force: bool) -> None:
        self.asked_on = None
        if not any_in_force:
            self.none_in_force.add(day)

    @abc.abstractmethod
    def add(self, absence: Absence) -> None: ...

    @abc.abstractmethod
    def get(self, absence_id: str) -> Absence | None: ...

    @abc.abstractmethod
    def of(self, username: str) -> list[Absence]:
        """Every period ``username`` recorded, the latest start first."""

    def covering(self, usernames: Iterable[str], day: date) -> dict[str, Absence]:
        """Who of ``usernames`` is away on ``day``, with the period (the latest recorded wins)."""
        found: dict[str, Absence] = {}
        if day in self.none_in_force:
            return found
        for absence in self._covering(sorted(set(usernames)), day):
            current = found.get(absence.username)
            if current is None or absence.created_at > current.created_at:
                found[absence.username] = absence
        return found

    @abc.abstractmethod
    def _covering(self, usernames: list[str], day: date) -> list[Absence]: ...


class OpeningRepository(abc.ABC):
    """Which decision pages each approver has opened."""

    @abc.abstractmethod
    def record(self, task_id: str, username: str, at: datetime) -> bool:
        """Note the opening (the first one counts); true when it is new."""

    @abc.abstractmethod
    def opened(self, task_ids: Iterable[str], username: str) -> set[str]: ...


# -- SQL ----------------------------------------------------------------------

# Published chain versions never change, so every process may keep them once read.
_chain_cache: dict[tuple[str, str, int], ApprovalChain] = {}
_chain_cache_lock = threading.Lock()


def _chain_from_row(row: orm.ChainRow, database: str) -> ApprovalChain:
    cache_key = (database, row.key, row.version)
    cached = _chain_cache.get(cache_key)
    if cached is None:
        cached = define_chain(
            row.key,
            row.version,
            row.definition,
            published_by=row.published_by,
            published_at=row.published_at,
            valid_from=row.valid_from,
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
                valid_from=chain.valid_from,
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
    """Approvals are mapped onto their tables (``orm.start_mappers``): the session tracks
    the aggregate, so there is nothing to copy and nothing to write back by hand."""

    def __init__(self, session: Session, absences: AbsenceRepository | None = None) -> None:
        super().__init__()
        self.session = session
        self.chains = SqlChainRepository(session)
        self.absences = absences

    # -- reading
    def _with_chain(self, approval: Approval | None) -> Approval | None:
        if approval is not None:
            chain = self.chains.get(approval.chain_key, approval.chain_version)  # type: ignore[attr-defined]
            assert chain is not None, "an approval always refers to a published chain version"
            approval.chain = chain
        return approval

    def _query(self) -> Any:
        return _aggregate()

    def _one(self, query: Any, parameters: dict[str, Any] | None = None) -> Approval | None:
        return self._with_chain(self.session.scalars(query, parameters).unique().first())

    def _by_id(self, approval_id: str) -> Approval | None:
        return self._one(_aggregate_by_id(), {"approval_id": approval_id})

    def _locked(self, lock: Any, parameters: dict[str, Any]) -> Approval | None:
        """Lock the approval row (``lock`` selects its id FOR UPDATE), then read the aggregate in a
        statement of its own: under READ COMMITTED the second statement sees what a decider we
        waited for committed (a locking join would hand back the joined rows as they were before
        the wait)."""
        approval_id = self.session.scalar(lock, parameters)
        if approval_id is None:
            return None
        return self._by_id(approval_id)

    def _get(self, approval_id: str) -> Approval | None:
        return self._by_id(approval_id)

    def _get_by_task(self, task_id: str, for_update: bool) -> Approval | None:
        absences = self.absences
        if for_update and absences is not None and absences.asked_on is not None:
            # One statement for the lock and the absences' question (a round trip less for a level opening).
            day = absences.asked_on
            locked = self.session.execute(_lock_by_task_asking_absences(), {"task_id": task_id, "day": day}).first()
            if locked is None:
                return None
            absences.answered(day, bool(locked[1]))
            return self._by_id(locked[0])
        if for_update:
            return self._locked(_lock_by_task(), {"task_id": task_id})
        return self._one(_aggregate_by_task(), {"task_id": task_id})

    def _for_subject_version(self, kind: str, subject_id: str, version: int, for_update: bool) -> Approval | None:
        parameters = {"kind": kind, "subject_id": subject_id, "version": version}
        if for_update:
            return self._locked(_lock_by_subject_version(), parameters)
        return self._one(_aggregate_by_subject_version(), parameters)

    def _latest_for_subject(self, kind: str, subject_id: str) -> Approval | None:
        latest = (
            select(APPROVALS.c.id)
            .where(APPROVALS.c.subject_kind == kind, APPROVALS.c.subject_id == subject_id)
            .order_by(APPROVALS.c.subject_version.desc())
            .limit(1)
            .scalar_subquery()
        )
        return self._one(self._query().where(APPROVALS.c.id == latest))

    def _with_timers_due(self, now: datetime, limit: int) -> list[Approval]:
        due = (
            select(TASKS.c.approval_id)
            .where(
                TASKS.c.status == "open",
                or_(
                    (TASKS.c.reminded_at.is_(None)) & (TASKS.c.remind_at <= now),
                    (TASKS.c.overdue_at.is_(None)) & (TASKS.c.due_at < now),
                ),
            )
            .order_by(TASKS.c.due_at)
            .limit(limit)
        )
        # SKIP LOCKED: a second scheduler replica takes other approvals, never the same reminder twice.
        query = self._query().where(APPROVALS.c.id.in_(due))
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=APPROVALS, skip_locked=True)
        found = (self._with_chain(approval) for approval in self.session.scalars(query).unique())
        return [approval for approval in found if approval is not None]

    def _belonging_to(self, organisation_ids: list[str]) -> list[Approval]:
        ids = (
            select(APPROVALS.c.id)
            .where(
                APPROVALS.c.status == "open",
                or_(APPROVALS.c.org_unit.in_(organisation_ids), APPROVALS.c.province.in_(organisation_ids)),
            )
            .order_by(APPROVALS.c.id)
            .with_for_update()
        )
        found = []
        for approval_id in list(self.session.scalars(ids)):
            approval = self._by_id(approval_id)
            if approval is not None:
                found.append(approval)
        return found

    def was_withdrawn(self, kind: str, subject_id: str, version: int) -> bool:
        return self.session.get(orm.WithdrawalRow, (kind, subject_id, version)) is not None

    # -- writing
    def note_early_withdrawal(self, kind: str, subject_id: str, version: int, *, by: str, at: datetime) -> None:
        if not self.was_withdrawn(kind, subject_id, version):
            self.session.add(
                orm.WithdrawalRow(
                    subject_kind=kind, subject_id=subject_id, subject_version=version, withdrawn_by=by, withdrawn_at=at
                )
            )

    def _add(self, approval: Approval) -> None:
        self.session.add(approval)

    def save_all(self) -> None:
        """The session tracks the approvals it loaded or was given; flushing writes them."""


class SqlAbsenceRepository(AbsenceRepository):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def add(self, absence: Absence) -> None:
        self.session.add(absence)

    def get(self, absence_id: str) -> Absence | None:
        return self.session.get(Absence, absence_id)

    def of(self, username: str) -> list[Absence]:
        query = (
            select(Absence)
            .where(ABSENCES.c.username == username)
            .order_by(ABSENCES.c.starts_on.desc(), ABSENCES.c.created_at.desc())
        )
        return list(self.session.scalars(query))

    def _covering(self, usernames: list[str], day: date) -> list[Absence]:
        """Plain rows, not tracked objects (the periods are only read here), read without flushing
        the session first: no use case changes an absence before it asks this, and a level opening
        mid-decision would otherwise flush the decision on its own, only for the unit of work to
        flush the rest at its end."""
        if not usernames:
            return []
        with self.session.no_autoflush:
            rows = self.session.execute(_COVERING, {"usernames": usernames, "day": day})
            return [Absence(**row._mapping) for row in rows]


class SqlOpeningRepository(OpeningRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, task_id: str, username: str, at: datetime) -> bool:
        if self.session.get(orm.OpeningRow, (task_id, username)) is not None:
            return False
        self.session.add(orm.OpeningRow(task_id=task_id, username=username, opened_at=at))
        return True

    def opened(self, task_ids: Iterable[str], username: str) -> set[str]:
        wanted = sorted(set(task_ids))
        if not wanted:
            return set()
        query = select(orm.OpeningRow.task_id).where(
            orm.OpeningRow.username == username, orm.OpeningRow.task_id.in_(wanted)
        )
        return set(self.session.scalars(query))


APPROVALS = orm.ApprovalRow.__table__
ABSENCES = orm.AbsenceRow.__table__
TASKS = orm.TaskRow.__table__


# The statements of a decision's path, each built once per process (once the aggregate is mapped):
# a statement built anew on every call costs its construction and its cache key, about as much CPU
# as running a small statement; a kept one has both already.


@functools.cache
def _aggregate() -> Any:
    """The whole aggregate in one round trip: a few levels, people and decisions."""
    return select(Approval).options(
        joinedload(Approval.tasks).joinedload(Task._assignees),  # type: ignore[attr-defined]
        joinedload(Approval.decisions),  # type: ignore[arg-type]
        joinedload(Approval.delegations),  # type: ignore[arg-type]
    )


def _owner_of_task() -> Any:
    return select(TASKS.c.approval_id).where(TASKS.c.id == bindparam("task_id")).scalar_subquery()


@functools.cache
def _aggregate_by_id() -> Any:
    return _aggregate().where(APPROVALS.c.id == bindparam("approval_id"))


@functools.cache
def _aggregate_by_task() -> Any:
    return _aggregate().where(APPROVALS.c.id == _owner_of_task())


@functools.cache
def _lock_by_task() -> Any:
    return select(APPROVALS.c.id).where(APPROVALS.c.id == _owner_of_task()).with_for_update()


@functools.cache
def _lock_by_task_asking_absences() -> Any:
    """The lock, and whether any absence is in force on ``day`` (ix_absences_in_force: the periods not
    ended by then, so the past ones are never read)."""
    day = bindparam("day")
    in_force = (
        select(ABSENCES.c.id)
        .where(ABSENCES.c.ends_on >= day, ABSENCES.c.starts_on <= day, ABSENCES.c.cancelled_at.is_(None))
        .exists()
    )
    return select(APPROVALS.c.id, in_force).where(APPROVALS.c.id == _owner_of_task()).with_for_update(of=APPROVALS)


def _subject_version() -> Any:
    return (
        (APPROVALS.c.subject_kind == bindparam("kind"))
        & (APPROVALS.c.subject_id == bindparam("subject_id"))
        & (APPROVALS.c.subject_version == bindparam("version"))
    )


@functools.cache
def _aggregate_by_subject_version() -> Any:
    return _aggregate().where(_subject_version())


@functools.cache
def _lock_by_subject_version() -> Any:
    return select(APPROVALS.c.id).where(_subject_version()).with_for_update()


_COVERING = select(*ABSENCES.c).where(
    ABSENCES.c.username.in_(bindparam("usernames", expanding=True)),
    ABSENCES.c.starts_on <= bindparam("day"),
    ABSENCES.c.ends_on >= bindparam("day"),
    ABSENCES.c.cancelled_at.is_(None),
)
