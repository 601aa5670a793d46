"""An approved plan becomes a signed document a province can send: through the
gateway, on the shared suite (the renderer process signs with the run's
development CA), downloaded, exported as edXML and checked by someone without
an account."""

from __future__ import annotations

import requests
from lxml import etree
from plans.documents.edxml import NS

from infra.local.sample_plans import CAO_BANG_2024
from tests.support.journeys import Person, eventually, plan_body
from tests.support.stack import Stack


def test_an_approved_plan_is_issued_as_a_signed_pdf_anyone_can_verify(stack: Stack, people: dict[str, Person]) -> None:
    drafter, other_unit = people["drafter.cb"], people["drafter.bk"]
    plan = drafter.create_plan(plan_body(CAO_BANG_2024, title="Kế hoạch hoạt động thông tin đối ngoại năm 2026"))
    plan_id = plan["id"]

    # Not issued yet: 409 with the plan's status; another unit's plan: 404.
    draft = drafter.get(f"/plans/{plan_id}/document.pdf")
    assert draft.status_code == 409 and draft.json()["plan_status"] == "draft"
    assert other_unit.get(f"/plans/{plan_id}/document.pdf").status_code == 404

    drafter.submit(plan_id)
    people["dept.cb"].approve_level(plan_id, level=1)
    people["province.cb"].approve_level(plan_id, level=2)
    people["ministry.1"].approve_level(plan_id, level=3)
    issued = drafter.wait_for_status(plan_id, "approved")
    assert issued["document_number"].endswith("/KH-UBND")

    # The renderer makes it after the decision: until then 202 with Retry-After, then the stored file.
    def download() -> requests.Response | None:
        answer = drafter.get(f"/plans/{plan_id}/document.pdf")
        if answer.status_code == 202:
            assert int(answer.headers["Retry-After"]) >= 1
            return None
        return answer

    pdf = eventually(download, timeout=60, what="the signed PDF")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf", pdf.text[:300]
    again = people["province.cb"].get(f"/plans/{plan_id}/document.pdf")
    assert again.content == pdf.content  # stored once, the same bytes for everyone

    # Anyone may check it, with no token at all.
    verdict = requests.post(
        f"{stack.api}/documents/verify", data=pdf.content, headers={"Content-Type": "application/pdf"}, timeout=30
    )
    assert verdict.status_code == 200, verdict.text
    body = verdict.json()
    assert body["intact"] and body["matches_stored_original"]
    assert body["document"]["number"] == issued["document_number"]
    assert [s["signer"] for s in body["signatures"]] == ["Bế Đức Thắng", "Ủy ban nhân dân tỉnh Cao Bằng"]
    changed = bytearray(pdf.content)
    changed[1000] ^= 1
    tampered = requests.post(
        f"{stack.api}/documents/verify", data=bytes(changed), headers={"Content-Type": "application/pdf"}, timeout=30
    )
    assert tampered.status_code == 200 and tampered.json()["verdict"] == "not intact"
    not_pdf = requests.post(
        f"{stack.api}/documents/verify", data=b"hello", headers={"Content-Type": "text/plain"}, timeout=30
    )
    assert not_pdf.status_code == 415 and not_pdf.headers["Content-Type"].startswith("application/problem+json")

    # The edXML package carries the same signed file.
    envelope = drafter.get(f"/plans/{plan_id}/document.edxml")
    assert envelope.status_code == 200 and envelope.headers["Content-Type"].startswith("application/xml")
    root = etree.fromstring(envelope.content)
    number = root.findtext("edXML:edXMLHeader/edXML:MessageHeader/edXML:Code/edXML:CodeNumber", namespaces=NS)
    assert number == issued["document_number"].split("/")[0]
