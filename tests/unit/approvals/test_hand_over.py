"""Documents in flight when their body is dissolved pass to the successor's approvers: the
approval keeps its chain version and its level, only the assignees are resolved anew (with a
full SLA again); the copy of the organisation registry that decides it is kept from
``organisation.*`` events, whatever their order and however often they come."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from approvals.domain import commands
from approvals.domain.model import Actor, Approval
from servicekit.calendar import VIETNAM
from servicekit.contracts import events as contract
from servicekit.organisations import MemoryCopyStore

from tests.support.orgs import registry_events

from .fakes import PEOPLE, FakeClock, FakeDirectory, FakeUnitOfWork, Person, cao_bang_plan, default_chain, make_bus

# Friday 20 June 2025, 09:00: Bắc Kạn still exists; its province merges into Thái Nguyên on 1 July.
BEFORE = datetime(2025, 6, 20, 9, 0, tzinfo=VIETNAM)
AFTER = datetime(2025, 7, 1, 8, 0, tzinfo=VIETNAM)
DEPT_BK = Actor("dept.bk", frozenset({"dept_approver"}), "svhttdl-thai-nguyen-2025", "ubnd-thai-nguyen-2025")


def seeded() -> dict[str, object]:
    return {event.organisation_id: event for event in registry_events() if not _is_succession(event)}


def _is_succession(event: object) -> bool:
    return isinstance(event, contract.OrganisationSucceeded)


def successions_of(predecessor: str) -> contract.OrganisationSucceeded:
    for event in registry_events():
        if isinstance(event, contract.OrganisationSucceeded) and event.organisation_id == predecessor:
            return event
    raise LookupError(predecessor)


def bac_kan_plan(version: int = 1):  # type: ignore[no-untyped-def]
    return cao_bang_plan(
        version,
        id="0b9d2a4e-6c1f-4e3a-9b5d-7f1e3a5c9d20",
        title="Kế hoạch hoạt động thông tin đối ngoại năm 2025",
        org_unit="svhttdl-bac-kan",
        province="ubnd-bac-kan",
        year=2025,
        submitted_by="drafter.bk",
        created_by="drafter.bk",
        edited_by=("drafter.bk",),
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(BEFORE.astimezone(UTC))


@pytest.fixture
def uow() -> FakeUnitOfWork:
    unit = FakeUnitOfWork()
    unit.chains.add(default_chain())
    for event in seeded().values():  # the copy knows every organisation (the seed's events)
        unit.organisations.keep(event)  # type: ignore[arg-type]
    return unit


@pytest.fixture
def bus(clock: FakeClock):  # type: ignore[no-untyped-def]
    return make_bus(clock)


def start(uow: FakeUnitOfWork, bus, subject=None) -> Approval:  # type: ignore[no-untyped-def]
    approval = bus.handle(commands.StartApproval(subject or bac_kan_plan(), BEFORE), uow)
    assert approval is not None
    return approval


def test_the_open_task_of_a_merged_department_goes_to_the_successors_approvers(
    uow: FakeUnitOfWork,
    bus,  # type: ignore[no-untyped-def]
    clock: FakeClock,
) -> None:
    approval = start(uow, bus)
    task = approval.open_task()
    assert task is not None and task.assignees == []  # nobody is left in Bắc Kạn's department
    first_due = task.due_at
    clock.now = AFTER.astimezone(UTC)

    handed = bus.handle(commands.KeepOrganisation(successions_of("svhttdl-bac-kan")), uow)

    assert handed == 1
    assert approval.open_task() is task  # the same task, at the same level, of the same chain version
    assert task.level == 1 and approval.chain.version == 1
    assert task.assignees == ["dept.bk"]  # Thái Nguyên's department approver
    assert approval.subject.org_unit == "svhttdl-thai-nguyen-2025"
    assert approval.subject.province == "ubnd-thai-nguyen-2025"  # the successor's province
    # The SLA starts again for the new approvers: three working days from the hand-over.
    assert task.assigned_at == AFTER.astimezone(UTC) and task.due_at > first_due
    assert task.reminded_at is None and task.overdue_at is None
    assigned = uow.of("approval.task_assigned")
    assert len(assigned) == 2
    assert assigned[-1]["task_id"] == task.id and assigned[-1]["assignees"] == ["dept.bk"]
    assert assigned[-1]["reassigned"] == {
        "task_id": task.id,
        "predecessor": "svhttdl-bac-kan",
        "successor": "svhttdl-thai-nguyen-2025",
        "date": "2025-07-01",
    }
    # The successor's approver now decides; the record keeps its one chain.
    bus.handle(commands.RecordDecision(task.id, DEPT_BK, "approve", ""), uow)
    assert approval.current_level == 2 and approval.verify_decisions()


def test_redelivery_and_reordering_hand_a_task_over_once(
    uow: FakeUnitOfWork,
    bus,  # type: ignore[no-untyped-def]
    clock: FakeClock,
) -> None:
    fresh = FakeUnitOfWork()  # a copy that has heard nothing yet: the succession overtakes the states
    fresh.chains.add(default_chain())
    approval = start(fresh, bus)
    clock.now = AFTER.astimezone(UTC)
    succession = successions_of("svhttdl-bac-kan")

    assert bus.handle(commands.KeepOrganisation(succession), fresh) == 1
    assert bus.handle(commands.KeepOrganisation(succession), fresh) == 0  # delivered again: nothing more
    for event in seeded().values():  # the states arrive afterwards
        bus.handle(commands.KeepOrganisation(event), fresh)

    assert len(fresh.of("approval.task_assigned")) == 2
    assert approval.subject.org_unit == "svhttdl-thai-nguyen-2025"
    # Without the successor's state the province was not known then: the province's own
    # succession (Bắc Kạn into Thái Nguyên) moves it, and the department's task stays put.
    assert approval.subject.province == "ubnd-bac-kan"
    assert bus.handle(commands.KeepOrganisation(successions_of("ubnd-bac-kan")), fresh) == 0
    assert approval.subject.province == "ubnd-thai-nguyen-2025"
    assert len(fresh.of("approval.task_assigned")) == 2


def test_a_provinces_task_passes_to_the_merged_provinces_approvers(uow: FakeUnitOfWork, clock: FakeClock) -> None:
    # Bắc Kạn's department approver of June 2025 approves level 1; the province's level opens.
    people = {role: list(members) for role, members in PEOPLE.items()}
    people["dept_approver"].append(Person("dept.old-bk", "svhttdl-bac-kan", "ubnd-bac-kan"))
    bus = make_bus(clock, FakeDirectory(people))
    approval = start(uow, bus)
    level_one = approval.open_task()
    assert level_one is not None and level_one.assignees == ["dept.old-bk"]
    old_bk = Actor("dept.old-bk", frozenset({"dept_approver"}), "svhttdl-bac-kan", "ubnd-bac-kan")
    bus.handle(commands.RecordDecision(level_one.id, old_bk, "approve", ""), uow)
    level_two = approval.open_task()
    assert level_two is not None and level_two.scope == "province" and level_two.assignees == []
    clock.now = AFTER.astimezone(UTC)

    # Only the province's succession has arrived: the province's task moves, the unit stays.
    handed = bus.handle(commands.KeepOrganisation(successions_of("ubnd-bac-kan")), uow)

    assert handed == 1
    assert approval.open_task() is level_two and level_two.assignees == ["province.bk"]
    assert approval.subject.province == "ubnd-thai-nguyen-2025"
    assert approval.subject.org_unit == "svhttdl-bac-kan"
    # The department's succession then moves the unit; the province's task is not offered again.
    assert bus.handle(commands.KeepOrganisation(successions_of("svhttdl-bac-kan")), uow) == 0
    assert approval.subject.org_unit == "svhttdl-thai-nguyen-2025"
    assert [e["level"] for e in uow.of("approval.task_assigned")] == [1, 2, 2]


def test_a_succession_dated_ahead_takes_effect_on_its_date(
    uow: FakeUnitOfWork,
    bus,  # type: ignore[no-untyped-def]
    clock: FakeClock,
) -> None:
    approval = start(uow, bus)
    assert bus.handle(commands.KeepOrganisation(successions_of("svhttdl-bac-kan")), uow) == 0  # 20 June: not yet
    assert approval.subject.org_unit == "svhttdl-bac-kan"
    assert bus.handle(commands.HandOverDissolved(clock()), uow) == 0

    clock.now = AFTER.astimezone(UTC)
    assert bus.handle(commands.HandOverDissolved(clock()), uow) == 1  # the scheduler's sweep on 1 July
    assert approval.open_task().assignees == ["dept.bk"]  # type: ignore[union-attr]
    assert bus.handle(commands.HandOverDissolved(clock()), uow) == 0


def test_a_split_without_a_named_successor_is_not_guessed(
    uow: FakeUnitOfWork,
    bus,  # type: ignore[no-untyped-def]
    clock: FakeClock,
) -> None:
    approval = start(uow, bus)
    clock.now = AFTER.astimezone(UTC)
    split = contract.OrganisationSucceeded(
        organisation_id="svhttdl-bac-kan",
        version=10_000,
        changed_at=clock(),
        successions=tuple(
            contract.SuccessionFact(
                predecessor="svhttdl-bac-kan", successor=successor, reason="split", day=date(2025, 6, 25)
            )
            for successor in ("svhttdl-thai-nguyen-2025", "svhttdl-cao-bang")
        ),
    )
    fresh = FakeUnitOfWork()
    fresh.chains.add(default_chain())
    fresh.approvals = uow.approvals
    assert bus.handle(commands.KeepOrganisation(split), fresh) == 0
    assert approval.subject.org_unit == "svhttdl-bac-kan"
    # The administrator records which one carries external information: the task moves then.
    named = contract.OrganisationSucceeded(
        organisation_id="svhttdl-bac-kan",
        version=10_001,
        changed_at=clock(),
        successions=(
            contract.SuccessionFact(
                predecessor="svhttdl-bac-kan",
                successor="svhttdl-thai-nguyen-2025",
                reason="transfer_of_duties",
                day=date(2025, 6, 26),
                duties=("external_information",),
            ),
        ),
    )
    assert bus.handle(commands.KeepOrganisation(named), fresh) == 1
    assert approval.subject.org_unit == "svhttdl-thai-nguyen-2025"


def test_a_closed_approval_and_a_national_task_stay_as_they_are(
    uow: FakeUnitOfWork,
    bus,  # type: ignore[no-untyped-def]
    clock: FakeClock,
) -> None:
    approval = start(uow, bus)
    approval.cancel(by="drafter.bk", at=clock())
    clock.now = AFTER.astimezone(UTC)
    assert bus.handle(commands.KeepOrganisation(successions_of("svhttdl-bac-kan")), uow) == 0
    assert approval.subject.org_unit == "svhttdl-bac-kan"
    assert len(uow.of("approval.task_assigned")) == 1


def test_the_ministry_level_is_named_by_the_organisation_in_force_on_the_document_date() -> None:
    copy = MemoryCopyStore()
    for event in registry_events():
        copy.keep(event)  # type: ignore[arg-type]
    chain = default_chain()
    old = Approval.start(cao_bang_plan(), chain, at=datetime(2017, 3, 1, tzinfo=UTC))
    new = Approval.start(cao_bang_plan(), chain, at=datetime(2026, 3, 2, tzinfo=UTC))
    old.names = new.names = copy.registry()
    assert old.level_name(3).vi == "Bộ Thông tin và Truyền thông"
    assert new.level_name(3).vi == "Bộ Văn hóa, Thể thao và Du lịch"
    assert new.level_name(3).en == "Ministry of Culture, Sports and Tourism"  # the chain's English name
    assert new.level_name(1).vi == "Lãnh đạo Sở"  # a level that names no organisation keeps its name
    # A rename recorded in the registry reaches the level's name (the newest version of the state wins).
    state = next(e for e in registry_events() if getattr(e, "organisation_id", "") == "bo-vhttdl")
    renamed = contract.OrganisationChanged(
        **{
            **{name: getattr(state, name) for name in ("organisation_id", "changed_at", "kind", "levels", "parents")},
            "names": (
                *state.names,  # type: ignore[attr-defined]
                contract.OrganisationName(
                    since=date(2026, 1, 1), full="Bộ Văn hóa và Thông tin đối ngoại", abbreviation="BVHTTĐN"
                ),
            ),
        },
        version=99_999,
    )
    copy.keep(renamed)
    new.names = copy.registry()
    assert new.level_name(3).vi == "Bộ Văn hóa và Thông tin đối ngoại"
    old.names = copy.registry()
    assert old.level_name(3).vi == "Bộ Thông tin và Truyền thông"
    # Without a copy (not fed yet) the chain's own dated name stands.
    new.names = None
    assert new.level_name(3).vi == "Bộ Văn hóa, Thể thao và Du lịch"
