"""In-memory stand-ins for the approvals service's ports: no I/O, milliseconds."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from approvals.adapters.repository import AbsenceRepository, ApprovalRepository, ChainRepository, OpeningRepository
from approvals.bootstrap import bootstrap
from approvals.config import ApprovalsSettings
from approvals.domain.chain import ApprovalChain, define_chain
from approvals.domain.model import Absence, Approval, SubjectContext
from approvals.service_layer.handlers import bundled_chain_definitions
from approvals.service_layer.unit_of_work import UnitOfWork, to_cloudevent
from servicekit.calendar import VIETNAM, WorkingCalendar
from servicekit.messagebus import MessageBus
from servicekit.organisations import MemoryCopyStore

from tests.support.orgs import province_of, unit_of

# Thursday 29 Feb 2024, 09:00 in Cao Bằng: when the use-case tests' plan is submitted.
SUBMITTED = datetime(2024, 2, 29, 9, 0, tzinfo=VIETNAM)


@dataclass(frozen=True)
class Person:
    username: str
    org_unit: str | None
    province: str | None
    display_name: str = ""
    position: str = ""


def _person(username: str, name: str = "", position: str = "") -> Person:
    return Person(username, unit_of(username), province_of(username), name, position)


# The demo realm's approvers (infra/keycloak/realm-ttdn.json), by role.
PEOPLE: dict[str, list[Person]] = {
    "dept_approver": [_person(f"dept.{p}") for p in ("bk", "kt", "ls", "qb")]
    + [
        _person("dept.cb", "Hoàng Văn Minh", "Phó Giám đốc"),
        _person("dual.cb", "Lương Thị Thu", "Phó Trưởng phòng"),
    ],
    "province_approver": [_person(f"province.{p}") for p in ("cb", "bk", "kt", "ls", "qb")],
    "ministry_approver": [_person("ministry.1"), _person("ministry.2")],
}


class FakeDirectory:
    def __init__(self, people: dict[str, list[Person]] | None = None) -> None:
        self.people = copy.deepcopy(people if people is not None else PEOPLE)
        self.lookups = 0

    def role_members(self, role: str) -> Sequence[Person]:
        self.lookups += 1
        return list(self.people.get(role, []))

    def eligible(self, role: str, scope: str, *, org_unit: str | None, province: str | None) -> Sequence[Person]:
        def fits(person: Person) -> bool:
            if scope == "org_unit":
                return person.org_unit == org_unit
            if scope == "province":
                return person.province == province
            return True

        return [person for person in self.role_members(role) if fits(person)]


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FakeChains(ChainRepository):
    def __init__(self) -> None:
        self.chains: list[ApprovalChain] = []

    def add(self, chain: ApprovalChain) -> None:
        if self.get(chain.key, chain.version) is not None:
            raise ValueError("version exists")
        self.chains.append(chain)

    def get(self, key: str, version: int) -> ApprovalChain | None:
        return next((c for c in self.chains if c.key == key and c.version == version), None)

    def versions(self, key: str) -> list[ApprovalChain]:
        return sorted((c for c in self.chains if c.key == key), key=lambda c: c.version)

    def all_keys(self) -> list[str]:
        return sorted({c.key for c in self.chains})


class FakeApprovals(ApprovalRepository):
    def __init__(self) -> None:
        super().__init__()
        self.store: dict[str, Approval] = {}
        self.withdrawn: set[tuple[str, str, int]] = set()

    def note_early_withdrawal(self, kind: str, subject_id: str, version: int, *, by: str, at: datetime) -> None:
        self.withdrawn.add((kind, subject_id, version))

    def was_withdrawn(self, kind: str, subject_id: str, version: int) -> bool:
        return (kind, subject_id, version) in self.withdrawn

    def _add(self, approval: Approval) -> None:
        self.store[approval.id] = approval

    def _get(self, approval_id: str) -> Approval | None:
        return self.store.get(approval_id)

    def _get_by_task(self, task_id: str, for_update: bool) -> Approval | None:
        return next((a for a in self.store.values() if any(t.id == task_id for t in a.tasks)), None)

    def _for_subject_version(self, kind: str, subject_id: str, version: int, for_update: bool) -> Approval | None:
        return next(
            (
                a
                for a in self.store.values()
                if (a.subject.kind, a.subject.id, a.subject.version) == (kind, subject_id, version)
            ),
            None,
        )

    def _latest_for_subject(self, kind: str, subject_id: str) -> Approval | None:
        mine = [a for a in self.store.values() if (a.subject.kind, a.subject.id) == (kind, subject_id)]
        return max(mine, key=lambda a: a.subject.version) if mine else None

    def save_all(self) -> None:
        """The objects in ``store`` are the stored state already."""

    def _with_timers_due(self, now: datetime, limit: int) -> list[Approval]:
        return [
            a for a in self.store.values() if any(t.reminder_due(now) or t.overdue_unannounced(now) for t in a.tasks)
        ][:limit]

    def _belonging_to(self, organisation_ids: list[str]) -> list[Approval]:
        return [
            a
            for a in self.store.values()
            if a.is_open and (a.subject.org_unit in organisation_ids or a.subject.province in organisation_ids)
        ]


class FakeAbsences(AbsenceRepository):
    def __init__(self) -> None:
        super().__init__()
        self.store: dict[str, Absence] = {}

    def add(self, absence: Absence) -> None:
        self.store[absence.id] = absence

    def get(self, absence_id: str) -> Absence | None:
        return self.store.get(absence_id)

    def of(self, username: str) -> list[Absence]:
        return sorted((a for a in self.store.values() if a.username == username), key=lambda a: a.starts_on)[::-1]

    def _covering(self, usernames: list[str], day: date) -> list[Absence]:
        return [a for a in self.store.values() if a.username in usernames and a.covers(day)]


class FakeOpenings(OpeningRepository):
    def __init__(self) -> None:
        self.store: dict[tuple[str, str], datetime] = {}

    def record(self, task_id: str, username: str, at: datetime) -> bool:
        if (task_id, username) in self.store:
            return False
        self.store[(task_id, username)] = at
        return True

    def opened(self, task_ids: Iterable[str], username: str) -> set[str]:
        return {task_id for task_id in task_ids if (task_id, username) in self.store}


class FakeUnitOfWork(UnitOfWork):
    """Shares its stores across uses, like a database; events land in ``published``
    (as the CloudEvents the outbox would hold) only when the work ends without an error."""

    def __init__(self) -> None:
        self.approvals = FakeApprovals()
        self.chains = FakeChains()
        self.absences = FakeAbsences()
        self.openings = FakeOpenings()
        self.organisations = MemoryCopyStore()
        self.published: list = []
        self.loose_events: list = []
        self.commits = 0

    def _begin(self) -> None:
        self.approvals.seen = []

    def _write_back(self) -> None:
        """The objects in the stores are the stored state already."""

    def _record(self, events: list) -> None:  # type: ignore[override]
        self.published.extend(to_cloudevent(event) for event in events)

    def _commit(self) -> None:
        self.commits += 1

    def names(self) -> list[str]:
        return [event.name for event in self.published]

    def of(self, name: str) -> list[dict]:
        return [event.data for event in self.published if event.name == name]


def default_chain(version: int = 1, **level_changes: dict) -> ApprovalChain:
    document = copy.deepcopy(bundled_chain_definitions()["ttdn-plan"])
    for index, changes in level_changes.items():
        document["levels"][int(index.removeprefix("level")) - 1].update(changes)
    return define_chain(
        "ttdn-plan", version, document, published_by="system", published_at=datetime(2024, 1, 2, tzinfo=UTC)
    )


def make_bus(clock: FakeClock, directory: FakeDirectory | None = None) -> MessageBus:
    """The use cases over fakes, wired by the service's own bootstrap (each test hands
    the bus its FakeUnitOfWork, which shares its stores across uses like a database)."""
    return bootstrap(
        ApprovalsSettings(reminder_share=0.5, extra_holidays=""),
        uow=FakeUnitOfWork,
        directory=directory or FakeDirectory(),
        clock=clock,
        calendar=WorkingCalendar(),
    )


# What Cao Bằng's documents of 2024 have in common: the drafting unit, its province, the year, who drafted.
CAO_BANG_2024 = {
    "org_unit": "svhttdl-cao-bang",
    "province": "ubnd-cao-bang",
    "year": 2024,
    "submitted_by": "drafter.cb",
    "created_by": "drafter.cb",
}


# Cao Bằng's 2024 plan (seed 000: the border training, Báo Cao Bằng's items, Thác Bản Giốc cluster).
def cao_bang_plan(version: int = 1, **changes: object) -> SubjectContext:
    if "plan_id" in changes:  # the older name of the subject's id
        changes["id"] = changes.pop("plan_id")
    fields: dict = {
        **CAO_BANG_2024,
        "id": "6f1c2b1e-3d4a-4c1b-9a55-0b1e2c3d4e01",
        "version": version,
        "title": "Kế hoạch hoạt động thông tin đối ngoại năm 2024",
        "content_sha256": "9b2f3c0d5c1e4a7b8e6f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f",
        "edited_by": ("drafter.cb", "drafter2.cb"),
    }
    return SubjectContext(**{**fields, **changes})


# Cao Bằng's 2024 year-end report on that plan (seed 000's results), under the report chain.
def cao_bang_report(version: int = 1, **changes: object) -> SubjectContext:
    fields: dict = {
        **CAO_BANG_2024,
        "id": "8e2a4c6b-1f3d-4b5a-9c7e-2d4f6a8b0c35",
        "version": version,
        "title": "Báo cáo tổng kết công tác thông tin đối ngoại năm 2024",
        "content_sha256": "7c1e5a9d3b0f4e8a2c6d1b5f9e3a7c0d4b8f2e6a1c5d9b3f7e0a4c8d2b6f1e5a",
        "edited_by": ("drafter.cb",),
        "document_type": "annual",
        "kind": "report",
    }
    return SubjectContext(**{**fields, **changes})
