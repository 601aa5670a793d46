"""The 2025 reorganisation, through the whole suite: a Bắc Kạn plan issued in 2024 is imported as
history; after the merger into Thái Nguyên, Thái Nguyên's drafter reads it and cannot change it,
then drafts a 2026 plan that Thái Nguyên's department, its People's Committee and the ministry
approve, numbered in Thái Nguyên's register and printed with Thái Nguyên's header and place."""

from __future__ import annotations

import io
import json
import re

import requests
from pypdf import PdfReader

from infra.local.sample_plans import BAC_KAN_2020
from tests.support.journeys import Person, eventually, plan_body
from tests.support.orgs import unit_of
from tests.support.stack import Stack


def in_year(template: dict, year: int, unit: str, **changes: object) -> dict:
    """Seed 001's plan (Bắc Kạn, 2020) moved to ``year`` and drafted by ``unit``."""
    body = json.loads(json.dumps(template).replace('"svhttdl-thai-nguyen-2025"', f'"{unit}"'))
    body.update(year=year, **changes)
    for activity in body["activities"]:
        for field in ("start_date", "end_date"):
            if activity.get(field):
                activity[field] = str(year) + activity[field][4:]
    return body


def bac_kan_2024() -> dict:
    """As Bắc Kạn's Sở VHTTDL would have drafted it for 2024, with the units of then."""
    return in_year(BAC_KAN_2020, 2024, "svhttdl-bac-kan", title="Kế hoạch hoạt động thông tin đối ngoại năm 2024")


def test_the_reorganisation_story(stack: Stack, people: dict[str, Person]) -> None:
    admin, drafter = people["admin"], people["drafter.tn"]

    # 1. History imported, not re-enacted: Bắc Kạn's plan of 2024, its real number and signer.
    imported = admin.post(
        "/plans/import",
        json={
            "content": bac_kan_2024(),
            "document_number": "27/KH-UBND",
            "issued_on": "2024-02-20",
            "issuer": "ubnd-bac-kan",
            "signer": {"name": "Đinh Quang Tuyên", "position": "Phó Chủ tịch"},
        },
    )
    assert imported.status_code == 201, imported.text
    history = imported.json()
    assert history["date_line"] == "Bắc Kạn, ngày 20 tháng 02 năm 2024"
    assert history["issuing_body"]["name"] == "Ủy ban nhân dân tỉnh Bắc Kạn"

    # 2. The merger is in the registry: Thái Nguyên's Sở VHTTDL carries on Bắc Kạn's.
    assert unit_of("drafter.tn") == "svhttdl-thai-nguyen-2025"
    successor = drafter.get("/organisations/svhttdl-thai-nguyen-2025").json()
    assert "svhttdl-bac-kan" in {s["predecessor"] for s in successor["predecessors"]}

    # 3. Thái Nguyên's drafter reads the Bắc Kạn plan as history, and cannot change it.
    read = drafter.get(f"/plans/{history['id']}")
    assert read.status_code == 200 and read.json()["document_number"] == "27/KH-UBND"
    change = drafter.put(f"/plans/{history['id']}", json=bac_kan_2024(), headers={"If-Match": read.headers["ETag"]})
    assert change.status_code in (403, 409), change.text

    # 4. A 2026 Thái Nguyên plan, approved by Thái Nguyên's people and the ministry.
    body = in_year(
        BAC_KAN_2020,
        2026,
        unit_of("drafter.tn"),
        title="Kế hoạch hoạt động thông tin đối ngoại tỉnh Thái Nguyên năm 2026",
    )
    plan = drafter.create_plan(plan_body(body))
    assert plan["province"] == "ubnd-thai-nguyen-2025"
    drafter.submit(plan["id"])
    people["dept.tn"].approve_level(plan["id"], level=1)
    people["province.tn"].approve_level(plan["id"], level=2)
    people["ministry.1"].approve_level(plan["id"], level=3)
    issued = drafter.wait_for_status(plan["id"], "approved")
    # The copies of the registry in approvals and notifications were fed at the first migrate
    # (organisation.* events through the plans outbox): messages name the unit, never its id.
    told = people["dept.tn"].wait_for_message(
        lambda message: message.get("plan_id") == plan["id"], what="dept.tn's task message"
    )
    assert "Sở Văn hóa, Thể thao và Du lịch tỉnh Thái Nguyên" in told["body"], told["body"]
    assert "svhttdl-thai-nguyen-2025" not in told["body"]

    # 5. Numbered in Thái Nguyên's register, printed with Thái Nguyên's header and place.
    assert issued["issuer"] == "ubnd-thai-nguyen-2025" and re.fullmatch(r"\d{2,}/KH-UBND", issued["document_number"])
    assert issued["date_line"].startswith("Thái Nguyên, ngày ")

    def download() -> requests.Response | None:
        answer = drafter.get(f"/plans/{plan['id']}/document.pdf")
        return None if answer.status_code == 202 else answer

    pdf = eventually(download, timeout=90, what="the signed PDF")
    assert pdf.status_code == 200, pdf.text[:300]
    first = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    lines = [line.strip() for line in first.splitlines() if line.strip()]
    assert lines[:2] == ["ỦY BAN NHÂN DÂN", "TỈNH THÁI NGUYÊN"], lines[:6]
    assert "Thái Nguyên, ngày" in first and "Bắc Kạn" not in " ".join(lines[:6])
    verdict = requests.post(
        f"{stack.api}/documents/verify", data=pdf.content, headers={"Content-Type": "application/pdf"}, timeout=30
    )
    assert verdict.json()["signatures"][-1]["signer"] == "Ủy ban nhân dân tỉnh Thái Nguyên"
