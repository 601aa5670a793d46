"""Issued documents over HTTP: the signed PDF, its edXML envelope, and
verification of a PDF anyone sends (no account: recipients in other agencies
have none)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from servicekit.problems import Problem

from .. import views
from ..documents import edxml
from ..documents.verify import verify_pdf
from ..domain.model import PLAN, REPORT
from ..domain.organisations import Organisations
from ..service_layer.documents import PendingDocument, StoredDocument
from .api import actor, bus

blp = Blueprint("documents", __name__, description="Issued documents: signed PDF, edXML, verification")

PDF = "application/pdf"
EDXML = "application/xml"


def _path_id(name: str, description: str) -> list[dict[str, Any]]:
    return [{"in": "path", "name": name, "description": description, "required": True, "schema": {"type": "string"}}]


REPORT_ID = _path_id("report_id", "The report's id")
PLAN_ID = _path_id("plan_id", "The plan's id")
PENDING_ANSWER = {
    "description": "Issued, but the signed file is still being made; retry after Retry-After seconds",
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": {"type": "object"}}},
}
PDF_ANSWER = {
    "description": "The signed PDF, the same bytes on every download",
    "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
}
EDXML_ANSWER = {
    "description": "The QCVN 102:2016 edXML envelope with the signed PDF attached",
    "content": {EDXML: {"schema": {"type": "string"}}},
}
# What else a download of each kind answers: the file is still being made, no such document, not issued.
PLAN_ANSWERS = {
    "202": PENDING_ANSWER,
    "404": {"description": "No such plan, or not one the caller may read"},
    "409": {"description": "The plan is not issued (yet); `status` says where it stands"},
}
REPORT_ANSWERS = {
    "202": PENDING_ANSWER,
    "404": {"description": "No such report, or not one the caller may read"},
    "409": {"description": "The report is not issued (yet)"},
}


def _settings() -> Any:
    return current_app.extensions["settings"]


def _organisations() -> Organisations:
    return current_app.extensions["plans_organisations"]


def _pending(answer: PendingDocument) -> Response:
    retry = str(_settings().document_retry_after_seconds)
    response = jsonify(
        {
            "status": "rendering",
            "detail": "The document is issued; its signed file is being made.",
            "retry_after": int(retry),
        }
    )
    response.status_code = 202
    response.headers["Retry-After"] = retry
    return response


def _file_name(number: str, extension: str) -> str:
    return number.replace("/", "-") + "." + extension


def _stored(plan_id: str, kind: str = PLAN) -> StoredDocument | Response:
    answer = views.issued_document(plan_id, actor(), bus().uow(), kind=kind)
    return _pending(answer) if isinstance(answer, PendingDocument) else answer


def _pdf(plan_id: str, kind: str) -> Response:
    stored = _stored(plan_id, kind)
    if isinstance(stored, Response):
        return stored
    etag = f'"{stored.sha256}"'
    if request.if_none_match.contains(stored.sha256):
        return Response(status=304, headers={"ETag": etag})
    return Response(
        stored.content,
        mimetype=PDF,
        headers={
            "ETag": etag,
            "Content-Disposition": f'inline; filename="{_file_name(stored.document_number, "pdf")}"',
            "Cache-Control": "private, max-age=3600",
            "X-Content-SHA256": stored.sha256,
        },
    )


def _edxml(plan_id: str, kind: str) -> Response:
    stored = _stored(plan_id, kind)
    if isinstance(stored, Response):
        return stored
    plan = views.get_plan(plan_id, actor(), bus().uow(), kind=kind)
    envelope = edxml.envelope(plan, stored, _organisations())
    return Response(
        envelope,
        mimetype=EDXML,
        headers={"Content-Disposition": f'attachment; filename="{_file_name(stored.document_number, "edxml")}"'},
    )


@blp.route("/plans/<string:plan_id>/document.pdf", parameters=PLAN_ID)
class PlanDocumentPdf(MethodView):
    @blp.doc(responses={"200": PDF_ANSWER, **PLAN_ANSWERS})
    def get(self, plan_id: str) -> Response:
        """The issued plan as a digitally signed PDF (Decree 30 layout; signer's and issuing body's PAdES signatures)"""
        return _pdf(plan_id, PLAN)


@blp.route("/plans/<string:plan_id>/document.edxml", parameters=PLAN_ID)
class PlanDocumentEdxml(MethodView):
    @blp.doc(responses={"200": EDXML_ANSWER, **PLAN_ANSWERS})
    def get(self, plan_id: str) -> Response:
        """The issued plan as an edXML package (QCVN 102:2016/BTTTT) for the national document exchange"""
        return _edxml(plan_id, PLAN)


@blp.route("/reports/<string:report_id>/document.pdf", parameters=REPORT_ID)
class ReportDocumentPdf(MethodView):
    @blp.doc(responses={"200": PDF_ANSWER, **REPORT_ANSWERS})
    def get(self, report_id: str) -> Response:
        """The issued report (BÁO CÁO) as a digitally signed PDF, made by the same renderer as plans"""
        return _pdf(report_id, REPORT)


@blp.route("/reports/<string:report_id>/document.edxml", parameters=REPORT_ID)
class ReportDocumentEdxml(MethodView):
    @blp.doc(responses={"200": EDXML_ANSWER, **REPORT_ANSWERS})
    def get(self, report_id: str) -> Response:
        """The issued report as an edXML package (QCVN 102:2016/BTTTT)"""
        return _edxml(report_id, REPORT)


@blp.route("/documents/verify")
class DocumentVerification(MethodView):
    @blp.doc(
        security=[],
        requestBody={
            "required": True,
            "content": {
                PDF: {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                },
            },
        },
        responses={
            "200": {
                "description": (
                    "Whether the signatures are intact, who signed when, which document it is, "
                    "and whether it is the stored original"
                ),
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "413": {"description": "Larger than the verification limit (20 MB)"},
            "415": {"description": "Not a PDF"},
        },
    )
    def post(self) -> Response:
        """Check a signed PDF: no account needed"""
        data = _upload()
        result = verify_pdf(data, current_app.extensions["plans_trust_roots"]())
        with bus().uow() as uow:
            original = uow.issued_files.by_sha256(result.sha256)
        claimed = result.claimed
        document = (
            {
                "kind": original.kind,
                "id": original.document_id,
                "number": original.document_number,
                "issuer": original.issuer,
                "issuer_name": original.details.get("issuer_name"),
                "issued_on": original.issued_on.isoformat(),
            }
            if original is not None
            else (
                {
                    "kind": claimed.get("kind"),
                    "id": claimed.get("document_id"),
                    "number": claimed.get("number"),
                    "issuer": claimed.get("issuer"),
                    "issuer_name": claimed.get("issuer_name"),
                    "issued_on": claimed.get("issued_on"),
                }
                if result.intact and claimed
                else None
            )
        )
        return jsonify(
            {
                "intact": result.intact,
                "verdict": "intact" if result.intact else "not intact",
                "trusted": result.trusted,
                "sha256": result.sha256,
                "matches_stored_original": original is not None,
                "document": document,
                "signatures": [check.to_dict() for check in result.signatures],
                "reason": result.reason or None,
            }
        )


def _upload() -> bytes:
    limit = _settings().document_verify_max_bytes
    if request.content_length is not None and request.content_length > limit:
        raise Problem(
            413, "Payload too large", f"A document to verify may have at most {limit} bytes.", max_bytes=limit
        )
    media = (request.mimetype or "").lower()
    if media == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Problem(
                415, "Unsupported media type", "Send the PDF as the form field 'file'.", errors={"file": ["Missing."]}
            )
        data = upload.read(limit + 1)
    elif media in (PDF, "application/octet-stream"):
        data = request.get_data(cache=False)
    else:
        raise Problem(
            415, "Unsupported media type", "Send a PDF (application/pdf, or multipart/form-data with 'file')."
        )
    if len(data) > limit:
        raise Problem(
            413, "Payload too large", f"A document to verify may have at most {limit} bytes.", max_bytes=limit
        )
    if not data.lstrip()[:5] == b"%PDF-":
        raise Problem(415, "Unsupported media type", "The upload is not a PDF.", errors={"file": ["Not a PDF."]})
    return data
