"""The use case of the renderer (render, sign and store the next issued document)
and what issued documents are made of. Reading a stored document is
``plans.views.issued_document``.

Issuing (in :func:`handlers.complete_approval`) only queues the document; the
renderer process runs ``RenderNextDocument`` after that transaction committed,
so a decision never waits for a PDF.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from ..domain import commands
from ..domain.document import DocumentFace, Signer, document_face
from ..domain.model import APPROVED, Plan
from ..domain.organisations import BodyFace, Organisations
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

PLAN = "plan"


class People(Protocol):
    def signer(self, username: str) -> Signer | None:
        """The person as the directory describes them (name, position, unit), or None if unknown."""
        ...


class RenderAndSign(Protocol):
    def __call__(self, face: DocumentFace) -> tuple[bytes, dict[str, Any]]:
        """The signed PDF of ``face`` and what it recorded (pages, signing time …)."""
        ...


@dataclass(frozen=True)
class DocumentTools:
    organisations: Organisations
    people: People
    render_and_sign: RenderAndSign


@dataclass(frozen=True)
class StoredDocument:
    content: bytes
    sha256: str
    document_number: str
    details: dict[str, Any]


@dataclass(frozen=True)
class PendingDocument:
    """Issued, but the renderer has not stored its file yet."""

    attempts: int


def plan_face(
    plan: Plan, version: int, organisations: Organisations, signer: Signer, answering: str | None = None
) -> DocumentFace:
    """The face of an issued document of either kind, from the version it issued; ``answering`` is the
    citation of the ministry's call the plan or report answers."""
    assert plan.document_number and plan.issued_on and plan.issuer and plan.place
    content = plan.versions[version - 1].content if 1 <= version <= len(plan.versions) else plan.content
    return document_face(
        document_id=plan.id,
        version=version,
        content=content,
        number=plan.document_number,
        issued_on=plan.issued_on,
        place=plan.place,
        issuer=organisations.body(plan.issuer, plan.issued_on),
        signer=signer,
        organisations=organisations,
        answering=answering,
    )


def _call_cited(uow: UnitOfWork, plan: Plan | None) -> str | None:
    """The citation of the ministry's call the plan or report answers (the one its drafter chose,
    else the one its year, kind and province match), for its preamble (None: it answers none)."""
    calls = getattr(uow, "calls", None)
    if plan is None or calls is None:
        return None
    from .handlers import call_for_plan

    call_id = call_for_plan(uow, plan.id, plan.content.year, plan.province, kind=plan.kind)
    call = calls.get(call_id) if call_id else None
    return call.citation if call is not None else None


def signer_of(plan: Plan, version: int, signing_level: int) -> str | None:
    """Who approved the version at the level that signs for the issuing body (the last such decision)."""
    username, _ = signing_authority(plan, version, signing_level)
    return username


def signing_authority(plan: Plan, version: int, signing_level: int) -> tuple[str | None, str]:
    """The signer (as :func:`signer_of`) and whose place they held by delegation ("" in their own right)."""
    approvals = [
        entry
        for entry in plan.ordered_timeline()
        if entry.kind == "decision"
        and entry.version == version
        and entry.level == signing_level
        and entry.details.get("decision") == "approve"
        and entry.actor
    ]
    if not approvals:
        return None, ""
    return approvals[-1].actor, str(approvals[-1].details.get("on_behalf_of") or "")


@dataclass(frozen=True)
class Issue:
    """Who issued an approved plan and who signed it, as its document names them."""

    body: BodyFace
    signer: str | None  # username; None while the signing level's decision is unheard of
    signer_name: str | None


class SignerUnknown(Exception):
    pass


# -- the renderer's step
LEASE = timedelta(minutes=2)  # a claimed document is left alone this long by other renderers


def render_next_document(
    command: commands.RenderNextDocument,
    uow: UnitOfWork,
    *,
    clock: Callable[[], datetime],
    documents: DocumentTools | None = None,
) -> str | None:
    """Render, sign and store the oldest due document; returns its id, or None when none is due.

    Claiming is a short transaction that leases the row (other renderers skip it); rendering and
    signing run outside any transaction, so no lock is held while a PDF is made (SQLite has only
    one writer); storing is another short transaction. A failure is recorded and retried later
    with a growing delay; a renderer that dies mid-way loses only its lease. Only the renderer
    process is bootstrapped with the document tools."""
    if documents is None:
        raise RuntimeError("this process was not given the document tools (the renderer's bootstrap gives them)")
    tools = documents
    now = clock()
    with uow:
        claimed = uow.issued_files.claim_next(now, lease=LEASE)
        if claimed is None:
            return None
        plan = uow.plans.read(claimed.document_id, with_timeline=True)
        answering = _call_cited(uow, plan)
    try:
        if plan is None or plan.status != APPROVED:
            raise SignerUnknown(f"{claimed.kind} {claimed.document_id} is no longer issued")
        body = tools.organisations.body(plan.issuer or claimed.issuer, plan.issued_on)
        username, on_behalf_of = signing_authority(plan, claimed.version, body.signing_level)
        if username is None:
            raise SignerUnknown(f"no approval at level {body.signing_level} to sign {claimed.document_number}")
        signer = tools.people.signer(username)
        if signer is None:
            raise SignerUnknown(f"the directory does not know {username}")
        if on_behalf_of:
            signer = replace(signer, delegated_by=on_behalf_of)
        face = plan_face(plan, claimed.version, tools.organisations, signer, answering)
        content, details = tools.render_and_sign(face)
    except Exception as error:
        failure = f"{error.__class__.__name__}: {error}"
        log.warning(
            "issued document not rendered; will retry", extra={"document": claimed.document_id, "error": failure}
        )
        with uow:
            uow.issued_files.postpone(claimed.kind, claimed.document_id, failure, clock())
        return None
    digest = hashlib.sha256(content).hexdigest()
    with uow:
        stored = uow.issued_files.store(claimed.kind, claimed.document_id, content, digest, username, details, clock())
    if stored:
        log.info(
            "issued document stored",
            extra={"document": claimed.document_id, "number": claimed.document_number, "sha256": digest},
        )
    return claimed.document_id
