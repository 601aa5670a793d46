"""Checking a PDF anyone sends: are its signatures intact, who signed and when,
which document does it say it is. pyHanko's validator does the cryptography;
this module only reads its answers.

"Intact" means every signature's digest matches the bytes it covers, the last
signature covers the whole file, and nothing after the first signature changed
more than adding later signatures. Whether the certificates chain to a trusted
root is reported apart ("trusted"), since a recipient may check a document
from a body whose root they do not hold.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from io import BytesIO
from typing import Any

log = logging.getLogger(__name__)
VIETNAM = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    signer: str  # the certificate subject's common name
    organisation: str
    signed_at: str | None  # ISO 8601, as the signature states it
    timestamped_at: str | None  # from an RFC 3161 timestamp token, when there is one
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_file: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "signer": self.signer,
            "organisation": self.organisation,
            "signed_at": self.signed_at,
            "timestamped_at": self.timestamped_at,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "covers_whole_file": self.covers_whole_file,
        }


@dataclass(frozen=True)
class Verification:
    sha256: str
    intact: bool
    trusted: bool
    signatures: tuple[SignatureCheck, ...]
    claimed: dict[str, str] = field(default_factory=dict)  # number, issuer … as the file states them
    reason: str = ""


def _common_name(name: Any, key: str) -> str:
    try:
        return str(name.native.get(key, "")) if name is not None else ""
    except Exception:  # pragma: no cover - a certificate with an odd name
        return ""


def _local(moment: datetime | None) -> str | None:
    """ISO 8601 in Vietnam's time (+07:00), as the document's seal shows it."""
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds") if moment else None


def _claimed(reader: Any) -> dict[str, str]:
    try:
        info = reader.trailer_view["/Info"]
    except Exception:
        return {}
    claimed = {}
    for key, name in (
        ("/ttdnnumber", "number"),
        ("/ttdnissuer", "issuer"),
        ("/ttdnissuername", "issuer_name"),
        ("/ttdnissuedon", "issued_on"),
        ("/ttdnkind", "kind"),
        ("/ttdndocument", "document_id"),
        ("/ttdnversion", "version"),
    ):
        value = info.get(key)
        if value is not None:
            claimed[name] = str(value)
    return claimed


def verify_pdf(data: bytes, trust_roots_pem: list[bytes]) -> Verification:
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    digest = hashlib.sha256(data).hexdigest()
    roots = []
    for blob in trust_roots_pem:
        for _kind, _headers, der in pem.unarmor(blob, multiple=True):
            roots.append(x509.Certificate.load(der))
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as error:
        return Verification(digest, False, False, (), reason=f"not a readable PDF: {error.__class__.__name__}")
    if not embedded:
        return Verification(digest, False, False, (), _claimed(reader), reason="the file carries no signature")
    checks = []
    for signature in embedded:
        context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
        try:
            status = validate_pdf_signature(signature, context)
        except Exception as error:
            log.info("signature could not be validated", extra={"error": str(error)})
            checks.append(SignatureCheck(signature.field_name, "", "", None, None, False, False, False, False))
            continue
        subject = status.signing_cert.subject if status.signing_cert is not None else None
        whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        unchanged = status.modification_level is None or status.modification_level <= ModificationLevel.FORM_FILLING
        stamp = status.timestamp_validity
        checks.append(
            SignatureCheck(
                field=signature.field_name,
                signer=_common_name(subject, "common_name"),
                organisation=_common_name(subject, "organization_name"),
                signed_at=_local(status.signer_reported_dt),
                timestamped_at=_local(stamp.timestamp) if stamp is not None and stamp.intact else None,
                intact=bool(status.intact and status.valid and unchanged and status.docmdp_ok is not False),
                valid=bool(status.valid),
                trusted=bool(status.trusted),
                covers_whole_file=whole,
            )
        )
    intact = all(check.intact for check in checks) and checks[-1].covers_whole_file
    reason = "" if intact else "a signature does not match the bytes it covers, or the file changed after signing"
    return Verification(
        sha256=digest,
        intact=intact,
        trusted=intact and all(check.trusted for check in checks),
        signatures=tuple(checks),
        claimed=_claimed(reader),
        reason=reason,
    )
