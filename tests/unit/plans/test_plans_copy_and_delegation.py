"""A new plan from last year's approved one; delegations in a plan's history; the signature
block of a document approved in an absent approver's place."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from plans.domain import commands
from plans.domain.access import Actor
from plans.domain.document import Signer, signature_block
from plans.domain.errors import NothingToCopy, PlanForbidden
from plans.service_layer.documents import signing_authority

from tests.unit.plans.plans_fakes import DEPT_CB, DRAFTER_BK, DRAFTER_CB
from tests.unit.plans.test_plans_document_face import UBND
from tests.unit.plans.test_plans_use_cases import LEVEL_NAMES, Approval, create, deliver, submit


def approved(world, body):  # type: ignore[no-untyped-def]
    plan = submit(world, create(world, body))
    deliver(world, Approval(plan.id).full_approval())
    return plan


def test_a_plan_starts_from_last_years_approved_plan_a_year_on(world, body):  # type: ignore[no-untyped-def]
    last_year = approved(world, body)
    create(world, {**body, "title": "Bản nháp năm 2024 khác"})  # a draft of the same year is not a source

    plan = world.bus.handle(commands.CopyLastYearsPlan(actor=DRAFTER_CB, year=2025))
    content = plan.content
    assert (plan.status, plan.org_unit, plan.created_by) == ("draft", DRAFTER_CB.org_unit, "drafter.cb")
    assert (content.title, content.year) == ("Kế hoạch hoạt động thông tin đối ngoại năm 2025", 2025)
    before = last_year.content.activities
    assert [a.title for a in content.activities] == [a.title for a in before]
    assert [a.budget_vnd for a in content.activities] == [
        150_000_000,
        270_000_000,
        192_000_000,
        60_000_000,
        120_000_000,
    ]
    assert [a.partner_units for a in content.activities] == [a.partner_units for a in before]
    assert [a.indicators for a in content.activities] == [a.indicators for a in before]
    first = content.activities[0]
    assert (first.start_date.isoformat(), first.end_date.isoformat()) == ("2025-03-01", "2025-09-30")
    assert content.legal_bases == last_year.content.legal_bases
    assert plan.timeline[0].details["copied_from"] == last_year.id
    assert last_year.content.year == 2024  # the source is untouched


def test_nothing_to_copy_without_an_approved_plan_of_the_year_before(world, body):  # type: ignore[no-untyped-def]
    submit(world, create(world, body))  # submitted, not approved
    with pytest.raises(NothingToCopy):
        world.bus.handle(commands.CopyLastYearsPlan(actor=DRAFTER_CB, year=2025))
    approved(world, body)
    with pytest.raises(NothingToCopy):  # another unit's plan is not theirs to copy
        world.bus.handle(commands.CopyLastYearsPlan(actor=DRAFTER_BK, year=2025))
    with pytest.raises(NothingToCopy):  # nor a plan of two years before
        world.bus.handle(commands.CopyLastYearsPlan(actor=DRAFTER_CB, year=2026))
    with pytest.raises(PlanForbidden):
        world.bus.handle(commands.CopyLastYearsPlan(actor=DEPT_CB, year=2025))


def test_after_a_merger_the_successor_starts_from_its_predecessors_plan(world, body):  # type: ignore[no-untyped-def]
    # Bắc Kạn's department approved its 2025 plan before the province merged into Thái Nguyên.
    bac_kan = Actor("drafter.bk", frozenset({"drafter"}), "svhttdl-bac-kan", "ubnd-bac-kan")
    body["org_unit"] = "svhttdl-bac-kan"
    body["activities"][0]["lead_unit"] = "svhttdl-bac-kan"
    body["title"] = "Kế hoạch hoạt động thông tin đối ngoại năm 2024 của Sở Văn hóa, Thể thao và Du lịch Bắc Kạn"
    last_year = submit(world, create(world, body, actor=bac_kan), actor=bac_kan)
    deliver(world, Approval(last_year.id).full_approval())

    world.clock.now = datetime(2025, 9, 15, 2, 0, tzinfo=UTC)  # after the merger of 1 July 2025
    thai_nguyen = Actor("drafter.bk", frozenset({"drafter"}), "svhttdl-thai-nguyen-2025", "ubnd-thai-nguyen-2025")
    plan = world.bus.handle(commands.CopyLastYearsPlan(actor=thai_nguyen, year=2025))
    assert plan.org_unit == "svhttdl-thai-nguyen-2025" and plan.province == "ubnd-thai-nguyen-2025"
    assert plan.content.activities[0].lead_unit == "svhttdl-thai-nguyen-2025"  # the predecessor's part is its own
    assert plan.content.activities[1].lead_unit == body["activities"][1]["lead_unit"]
    assert plan.timeline[0].details["copied_from"] == last_year.id
    assert plan.content.year == 2025


def test_a_29_february_moves_to_28_february(world, body):  # type: ignore[no-untyped-def]
    body["activities"][0]["start_date"] = "2024-02-29"
    approved(world, body)
    plan = world.bus.handle(commands.CopyLastYearsPlan(actor=DRAFTER_CB, year=2025))
    assert plan.content.activities[0].start_date.isoformat() == "2025-02-28"


def test_the_history_shows_who_delegated_to_whom_and_the_signer_holds_their_place(world, body):  # type: ignore[no-untyped-def]
    plan = submit(world, create(world, body))
    approval = Approval(plan.id)
    handed = commands.RecordDelegation(
        **approval._common(),
        task_id="t2",
        level=2,
        level_name=LEVEL_NAMES[2],
        from_user="province.cb",
        to_user="vp.cb",
        comment="Học tập trung tại Hà Nội.",
        kind="out_of_office",
    )
    decided = commands.RecordDecision(
        **approval._common(),
        task_id="t2",
        level=2,
        level_name=LEVEL_NAMES[2],
        decision="approve",
        by="vp.cb",
        on_behalf_of="province.cb",
        delegation_kind="out_of_office",
    )
    deliver(world, [approval.assigned(1), approval.decided(1), approval.assigned(2), handed, decided])
    stored = world.store[plan.id]
    entry = next(e for e in stored.timeline if e.kind == "delegated")
    assert (entry.actor, entry.details["to"], entry.details["kind"]) == ("province.cb", "vp.cb", "out_of_office")
    assert signing_authority(stored, 1, 2) == ("vp.cb", "province.cb")


def test_a_deputy_approving_in_the_approvers_place_signs_by_authorisation():
    office = Signer("vp.cb", "Lục Văn Sơn", "Chánh Văn phòng", "CB-UBND", delegated_by="province.cb")
    block = signature_block(UBND, office)
    assert (block.authority, block.competence) == (("TM. ỦY BAN NHÂN DÂN", "TUQ. CHỦ TỊCH"), "TUQ.")
    # A Vice-Chairman standing in for another still signs as the Chairman's deputy.
    vice = Signer("pct2.cb", "Nguyễn Văn An", "Phó Chủ tịch", "CB-UBND", delegated_by="province.cb")
    assert signature_block(UBND, vice).authority == ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH")
