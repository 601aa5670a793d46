"""Issued documents for real: WeasyPrint renders, pyHanko signs twice and validates,
SoftHSM holds the keys of the PKCS#11 path, a local RFC 3161 authority stamps, the
plans database stores the bytes, and the API serves, refuses and verifies them.

The Decree 30 checklist is read from the text pypdf extracts, page by page."""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from plans.bootstrap import bootstrap, document_tools
from plans.config import PlansSettings
from plans.documents import edxml
from plans.documents.pki import FileCredentials, Pkcs11Credentials, create_ca, issue_certificate
from plans.documents.render import DocumentRenderer
from plans.documents.signing import SEAL_FIELD, SIGNER_FIELD, SigningRequest, sign_document
from plans.documents.verify import verify_pdf
from plans.domain.commands import RenderNextDocument
from plans.entrypoints.app import create_app
from plans.service_layer.documents import StoredDocument
from pypdf import PdfReader

from infra.local.sample_plans import CAO_BANG_2024, load_sample_plans
from tests.support.documents import face_of, ten_page_plan
from tests.support.signing import SOFTHSM_MODULE, LocalTsa, put_on_token, softhsm_token

from .conftest import settings_issuing_documents

pytestmark = pytest.mark.timeout(180)


# -- rendering and signing, shared by the module (each costs about a second)
@pytest.fixture(scope="module")
def renderer() -> DocumentRenderer:
    return DocumentRenderer()


def signing_request(credentials: Any, face: Any) -> SigningRequest:
    return SigningRequest(
        signer=credentials.person(face.signature.username, face.signature.full_name, face.issuer.name),
        signer_name=face.signature.full_name,
        body=credentials.body(face.issuer.code, face.issuer.name),
        body_name=face.issuer.name,
        place=face.place,
        reason=f"Ban hành kế hoạch số {face.number}",
    )


@pytest.fixture(scope="module")
def cao_bang(renderer: DocumentRenderer, pki: FileCredentials) -> bytes:
    face = face_of(CAO_BANG_2024)
    rendered = renderer.render(face)
    return sign_document(rendered.pdf, rendered.slot, signing_request(pki, face))


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def validate(pdf: bytes, roots: list[bytes]) -> list[Any]:
    """pyHanko's own validator, nothing of the suite's."""
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    trust = [x509.Certificate.load(der) for blob in roots for _, _, der in pem.unarmor(blob, multiple=True)]
    reader = PdfFileReader(io.BytesIO(pdf))
    return [
        (signature.field_name, validate_pdf_signature(signature, ValidationContext(trust_roots=trust)))
        for signature in reader.embedded_signatures
    ]


# -- Decree 30's checklist, on the extracted text
def test_the_cao_bang_plan_reads_as_decree_30_asks(cao_bang: bytes) -> None:
    pages = pages_text(cao_bang)
    first, everything = lines(pages[0]), "\n".join(pages)
    joined = " ".join(everything.split())
    # The issuing body on two lines as they must break, then its number; the national title and motto.
    assert first[:3] == ["ỦY BAN NHÂN DÂN", "TỈNH CAO BẰNG", "Số: 01/KH-UBND"]
    assert first[3:6] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Cao Bằng, ngày 08 tháng 02 năm 2024",
    ]
    assert first[first.index("KẾ HOẠCH") + 1] == "Hoạt động thông tin đối ngoại năm 2024"  # capitalised, own words
    assert (
        "Căn cứ Kết luận số 57-KL/TW ngày 15/6/2023 của Bộ Chính trị về tiếp tục nâng cao chất lượng, "
        "hiệu quả công tác thông tin đối ngoại trong tình hình mới;" in joined
    )
    assert "Căn cứ Nghị định số 72/2015/NĐ-CP ngày 07/9/2015 của Chính phủ về quản lý" in joined
    assert (
        "Đơn vị chủ trì: Sở Thông tin và Truyền thông tỉnh Cao Bằng; "
        "đơn vị phối hợp: Ban Tuyên giáo Tỉnh ủy Cao Bằng." in joined
    )
    assert not re.search(r"\bCB-[A-ZĐ]+|\b[a-z]+-cao-bang\b", everything), "units are named in full, never by id"
    assert "150.000.000 đồng" in joined and "₫" not in everything
    assert "Tổng cộng 792.000.000 đồng" in joined
    assert joined.count("Lưu: VT") == 1 and "- Lưu: VT, VX." in joined
    assert "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH" in joined
    assert lines(pages[-1])[-2:] == ["Bế Đức Thắng", str(len(pages))]  # the margin's number comes last
    assert "Kính gửi" not in everything  # a plan is not addressed upward


def test_every_font_is_tinos_and_embedded(cao_bang: bytes) -> None:
    fonts = {}
    for page in PdfReader(io.BytesIO(cao_bang)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor
    assert fonts and all(name.split("+")[-1].startswith("Tinos") for name in fonts), fonts
    assert all(fonts.values()), "every font is embedded"


def test_page_numbers_are_centred_at_the_top_from_page_two_and_the_signature_is_never_alone(
    renderer: DocumentRenderer,
) -> None:
    rendered = renderer.render(face_of(ten_page_plan()))
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert len(reader.pages) == rendered.pages >= 8
    centre = (30 + (210 - 30 - 15) / 2) * 72 / 25.4  # the text block's centre: 30 mm left, 15 mm right margins
    for number, page in enumerate(reader.pages, start=1):
        found: list[tuple[float, float, str]] = []

        def seen(text: str, cm: list[float], tm: list[float], *_: object, found: list = found) -> None:
            if text.strip():  # the text's origin on the page: the text matrix through the current matrix
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                found.append((round(y, 1), x, text.strip()))

        page.extract_text(visitor_text=seen)
        top_y, top_x, top_text = max(found)
        if number == 1:
            assert top_text != "1" and "1" not in [text for _, _, text in found], "no number on the first page"
            continue
        assert top_text == str(number), f"page {number} has its number above everything else"
        assert top_y > 297 * 72 / 25.4 - 20 * 72 / 25.4, "in the top margin"
        assert abs(top_x + 3.5 * len(top_text) - centre) < 10, (number, top_x)
    last = lines(reader.pages[rendered.slot.page].extract_text())
    assert "Bế Đức Thắng" in last and any(line.startswith("Trên đây là Kế hoạch") for line in last)
    assert rendered.slot.page == len(reader.pages) - 1


# -- signatures
def test_two_signatures_signer_first_then_the_body_covering_it(cao_bang: bytes, pki: FileCredentials) -> None:
    results = validate(cao_bang, pki.trust_roots_pem())
    assert [name for name, _ in results] == [SIGNER_FIELD, SEAL_FIELD]
    (_, signer), (_, body) = results
    for status in (signer, body):
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert signer.signing_cert.subject.native["common_name"] == "Bế Đức Thắng"
    assert body.signing_cert.subject.native["common_name"] == "Ủy ban nhân dân tỉnh Cao Bằng"
    assert body.coverage.name == "ENTIRE_FILE" and signer.coverage.name == "ENTIRE_REVISION"
    assert body.signer_reported_dt >= signer.signer_reported_dt


def test_every_signer_and_body_has_a_certificate_of_their_own(pki: FileCredentials) -> None:
    from cryptography import x509

    names = {}
    for username, name in (("province.cb", "Bế Đức Thắng"), ("province.bk", "Triệu Đức Long")):
        credential = pki.person(username, name, "Ủy ban nhân dân tỉnh")
        names[username] = x509.load_pem_x509_certificate(credential.certificate_pem).subject.rfc4514_string()
    assert "Bế Đức Thắng" in names["province.cb"] and "Triệu Đức Long" in names["province.bk"]


def test_one_changed_byte_is_not_intact(cao_bang: bytes, pki: FileCredentials) -> None:
    assert verify_pdf(cao_bang, pki.trust_roots_pem()).intact
    offset = 1000  # inside the first page's content stream: covered by both signatures
    tampered = cao_bang[:offset] + bytes([cao_bang[offset] ^ 0x01]) + cao_bang[offset + 1 :]
    assert not verify_pdf(tampered, pki.trust_roots_pem()).intact
    assert not all(status.intact for _, status in validate(tampered, pki.trust_roots_pem()))
    appended = cao_bang + b"\n% a line added after signing\n"
    assert not verify_pdf(appended, pki.trust_roots_pem()).intact


def test_keys_on_a_pkcs11_token_sign_the_document(
    tmp_path: Path, renderer: DocumentRenderer, pki: FileCredentials
) -> None:
    if not SOFTHSM_MODULE:
        pytest.fail("SoftHSM is not installed: run infra/local/ensure-document-tools.sh")
    token = softhsm_token(tmp_path)
    ca_key, ca_cert = create_ca("TTĐN test HSM CA")
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import Encoding

    for label, name in (
        ("person:province.cb", "Bế Đức Thắng"),
        ("body:ubnd-cao-bang", "Ủy ban nhân dân tỉnh Cao Bằng"),
    ):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        put_on_token(token, label, key, issue_certificate(ca_key, ca_cert, key.public_key(), name, name))
    root = ca_cert.public_bytes(Encoding.PEM)
    hsm = Pkcs11Credentials(token["module"], token["token"], token["pin"], images_dir=tmp_path, trust_roots=[root])
    face = face_of(CAO_BANG_2024)
    rendered = renderer.render(face)
    signed = sign_document(rendered.pdf, rendered.slot, signing_request(hsm, face))
    results = validate(signed, [root])
    assert len(results) == 2 and all(s.intact and s.valid and s.trusted for _, s in results)
    assert results[0][1].signing_cert.subject.native["common_name"] == "Bế Đức Thắng"


def test_a_configured_timestamp_authority_stamps_both_signatures(
    renderer: DocumentRenderer, pki: FileCredentials
) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from plans.documents.pipeline import timestamper_from

    ca_key = serialization.load_pem_private_key((pki.directory / "ca.key.pem").read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate(pki.ca_cert_path.read_bytes())
    tsa = LocalTsa(ca_key, ca_cert)  # type: ignore[arg-type]
    try:
        face = face_of(CAO_BANG_2024)
        rendered = renderer.render(face)
        stamper = timestamper_from(PlansSettings(document_tsa_url=tsa.url))
        signed = sign_document(rendered.pdf, rendered.slot, signing_request(pki, face), timestamper=stamper)
    finally:
        tsa.stop()
    assert tsa.requests == 2
    for _, status in validate(signed, pki.trust_roots_pem()):
        assert status.timestamp_validity is not None and status.timestamp_validity.intact
        assert status.timestamp_validity.valid
    assert all(check.timestamped_at for check in verify_pdf(signed, pki.trust_roots_pem()).signatures)


# -- through the plans service: queue, renderer, API
@pytest.fixture(scope="module")
def settings(plans_db: str, idp: str, pki: FileCredentials) -> PlansSettings:
    return settings_issuing_documents(plans_db, idp, pki)


@pytest.fixture(scope="module")
def issued(settings: PlansSettings) -> dict[str, Any]:
    """The sample plans loaded through the use cases: Cao Bằng 2024 is issued (01/KH-UBND)."""
    bus = bootstrap(settings)
    plans = load_sample_plans(bus)
    by_status = {plan.status: plan for plan in plans}
    return {"deps": bus, "approved": by_status["approved"], "draft": by_status["draft"], "all": plans}


def test_the_api_serves_the_stored_signed_file_and_refuses_what_is_not_issued(
    app: Any, settings: PlansSettings, issued: dict[str, Any], tokens: Any
) -> None:
    client = app.test_client()
    plan = issued["approved"]
    cb = tokens("drafter.cb")

    waiting = client.get(f"/plans/{plan.id}/document.pdf", headers=cb)
    assert waiting.status_code == 202 and int(waiting.headers["Retry-After"]) >= 1

    draft = client.get(f"/plans/{issued['draft'].id}/document.pdf", headers=cb)
    assert draft.status_code == 409 and draft.mimetype == "application/problem+json"
    assert draft.json["plan_status"] == "draft"
    other_unit = client.get(f"/plans/{plan.id}/document.pdf", headers=tokens("drafter.bk"))
    assert other_unit.status_code == 404
    assert client.get(f"/plans/{plan.id}/document.edxml", headers=tokens("drafter.bk")).status_code == 404

    # The renderer's step, with the real directory (the identity provider) naming the signer.
    renderer = bootstrap(settings, documents=document_tools(settings))
    assert renderer.handle(RenderNextDocument()) == plan.id

    first = client.get(f"/plans/{plan.id}/document.pdf", headers=cb)
    second = client.get(f"/plans/{plan.id}/document.pdf", headers=tokens("province.cb"))
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    assert "01-KH-UBND.pdf" in first.headers["Content-Disposition"]
    joined = " ".join(" ".join(pages_text(first.data)).split())
    assert "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH" in joined and "Bế Đức Thắng" in joined

    # Anyone may check it, without an account.
    verdict = client.post("/documents/verify", data=first.data, content_type="application/pdf")
    assert verdict.status_code == 200, verdict.json
    assert verdict.json["intact"] and verdict.json["matches_stored_original"] and verdict.json["trusted"]
    assert verdict.json["document"]["number"] == "01/KH-UBND"
    assert verdict.json["document"]["issuer_name"] == "Ủy ban nhân dân tỉnh Cao Bằng"
    assert verdict.json["document"]["issued_on"] == plan.issued_on.isoformat()
    assert [s["signer"] for s in verdict.json["signatures"]] == ["Bế Đức Thắng", "Ủy ban nhân dân tỉnh Cao Bằng"]
    assert all(s["signed_at"].endswith("+07:00") for s in verdict.json["signatures"])
    offset = 1000
    tampered = first.data[:offset] + bytes([first.data[offset] ^ 1]) + first.data[offset + 1 :]
    form = client.post("/documents/verify", data={"file": (io.BytesIO(tampered), "x.pdf")})
    assert form.status_code == 200 and form.json["verdict"] == "not intact"
    assert not form.json["matches_stored_original"]

    not_pdf = client.post("/documents/verify", data=b"<html>not a pdf</html>", content_type="text/html")
    assert not_pdf.status_code == 415 and not_pdf.mimetype == "application/problem+json"
    disguised = client.post("/documents/verify", data=b"GIF89a....", content_type="application/pdf")
    assert disguised.status_code == 415
    too_big = client.post(
        "/documents/verify", data=b"%PDF-" + b"0" * settings.document_verify_max_bytes, content_type="application/pdf"
    )
    assert too_big.status_code == 413 and too_big.mimetype == "application/problem+json"
    # Elsewhere the ordinary limit still holds.
    big_json = client.post(
        "/plans", data=b"{" + b" " * (2 * 1_048_576) + b"}", content_type="application/json", headers=cb
    )
    assert big_json.status_code == 413


def test_the_edxml_envelope_parses_back_with_the_signed_pdf_attached(
    app: Any, issued: dict[str, Any], tokens: Any
) -> None:
    client = app.test_client()
    plan = issued["approved"]
    pdf = client.get(f"/plans/{plan.id}/document.pdf", headers=tokens("drafter.cb"))
    if pdf.status_code == 202:
        pytest.skip("runs after the API test has rendered the document")
    answer = client.get(f"/plans/{plan.id}/document.edxml", headers=tokens("drafter.cb"))
    assert answer.status_code == 200 and answer.mimetype == "application/xml"
    root = etree.fromstring(answer.data)
    ns = edxml.NS
    header = root.find("edXML:edXMLHeader/edXML:MessageHeader", ns)
    text = lambda path: header.findtext(path, namespaces=ns)  # noqa: E731
    assert root.tag == f"{{{edxml.NAMESPACE}}}edXMLEnvelope"
    assert text("edXML:From/edXML:OrganId") == "ubnd-cao-bang"  # no national code configured: the suite's own, said so
    assert text("edXML:From/edXML:OrganName") == "Ủy ban nhân dân tỉnh Cao Bằng"
    assert (text("edXML:Code/edXML:CodeNumber"), text("edXML:Code/edXML:CodeNotation")) == ("01", "KH-UBND")
    assert text("edXML:PromulgationInfo/edXML:Place") == "Cao Bằng"
    assert text("edXML:PromulgationInfo/edXML:PromulgationDate") == plan.issued_on.isoformat()
    assert text("edXML:DocumentType/edXML:TypeName") == "Kế hoạch"
    assert text("edXML:Subject") == "Hoạt động thông tin đối ngoại năm 2024"
    assert (
        text("edXML:SignerInfo/edXML:Competence"),
        text("edXML:SignerInfo/edXML:Position"),
        text("edXML:SignerInfo/edXML:FullName"),
    ) == ("KT. Chủ tịch", "Phó Chủ tịch", "Bế Đức Thắng")
    assert header.findall("edXML:To", ns) == []  # no recipient has a configured identifier
    places = [p.text for p in header.findall("edXML:ToPlaces/edXML:Place", ns)]
    assert places[:2] == ["Bộ Văn hóa, Thể thao và Du lịch", "Thường trực Tỉnh ủy"]
    reference = root.find("edXML:edXMLBody/edXML:edXMLManifest/edXML:Reference", ns)
    attachment = root.find("AttachmentEncoded/edXML:Attachment", ns)
    assert reference.findtext("edXML:ContentId", namespaces=ns) == "cid:" + attachment.findtext(
        "edXML:ContentId", namespaces=ns
    )
    import base64

    assert base64.b64decode(attachment.findtext("edXML:Value", namespaces=ns)) == pdf.data


def test_edxml_addresses_recipients_that_have_an_identifier(issued: dict[str, Any], tmp_path: Path) -> None:
    from plans.domain.organisation_seed import load_seed
    from plans.domain.organisations import Organisations

    (tmp_path / "orgs.json").write_text(
        '{"agency_codes": {"Bộ Văn hóa, Thể thao và Du lịch": "000.00.00.G27"}}', encoding="utf-8"
    )
    registry = load_seed()
    organisations = Organisations.load(lambda: registry, tmp_path / "orgs.json")
    stored = StoredDocument(
        b"%PDF-1.7 signed",
        "ab" * 32,
        "01/KH-UBND",
        {"recipients": ["Bộ Văn hóa, Thể thao và Du lịch;", "Thường trực Tỉnh ủy;", "Lưu: VT, VX."]},
    )
    root = etree.fromstring(edxml.envelope(issued["approved"], stored, organisations))
    to = root.findall("edXML:edXMLHeader/edXML:MessageHeader/edXML:To", edxml.NS)
    assert [t.findtext("edXML:OrganId", namespaces=edxml.NS) for t in to] == ["000.00.00.G27"]


def test_renderers_side_by_side_store_each_document_once(settings: PlansSettings, issued: dict[str, Any]) -> None:
    """The queue hands a document to one renderer; the stored bytes never change afterwards."""
    deps = issued["deps"]
    with deps.uow() as uow:
        stored = uow.issued_files.content("plan", issued["approved"].id)
    assert stored is not None
    results: list[Any] = []
    renderer = bootstrap(settings, documents=document_tools(settings))
    threads = [threading.Thread(target=lambda: results.append(renderer.handle(RenderNextDocument()))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [None, None]  # nothing pending: nothing rendered again
    with deps.uow() as uow:
        again = uow.issued_files.content("plan", issued["approved"].id)
    assert again is not None and again[1] == stored[1]


@pytest.fixture(scope="module")
def app(settings: PlansSettings):  # type: ignore[no-untyped-def]
    application = create_app(settings)
    yield application
    application.extensions["plans_db"].dispose()
