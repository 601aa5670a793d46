"""The organisation registry: everything by the document's date. A 2017 plan's
ministry is the Ministry of Information and Communications, a 2026 one the
Ministry of Culture, Sports and Tourism; a 2020 Bắc Kạn plan keeps Bắc Kạn's
header and place, a 2026 Thái Nguyên one has Thái Nguyên's; Thái Nguyên's
users read Bắc Kạn's documents; the seed file holds the 63 provinces before
1 July 2025 and the 34 since."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from plans.domain.errors import OrganisationNotInForce, OrganisationsInvalid, UnknownOrganisation
from plans.domain.organisation_registry import Dated, Name, OrganisationRegistry, Period, Succession
from plans.domain.organisation_seed import load_registry, load_seed
from plans.entrypoints.messages import CATALOGUE

from infra.local import sample_plans

REALM = Path(__file__).parents[3] / "infra" / "keycloak" / "realm-ttdn.json"
EXTERNAL_INFORMATION = "external_information"
EVE, MERGER_DAY = date(2025, 6, 30), date(2025, 7, 1)

# Nghị quyết 202/2025/QH15: the 23 units it formed and the provinces merged into each.
MERGED_INTO = {
    "Tuyên Quang": {"Tuyên Quang", "Hà Giang"},
    "Lào Cai": {"Lào Cai", "Yên Bái"},
    "Thái Nguyên": {"Thái Nguyên", "Bắc Kạn"},
    "Phú Thọ": {"Phú Thọ", "Vĩnh Phúc", "Hòa Bình"},
    "Bắc Ninh": {"Bắc Ninh", "Bắc Giang"},
    "Hưng Yên": {"Hưng Yên", "Thái Bình"},
    "Hải Phòng": {"Hải Phòng", "Hải Dương"},
    "Ninh Bình": {"Ninh Bình", "Hà Nam", "Nam Định"},
    "Quảng Trị": {"Quảng Trị", "Quảng Bình"},
    "Đà Nẵng": {"Đà Nẵng", "Quảng Nam"},
    "Quảng Ngãi": {"Quảng Ngãi", "Kon Tum"},
    "Gia Lai": {"Gia Lai", "Bình Định"},
    "Khánh Hòa": {"Khánh Hòa", "Ninh Thuận"},
    "Lâm Đồng": {"Lâm Đồng", "Đắk Nông", "Bình Thuận"},
    "Đắk Lắk": {"Đắk Lắk", "Phú Yên"},
    "Thành phố Hồ Chí Minh": {"Thành phố Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"},
    "Đồng Nai": {"Đồng Nai", "Bình Phước"},
    "Tây Ninh": {"Tây Ninh", "Long An"},
    "Cần Thơ": {"Cần Thơ", "Sóc Trăng", "Hậu Giang"},
    "Vĩnh Long": {"Vĩnh Long", "Bến Tre", "Trà Vinh"},
    "Đồng Tháp": {"Đồng Tháp", "Tiền Giang"},
    "Cà Mau": {"Cà Mau", "Bạc Liêu"},
    "An Giang": {"An Giang", "Kiên Giang"},
}
UNCHANGED = {
    "Hà Nội",
    "Huế",
    "Lai Châu",
    "Điện Biên",
    "Sơn La",
    "Lạng Sơn",
    "Quảng Ninh",
    "Thanh Hóa",
    "Nghệ An",
    "Hà Tĩnh",
    "Cao Bằng",
}
CENTRAL_CITIES_SINCE_MERGER = {"Hà Nội", "Huế", "Hải Phòng", "Đà Nẵng", "Thành phố Hồ Chí Minh", "Cần Thơ"}


@pytest.fixture(scope="module")
def registry() -> OrganisationRegistry:
    return load_seed()


def places(registry: OrganisationRegistry, day: date) -> dict[str, str]:
    return {registry.place_on(o.id, day) or "": o.id for o in registry.provinces_on(day)}


def vietnamese(error: OrganisationsInvalid) -> list[str]:
    return [CATALOGUE.text(violation.message, "vi") for violation in error.validation]


# -- the seed file ----------------------------------------------------------------------


def test_the_seed_file_loads_and_every_parent_and_province_resolves_whenever_it_applies(registry) -> None:
    """Building the registry checks every reference over its dates; here also each
    organisation's province and place on its first and last day (where known)."""
    assert len(registry) > 100
    for organisation in registry:
        days = [d for d in (organisation.period.valid_from, organisation.period.valid_to) if d] or [date(2024, 1, 1)]
        for day in days:
            snapshot = registry.as_of(organisation.id, day)
            national = snapshot.level in ("ministry", "ministry_unit")
            assert (snapshot.province is None) == national, (organisation.id, day)
            assert snapshot.place, (organisation.id, day)
            assert registry.header_lines(organisation.id, day)
            assert organisation.agency_code is None  # none is known reliably: never invented


def test_63_provinces_before_1_july_2025_and_34_since_each_formed_from_the_right_ones(registry) -> None:
    before, after = places(registry, EVE), places(registry, MERGER_DAY)
    assert len(before) == 63
    assert len(after) == 34
    assert set(after) == set(MERGED_INTO) | UNCHANGED
    assert {p for p, i in after.items() if registry.get(i).level_on(MERGER_DAY) == "central_city"} == (
        CENTRAL_CITIES_SINCE_MERGER
    )
    merged_before = set().union(*MERGED_INTO.values())
    assert set(before) == merged_before | UNCHANGED  # Huế under the name it has had since 01/01/2025
    for new_place, old_places in MERGED_INTO.items():
        new_id = after[new_place]
        incoming, _outgoing = registry.successions_of(new_id)
        assert {registry.place_on(s.predecessor, EVE) for s in incoming} == old_places, new_place
        assert {(s.reason, s.day, s.act) for s in incoming} == {("merger", MERGER_DAY, "Nghị quyết 202/2025/QH15")}
        assert new_id not in before.values()  # a new body, not an old one renamed
    for place in UNCHANGED:
        assert after[place] == before[place]
        assert registry.successions_of(after[place]) == ([], [])


def test_huế_is_one_body_renamed_a_centrally_run_city_on_1_january_2025(registry) -> None:
    assert registry.header_lines("ubnd-thua-thien-hue", date(2024, 12, 31)) == (
        "ỦY BAN NHÂN DÂN",
        "TỈNH THỪA THIÊN HUẾ",
    )
    assert registry.header_lines("ubnd-thua-thien-hue", date(2025, 1, 1)) == ("ỦY BAN NHÂN DÂN", "THÀNH PHỐ HUẾ")
    assert registry.place_on("ubnd-thua-thien-hue", date(2024, 12, 31)) == "Thừa Thiên Huế"
    assert registry.name_on("ubnd-thua-thien-hue", date(2025, 1, 1)).act == "Nghị quyết 1314/NQ-UBTVQH15"


def test_every_org_unit_in_use_is_an_organisation_of_its_province_today(registry) -> None:
    realm = json.loads(REALM.read_text(encoding="utf-8"))
    used = {
        (user["attributes"]["org_unit"][0], (user["attributes"].get("province") or [None])[0])
        for user in realm["users"]
        if "org_unit" in user.get("attributes", {})
    }
    assert len(used) >= 9  # departments, People's Committees, the ministry's unit
    today = date(2026, 1, 5)  # the realm's users work in the organisations of today
    for unit, province in used:
        assert registry.get(unit).in_force(today), unit
        assert registry.province_on(unit, today) == province, unit
    plans = [getattr(sample_plans, n) for n in dir(sample_plans) if isinstance(getattr(sample_plans, n), dict)]
    units = {
        unit
        for plan in plans
        if "org_unit" in plan
        for activity in plan["activities"]
        for unit in (plan["org_unit"], activity["lead_unit"], *activity["partner_units"])
    }
    assert all(registry.get(unit).in_force(today) for unit in units), units


def test_the_old_codes_of_the_realm_map_to_registry_ids(registry) -> None:
    for code in ("CB-STTTT", "CB-UBND", "BK-STTTT", "BK-UBND", "KT-STTTT", "LS-STTTT", "QB-STTTT", "BVHTTDL-TTCS"):
        organisation = registry.by_legacy_code(code)
        # the unit that does its external-information work today: where its people moved
        (holder,) = registry.holders_on(organisation.id, date(2026, 1, 5), EXTERNAL_INFORMATION)
        assert registry.get(holder).in_force(date(2026, 1, 5))


def test_in_force_on_a_date_and_the_dates_it_existed_when_it_was_not(registry) -> None:
    assert registry.get("stttt-cao-bang").in_force(date(2025, 2, 28))
    assert not registry.get("stttt-cao-bang").in_force(date(2025, 3, 1))
    assert "svhttdl-thai-nguyen-2025" not in {o.id for o in registry.in_force(EVE, level="department")}
    assert "svhttdl-thai-nguyen-2025" in {o.id for o in registry.in_force(MERGER_DAY, level="department")}
    with pytest.raises(OrganisationNotInForce) as raised:
        registry.header_lines("ubnd-bac-kan", date(2026, 3, 2))
    assert vietnamese(raised.value) == [
        "ubnd-bac-kan không còn hoạt động vào ngày 02/03/2026; chỉ tồn tại đến ngày 30/06/2025."
    ]
    with pytest.raises(OrganisationNotInForce) as raised:
        registry.on("svhttdl-thai-nguyen-2025", date(2020, 2, 28))
    assert str(raised.value.validation.violations[0].message) == (
        "svhttdl-thai-nguyen-2025 was not in force on 2020-02-28; it exists from 2025-07-01."
    )
    with pytest.raises(UnknownOrganisation):
        registry.get("TN-STTTT")


def test_the_ministry_of_a_2017_document_and_of_a_2026_one(registry) -> None:
    """Whichever of the two ministries a chain names, the one in charge on the document's date answers."""
    for named in ("bo-tttt", "bo-vhttdl"):
        (in_2017,) = registry.holders_on(named, date(2017, 10, 6), EXTERNAL_INFORMATION)
        (in_2026,) = registry.holders_on(named, date(2026, 2, 1), EXTERNAL_INFORMATION)
        assert registry.name_on(in_2017, date(2017, 10, 6)).full == "Bộ Thông tin và Truyền thông"
        assert registry.name_on(in_2026, date(2026, 2, 1)).full == "Bộ Văn hóa, Thể thao và Du lịch"
    assert registry.holders_on("bo-tttt", date(2026, 2, 1)) == ("bo-khcn",)  # the merger takes the rest
    assert registry.header_lines("cuc-ttdn", date(2017, 10, 6)) == (
        "BỘ THÔNG TIN VÀ TRUYỀN THÔNG",
        "CỤC THÔNG TIN ĐỐI NGOẠI",
    )
    assert registry.header_lines("cuc-ttcs-ttdn", date(2026, 2, 1)) == (
        "BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
        "CỤC THÔNG TIN CƠ SỞ VÀ THÔNG TIN ĐỐI NGOẠI",
    )
    assert registry.header_lines("bo-tttt", date(2024, 9, 16)) == ("BỘ THÔNG TIN VÀ TRUYỀN THÔNG",)
    assert registry.name_on("bo-tttt", date(2024, 9, 16)).abbreviation == "BTTTT"  # 3837/BTTTT-TTĐN
    assert registry.place_on("cuc-ttcs-ttdn", date(2026, 2, 1)) == "Hà Nội"


def test_a_2020_bắc_kạn_plan_and_a_2026_thái_nguyên_one_each_wear_their_own_province(registry) -> None:
    issued = date(2020, 2, 28)  # 213/KH-STTTT
    assert registry.header_lines("stttt-bac-kan", issued) == ("UBND TỈNH BẮC KẠN", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG")
    assert registry.header_lines("ubnd-bac-kan", issued) == ("ỦY BAN NHÂN DÂN", "TỈNH BẮC KẠN")
    assert registry.name_on("stttt-bac-kan", issued).abbreviation == "STTTT"
    assert registry.place_on("stttt-bac-kan", issued) == "Bắc Kạn"
    assert registry.province_on("stttt-bac-kan", issued) == "ubnd-bac-kan"
    later = date(2026, 3, 2)
    assert registry.header_lines("svhttdl-thai-nguyen-2025", later) == (
        "UBND TỈNH THÁI NGUYÊN",
        "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
    )
    assert registry.header_lines("ubnd-thai-nguyen-2025", later) == ("ỦY BAN NHÂN DÂN", "TỈNH THÁI NGUYÊN")
    assert registry.place_on("svhttdl-thai-nguyen-2025", later) == "Thái Nguyên"
    assert registry.province_on("svhttdl-thai-nguyen-2025", later) == "ubnd-thai-nguyen-2025"
    # and the 2020 one has not changed its face since
    assert registry.header_lines("stttt-bac-kan", issued) == ("UBND TỈNH BẮC KẠN", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG")


def test_header_lines_of_a_city_a_party_board_and_bodies_outside_the_peoples_committee(registry) -> None:
    day = date(2026, 1, 5)
    assert registry.header_lines("ubnd-ho-chi-minh-2025", day) == ("ỦY BAN NHÂN DÂN", "THÀNH PHỐ HỒ CHÍ MINH")
    assert registry.place_on("ubnd-ho-chi-minh-2025", day) == "Thành phố Hồ Chí Minh"
    assert registry.header_lines("ubnd-ha-noi", day) == ("ỦY BAN NHÂN DÂN", "THÀNH PHỐ HÀ NỘI")
    assert registry.header_lines("ban-tuyen-giao-lang-son", date(2018, 12, 1)) == ("TỈNH ỦY LẠNG SƠN", "BAN TUYÊN GIÁO")
    assert registry.province_on("ban-tuyen-giao-lang-son", date(2018, 12, 1)) == "ubnd-lang-son"
    assert registry.province_on("bdbp-quang-binh", date(2017, 6, 16)) == "ubnd-quang-binh"  # no parent in the registry


# -- successions and who reads what ---------------------------------------------------


def test_successor_chains_and_predecessors_are_transitive(registry) -> None:
    assert registry.successors("stttt-bac-kan") == ("svhttdl-bac-kan", "svhttdl-thai-nguyen-2025")
    assert registry.successors("ubnd-bac-kan") == ("ubnd-thai-nguyen-2025",)
    assert registry.successors("ubnd-cao-bang") == ()
    assert set(registry.predecessors("svhttdl-thai-nguyen-2025")) == {
        "svhttdl-thai-nguyen",
        "svhttdl-bac-kan",
        "stttt-thai-nguyen",
        "stttt-bac-kan",
    }
    assert registry.successors("cuc-ttdn") == ("cuc-ttcs-ttdn",)
    incoming, _ = registry.successions_of("svhttdl-cao-bang")
    assert [(s.predecessor, s.reason, s.day, s.duties) for s in incoming] == [
        ("stttt-cao-bang", "transfer_of_duties", date(2025, 3, 1), ("external_information", "press", "publishing"))
    ]


def test_a_thái_nguyên_drafter_reads_bắc_kạn_documents_and_not_the_other_way_round(registry) -> None:
    assert registry.may_read("svhttdl-thai-nguyen-2025", "stttt-bac-kan")  # 213/KH-STTTT of 2020
    assert registry.may_read("svhttdl-thai-nguyen-2025", "svhttdl-bac-kan")
    assert registry.may_read("svhttdl-cao-bang", "stttt-cao-bang")
    assert not registry.may_read("stttt-bac-kan", "svhttdl-thai-nguyen-2025")
    assert not registry.may_read("svhttdl-thai-nguyen-2025", "stttt-cao-bang")
    assert not registry.may_read("svhttdl-quang-tri-2025", "stttt-bac-kan")


def test_who_held_the_external_information_work_of_a_unit_on_another_date(registry) -> None:
    assert registry.holders_on("stttt-cao-bang", date(2026, 1, 1), EXTERNAL_INFORMATION) == ("svhttdl-cao-bang",)
    assert registry.holders_on("svhttdl-cao-bang", date(2024, 2, 8), EXTERNAL_INFORMATION) == ("stttt-cao-bang",)
    assert registry.holders_on("svhttdl-cao-bang", date(2024, 2, 8)) == ("svhttdl-cao-bang",)  # as a body it stood
    assert set(registry.holders_on("svhttdl-thai-nguyen-2025", date(2020, 2, 28), EXTERNAL_INFORMATION)) == {
        "stttt-thai-nguyen",
        "stttt-bac-kan",
    }
    assert registry.holders_on("stttt-bac-kan", date(2026, 1, 1), EXTERNAL_INFORMATION) == ("svhttdl-thai-nguyen-2025",)


def test_a_body_that_absorbed_another_later_still_holds_what_it_took_over_before() -> None:
    """X merged into Y in 2020, Z into Y in 2025: in 2022 X's work is Y's, not Z's."""
    registry = load_registry(
        """
organisations:
  - {id: x, kind: state, level: department, names: [{full: Sở X, abbreviation: SX}], province: p, valid_to: 2019-12-31}
  - {id: y, kind: state, level: department, names: [{full: Sở Y, abbreviation: SY}], province: p}
  - {id: z, kind: state, level: department, names: [{full: Sở Z, abbreviation: SZ}], province: p, valid_to: 2024-12-31}
  - {id: p, kind: state, level: province, names: [{full: Ủy ban nhân dân tỉnh P, abbreviation: UBND}], place: P}
successions:
  - {predecessor: x, successor: y, reason: merger, date: 2020-01-01}
  - {predecessor: z, successor: y, reason: merger, date: 2025-01-01}
"""
    )
    assert registry.holders_on("x", date(2022, 1, 1)) == ("y",)
    assert registry.holders_on("y", date(2022, 1, 1)) == ("y",)
    assert registry.holders_on("y", date(2019, 1, 1)) == ("y",)  # it stood then: its own work was its own
    assert registry.holders_on("z", date(2026, 1, 1)) == ("y",)
    assert registry.holders_on("x", date(2018, 1, 1)) == ("x",)


def test_a_succession_that_would_make_a_cycle_is_refused(registry) -> None:
    back = Succession("svhttdl-thai-nguyen-2025", "stttt-bac-kan", "merger", date(2025, 7, 2), "—")
    with pytest.raises(OrganisationsInvalid) as raised:
        registry.with_succession(back)
    (violation,) = raised.value.validation
    assert (violation.field, violation.rule) == ("successor", "acyclic")
    assert str(violation.message) == (
        "This succession would make a cycle: "
        "svhttdl-thai-nguyen-2025 → stttt-bac-kan → svhttdl-bac-kan → svhttdl-thai-nguyen-2025."
    )
    with pytest.raises(OrganisationsInvalid):
        registry.with_succession(Succession("ubnd-cao-bang", "ubnd-cao-bang", "rename", date(2026, 1, 1)))
    assert len(registry.successions) == len(load_seed().successions)  # the registry itself is unchanged


def test_a_rename_is_a_new_dated_name_and_an_end_that_would_orphan_a_body_is_refused(registry) -> None:
    renamed_on = date(2026, 7, 1)
    department = registry.get("svhttdl-cao-bang")
    new_name = Name("Sở Văn hóa và Thể thao tỉnh Cao Bằng", "Sở VHTT Cao Bằng", "SVHTT", "Sở Văn hóa và Thể thao", "—")
    changed = registry.with_organisation(replace(department, names=(*department.names, Dated(renamed_on, new_name))))
    assert changed.name_on("svhttdl-cao-bang", date(2026, 6, 30)).abbreviation == "SVHTTDL"
    assert changed.header_lines("svhttdl-cao-bang", renamed_on) == ("UBND TỈNH CAO BẰNG", "SỞ VĂN HÓA VÀ THỂ THAO")
    assert registry.name_on("svhttdl-cao-bang", renamed_on).abbreviation == "SVHTTDL"  # the original is untouched

    province = registry.get("ubnd-cao-bang")
    with pytest.raises(OrganisationsInvalid) as raised:
        registry.with_organisation(replace(province, period=Period(None, date(2025, 12, 31))))
    orphans = {v.field for v in raised.value.validation if v.rule == "in-force"}
    assert {"organisations.svhttdl-cao-bang.parent", "organisations.tinh-uy-cao-bang.province"} <= orphans
    assert "organisations.stttt-cao-bang.parent" not in orphans  # it ended in February 2025


# -- bad input, every problem at once -----------------------------------------------------

BROKEN = """
organisations:
  - {id: a, kind: state, level: department, names: [{full: Sở A, abbreviation: SA}], parent: ubnd-x,
     valid_from: 2020-01-01, valid_to: 2019-12-31, colour: blue}
  - {id: b, kind: church, level: department, names: [{full: Sở B, abbreviation: SB}], parent: p, valid_to: "2030-13-01"}
  - {id: b, kind: state, level: galaxy, names: [{full: Sở B, abbreviation: SB}], agency_code: H10, legacy_codes: [XX-A]}
  - {id: p, kind: state, level: province, names: [{full: Tỉnh P, abbreviation: UBND}], valid_to: 2025-06-30,
     legacy_codes: [XX-A]}
  - {id: q, kind: state, level: province, names: [{full: Ủy ban nhân dân tỉnh Q, abbreviation: UBND}]}
successions:
  - {predecessor: p, successor: q, reason: merger, date: 2025-07-01}
  - {predecessor: q, successor: p, reason: merger, date: 2025-07-01}
  - {predecessors: [nowhere], successor: q, reason: takeover, date: 2025-07-01}
"""


def test_a_broken_file_reports_its_schema_problems_all_at_once() -> None:
    with pytest.raises(OrganisationsInvalid) as raised:
        load_registry(BROKEN)
    assert [(v.field, v.rule) for v in raised.value.validation] == [
        ("organisations.0.colour", "unknown-field"),
        ("organisations.1.valid_to", "date"),
    ]


def test_a_file_of_sound_shape_reports_every_broken_rule_at_once() -> None:
    text = BROKEN.replace(", colour: blue", "").replace('"2030-13-01"', "2030-12-01")
    with pytest.raises(OrganisationsInvalid) as raised:
        load_registry(text)
    found = {(v.field, v.rule) for v in raised.value.validation}
    assert found == {
        ("organisations.b", "unique"),
        ("organisations.a.valid_to", "date-order"),
        ("organisations.a.parent", "unknown-organisation"),
        ("organisations.b.kind", "one-of"),
        ("organisations.b.parent", "in-force"),
        ("organisations.b.level", "one-of"),
        ("organisations.b.agency_code", "agency-code"),
        ("organisations.p.legacy_codes", "unique"),
        ("organisations.p.names", "peoples-committee"),
        ("successions.1.predecessor", "ends-on-eve"),
        ("successions.1.successor", "in-force"),
        ("successions.2.reason", "one-of"),
        ("successions.2.predecessor", "unknown-organisation"),
        ("successions", "acyclic"),
    }
    messages = {v.field: CATALOGUE.text(v.message, "vi") for v in raised.value.validation}
    assert messages["organisations.a.parent"] == "Không có tổ chức nào có mã ubnd-x."
    assert messages["successions"] == "Quan hệ kế thừa này tạo thành vòng lặp: p → q → p."


def test_a_documents_organisations_are_checked_against_its_date_all_at_once(registry) -> None:
    references = {
        ("org_unit",): "svhttdl-thai-nguyen-2025",
        ("activities", 0, "lead_unit"): "stttt-bac-kan",
        ("activities", 0, "partner_units", 0): "TN-BTGTU",
    }
    validation = registry.check_references(references, date(2026, 3, 2))
    assert [(v.field, v.rule) for v in validation] == [
        ("activities.0.lead_unit", "not-in-force"),
        ("activities.0.partner_units.0", "unknown-organisation"),
    ]
    assert registry.check_references(
        references | {("activities", 0, "partner_units", 0): "stttt-bac-kan"}, date(2020, 2, 28)
    ).errors() == {"org_unit": ["svhttdl-thai-nguyen-2025 was not in force on 2020-02-28; it exists from 2025-07-01."]}
