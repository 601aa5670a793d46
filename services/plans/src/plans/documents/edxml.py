"""The edXML envelope of an issued document (QCVN 102:2016/BTTTT), in this one
module. No official XSD is at hand; docs/edxml.md records which element is
filled from where. The signed PDF travels as the one attachment, base64,
referenced from the manifest by its content id.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

from lxml import etree

from ..domain.model import Plan
from ..domain.organisations import Organisations

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
NS = {"edXML": NAMESPACE}
VIETNAM = timezone(timedelta(hours=7))
# DocumentType/Type codes of the envelope; KH is a plan, BC a report.
TYPE_CODES = {"KH": "6", "BC": "7", "QĐ": "2", "CV": "1", "TB": "4", "TTr": "8"}


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _add(parent: etree._Element, name: str, text: Any = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _q(name), **attributes)
    if text is not None:
        element.text = str(text)
    return element


def _organ(parent: etree._Element, name: str, organ_id: str, organ_name: str, in_charge: str = "") -> None:
    organ = _add(parent, name)
    _add(organ, "OrganId", organ_id)
    _add(organ, "OrganizationInCharge", in_charge or organ_name)
    _add(organ, "OrganName", organ_name)
    _add(organ, "OrganAdd", "")
    _add(organ, "Email", "")
    _add(organ, "Telephone", "")
    _add(organ, "Fax", "")
    _add(organ, "Website", "")


def envelope(plan: Plan, stored: Any, organisations: Organisations, *, now: datetime | None = None) -> bytes:
    """The envelope for ``plan``'s stored signed file (``stored``: content, sha256, document_number, details)."""
    assert plan.document_number and plan.issued_on and plan.issuer
    details: dict[str, Any] = stored.details or {}
    body = organisations.body(plan.issuer, plan.issued_on)
    number, _, notation = plan.document_number.partition("/")
    signer = details.get("signer") or {}
    recipients = [r.rstrip(";.") for r in details.get("recipients") or [] if not r.startswith("Lưu")]
    content_id = f"{stored.sha256[:32]}@ttdn"
    file_name = plan.document_number.replace("/", "-") + ".pdf"
    root = etree.Element(_q("edXMLEnvelope"), nsmap=NS)
    header = _add(root, "edXMLHeader")
    message = _add(header, "MessageHeader")
    _organ(message, "From", body.agency_code or body.code, body.name)
    for recipient in recipients:
        code = organisations.agency_code_of(recipient)
        if code:  # only recipients with an identifier are addressed; all are listed in ToPlaces
            _organ(message, "To", code, recipient)
    _add(message, "DocumentId", f"{body.agency_code or body.code},{plan.issued_on.isoformat()},{plan.document_number}")
    code = _add(message, "Code")
    _add(code, "CodeNumber", number)
    _add(code, "CodeNotation", notation)
    promulgation = _add(message, "PromulgationInfo")
    _add(promulgation, "Place", plan.place or details.get("place", ""))
    _add(promulgation, "PromulgationDate", plan.issued_on.isoformat())
    document_type = _add(message, "DocumentType")
    type_code = details.get("type_code", "KH")
    _add(document_type, "Type", TYPE_CODES.get(type_code, "0"))
    _add(document_type, "TypeName", str(details.get("type_name", "KẾ HOẠCH")).capitalize())
    _add(message, "Subject", details.get("summary_line") or plan.content.title)
    _add(message, "Content", "")
    signer_info = _add(message, "SignerInfo")
    competence = " ".join(
        filter(
            None,
            [
                signer.get("competence", ""),
                body.head if signer.get("competence") in ("KT.", "Q.", "TUQ.", "TL.") else "",
            ],
        )
    )
    _add(signer_info, "Competence", competence or body.head)
    _add(signer_info, "Position", signer.get("position", ""))
    _add(signer_info, "FullName", signer.get("full_name", ""))
    _add(message, "DueDate", "")
    places = _add(message, "ToPlaces")
    for recipient in recipients:
        _add(places, "Place", recipient)
    other = _add(message, "OtherInfo")
    _add(other, "Priority", "0")
    _add(other, "SphereOfPromulgation", "")
    _add(other, "TyperNotation", "")
    _add(other, "PromulgationAmount", "1")
    _add(other, "PageAmount", details.get("pages", ""))
    traces = _add(header, "TraceHeaderList")
    trace = _add(traces, "TraceHeader")
    _add(trace, "OrganId", body.agency_code or body.code)
    _add(trace, "Timestamp", (now or datetime.now(VIETNAM)).astimezone(VIETNAM).isoformat(timespec="seconds"))
    manifest = _add(_add(root, "edXMLBody"), "edXMLManifest", version="1.0")
    reference = _add(manifest, "Reference")
    _add(reference, "ContentId", f"cid:{content_id}")
    _add(reference, "ContentType", "application/pdf")
    _add(
        reference,
        "Description",
        f"{details.get('type_name', 'KẾ HOẠCH').capitalize()} số {plan.document_number} (đã ký số)",
    )
    _add(reference, "AttachmentName", file_name)
    attachments = etree.SubElement(root, "AttachmentEncoded")
    attachment = _add(attachments, "Attachment")
    _add(attachment, "ContentId", content_id)
    _add(attachment, "AttachmentName", file_name)
    _add(attachment, "ContentType", "application/pdf")
    _add(attachment, "ContentTransferEncoded", "base64")
    _add(attachment, "Value", base64.b64encode(stored.content).decode("ascii"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
