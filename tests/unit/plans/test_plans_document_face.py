"""The face of an issued document (Decree 30, Appendix I), from data: names, citations,
amounts, the summary line, the recipients and the signature authority."""

from __future__ import annotations

import json
from datetime import date

import pytest
from plans.domain.content import LegalBasis, PlanContent
from plans.domain.document import Signer, citation, document_face, signature_block, vnd
from plans.domain.organisation_seed import load_seed
from plans.domain.organisations import Organisations

from infra.local.sample_plans import CAO_BANG_2024

REGISTRY = load_seed()
ORGS = Organisations.load(lambda: REGISTRY)
ISSUED_ON = date(2024, 2, 8)
UBND = ORGS.body("ubnd-cao-bang", ISSUED_ON)
SO = ORGS.body("stttt-cao-bang", ISSUED_ON)


def face(body: dict | None = None, signer: Signer | None = None):  # type: ignore[no-untyped-def]
    return document_face(
        document_id="p",
        version=1,
        content=PlanContent.from_dict(body or CAO_BANG_2024),
        number="01/KH-UBND",
        issued_on=date(2024, 2, 8),
        place="Cao Bằng",
        issuer=UBND,
        signer=signer or Signer("province.cb", "Bế Đức Thắng", "Phó Chủ tịch", "ubnd-cao-bang"),
        organisations=ORGS,
    )


@pytest.mark.parametrize(
    ("body", "position", "unit", "authority", "title", "competence"),
    [
        (UBND, "Phó Chủ tịch", "ubnd-cao-bang", ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), "PHÓ CHỦ TỊCH", "KT."),
        (UBND, "Chủ tịch", "ubnd-cao-bang", ("TM. ỦY BAN NHÂN DÂN",), "CHỦ TỊCH", "TM."),
        (UBND, "Quyền Chủ tịch", "ubnd-cao-bang", ("TM. ỦY BAN NHÂN DÂN",), "Q. CHỦ TỊCH", "Q."),
        (
            UBND,
            "Giám đốc Sở Thông tin và Truyền thông",
            "svhttdl-cao-bang",
            ("TM. ỦY BAN NHÂN DÂN", "TUQ. CHỦ TỊCH"),
            "GIÁM ĐỐC SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
            "TUQ.",
        ),
        (UBND, "Chánh Văn phòng", "ubnd-cao-bang", ("TM. ỦY BAN NHÂN DÂN", "TL. CHỦ TỊCH"), "CHÁNH VĂN PHÒNG", "TL."),
        (SO, "Giám đốc", "svhttdl-cao-bang", (), "GIÁM ĐỐC", ""),
        (SO, "Phó Giám đốc", "svhttdl-cao-bang", ("KT. GIÁM ĐỐC",), "PHÓ GIÁM ĐỐC", "KT."),
    ],
)
def test_the_authority_comes_from_who_signed_and_in_what_capacity(body, position, unit, authority, title, competence):
    block = signature_block(body, Signer("x", "Bế Đức Thắng", position, unit))
    assert (block.authority, block.title, block.competence) == (authority, title, competence)


def test_a_legal_basis_is_cited_with_type_number_date_issuer_and_summary():
    v2 = LegalBasis.from_dict(CAO_BANG_2024["legal_bases"][0])
    assert citation(v2) == (
        "Kết luận số 57-KL/TW ngày 15/6/2023 của Bộ Chính trị về tiếp tục nâng cao chất lượng, "
        "hiệu quả công tác thông tin đối ngoại trong tình hình mới"
    )
    # A basis frozen before content model v2: its type is the first words of its title.
    v1 = LegalBasis.from_dict(
        {
            "reference": "72/2015/NĐ-CP",
            "issued_on": "2015-09-07",
            "issuer": "Chính phủ",
            "title": "Nghị định về quản lý hoạt động thông tin đối ngoại",
        }
    )
    assert (
        citation(v1)
        == "Nghị định số 72/2015/NĐ-CP ngày 07/9/2015 của Chính phủ về quản lý hoạt động thông tin đối ngoại"
    )


def test_a_frozen_version_keeps_its_canonical_json_and_hash():
    frozen = {
        **CAO_BANG_2024,
        "legal_bases": [
            {"reference": "57-KL/TW", "issued_on": "2023-06-15", "issuer": "Bộ Chính trị", "title": "Kết luận về …"}
        ],
    }
    stored = json.dumps(
        PlanContent.from_dict(frozen).to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()
    again = PlanContent.from_dict(json.loads(stored))
    assert again.canonical_json() == stored  # no new keys appear in an old version
    assert "document_type" not in again.canonical_json().decode()
    assert again.sha256() == PlanContent.from_dict(frozen).sha256()


def test_the_face_names_units_amounts_and_recipients_as_an_official_would():
    # Issued in February 2024, the plan's units were the Sở TTTT's, named as they were then.
    in_2024 = json.loads(json.dumps(CAO_BANG_2024).replace("svhttdl-cao-bang", "stttt-cao-bang"))
    doc = face(
        {
            **in_2024,
            "title": "Kế hoạch hoạt động thông tin đối ngoại năm 2024",
            "recipients": [*CAO_BANG_2024["recipients"], "Lưu: VT, STTTT."],
        }
    )
    text = "\n".join(item.text for section in doc.sections for item in section.items)
    assert "stttt-cao-bang" not in text
    assert "Đơn vị chủ trì: Sở Thông tin và Truyền thông tỉnh Cao Bằng" in text
    assert "đơn vị phối hợp: Ban Tuyên giáo Tỉnh ủy" in text
    assert "Kinh phí: 150.000.000 đồng (ngân sách tỉnh)." in text and "₫" not in text
    assert doc.summary_line == "Hoạt động thông tin đối ngoại năm 2024"
    assert doc.issuer.header == ("Ủy ban nhân dân", "tỉnh Cao Bằng")
    assert [r for r in doc.recipients if r.startswith("Lưu")] == ["Lưu: VT, VX."]
    assert doc.recipients[-1] == "Lưu: VT, VX."
    assert doc.date_line == "Cao Bằng, ngày 08 tháng 02 năm 2024"
    assert doc.closing.endswith("./.")
    assert vnd(1_350_000_000) == "1.350.000.000 đồng"


def test_a_department_is_printed_under_its_parent_with_its_own_handling_unit():
    assert (SO.parent, SO.header, SO.handling_unit, SO.collective) == (
        "UBND tỉnh Cao Bằng",
        ("Sở Thông tin và Truyền thông",),
        "TTBCXB",
        "",
    )
    assert ORGS.unit_name("so-ngoai-vu-quang-binh", date(2020, 1, 1)) == "Sở Ngoại vụ tỉnh Quảng Bình"
    assert ORGS.unit_name("xx-unknown") == "xx-unknown"


def test_a_body_prints_as_it_was_on_the_issue_date():
    # Bắc Kạn in 2020; after the 2025 merger Thái Nguyên, a new organisation with its own face.
    bac_kan = ORGS.body("ubnd-bac-kan", date(2020, 2, 28))
    assert (bac_kan.header, bac_kan.name) == (("Ủy ban nhân dân", "tỉnh Bắc Kạn"), "Ủy ban nhân dân tỉnh Bắc Kạn")
    thai_nguyen = ORGS.body("ubnd-thai-nguyen-2025", date(2026, 1, 5))
    assert thai_nguyen.header == ("Ủy ban nhân dân", "tỉnh Thái Nguyên")
    so = ORGS.body("svhttdl-thai-nguyen-2025", date(2026, 1, 5))
    assert (so.parent, so.header, so.head) == (
        "UBND tỉnh Thái Nguyên",
        ("Sở Văn hóa, Thể thao và Du lịch",),
        "Giám đốc",
    )


def test_a_document_sent_upward_is_addressed_and_a_plan_is_not():
    from dataclasses import replace

    from plans.documents.render import DocumentRenderer

    renderer = DocumentRenderer()
    plan = face()
    assert "Kính gửi" not in renderer.html(plan)
    report = replace(
        plan, kind="report", type_code="BC", type_name="BÁO CÁO", addressed_to=("Bộ Văn hóa, Thể thao và Du lịch",)
    )
    assert "Kính gửi: Bộ Văn hóa, Thể thao và Du lịch." in renderer.html(report)
