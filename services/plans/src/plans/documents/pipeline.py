"""The renderer's real dependencies: face → PDF → two signatures, the people
directory, and the trust roots verification checks against."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..domain.document import DocumentFace, Signer
from .pki import FileCredentials, Pkcs11Credentials, SigningCredentials
from .render import DocumentRenderer
from .signing import SigningRequest, sign_document


@dataclass
class RenderAndSign:
    renderer: DocumentRenderer
    credentials: SigningCredentials
    timestamper: object | None = None

    def __call__(self, face: DocumentFace) -> tuple[bytes, dict[str, Any]]:
        started = time.perf_counter()
        rendered = self.renderer.render(face)
        request = SigningRequest(
            signer=self.credentials.person(face.signature.username, face.signature.full_name, face.issuer.name),
            signer_name=face.signature.full_name,
            body=self.credentials.body(face.issuer.code, face.issuer.name),
            body_name=face.issuer.name,
            place=face.place,
            reason=f"Ban hành {face.type_name.lower()} số {face.number}",
        )
        pdf = sign_document(rendered.pdf, rendered.slot, request, timestamper=self.timestamper)
        return pdf, {
            "pages": rendered.pages,
            "signer": {
                "full_name": face.signature.full_name,
                "position": face.signature.position,
                "competence": face.signature.competence,
                "authority": list(face.signature.authority),
                "title": face.signature.title,
            },
            "summary_line": face.summary_line,
            "type_code": face.type_code,
            "type_name": face.type_name,
            "place": face.place,
            "issuer_name": face.issuer.name,
            "agency_code": face.issuer.agency_code,
            "recipients": list(face.recipients),
            "seconds": round(time.perf_counter() - started, 3),
        }


class DirectoryPeople:
    """Signers from the Keycloak directory (servicekit's Directory: name and the `position` attribute)."""

    def __init__(self, directory: Any) -> None:
        self.directory = directory

    def signer(self, username: str) -> Signer | None:
        person = self.directory.person(username)
        if person is None:
            return None
        return Signer(
            username=person.username,
            full_name=person.display_name,
            position=person.position,
            org_unit=person.org_unit,
        )


def credentials_from(settings: Any) -> SigningCredentials:
    roots = [Path(path).read_bytes() for path in settings.document_trust_roots.split(",") if path.strip()]
    if settings.document_pkcs11_module:
        return Pkcs11Credentials(
            settings.document_pkcs11_module,
            settings.document_pkcs11_token,
            settings.document_pkcs11_pin,
            images_dir=settings.document_pki_dir,
            trust_roots=roots,
        )
    files = FileCredentials(settings.document_pki_dir, development=settings.document_development_pki)
    if roots:
        files.extra_roots = roots
    return files


def timestamper_from(settings: Any) -> object | None:
    if not settings.document_tsa_url:
        return None
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    return RequestsHTTPTimeStamper(settings.document_tsa_url, timeout=10)
