"""What callers read: ``view(…, uow)``, read-only (nothing is written back)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .adapters.repository import PlanQuery
from .domain.access import Actor, visibility_of
from .domain.errors import DocumentNotIssued, VersionNotFound
from .domain.model import APPROVED, PLAN, Plan, PlanSummary, PlanVersion, TimelineEntry
from .domain.organisations import Organisations
from .service_layer.documents import Issue, PendingDocument, StoredDocument, signer_of
from .service_layer.handlers import readable
from .service_layer.unit_of_work import UnitOfWork


def get_plan(plan_id: str, actor: Actor, uow: UnitOfWork, *, with_timeline: bool = False, kind: str = PLAN) -> Plan:
    """The document (a plan, or a report with ``kind``) as the actor may read it."""
    with uow:
        return readable(uow.plans.read(plan_id, with_timeline=with_timeline), actor, plan_id, kind)


def plan_timeline(plan_id: str, actor: Actor, uow: UnitOfWork, *, kind: str = PLAN) -> list[TimelineEntry]:
    """Every step of the plan in the order it happened."""
    return get_plan(plan_id, actor, uow, with_timeline=True, kind=kind).ordered_timeline()


def get_version(plan_id: str, number: int, actor: Actor, uow: UnitOfWork, *, kind: str = PLAN) -> PlanVersion:
    plan = get_plan(plan_id, actor, uow, kind=kind)  # an approver's view holds only the versions they may read
    version = next((version for version in plan.versions if version.number == number), None)
    if version is None:
        raise VersionNotFound(plan_id, number)
    return version


def list_plans(query: PlanQuery, actor: Actor, uow: UnitOfWork) -> tuple[list[PlanSummary], PlanSummary | None]:
    """A page of the plans the actor may see, and the last plan of the page when more may follow."""
    visible = replace(query, visibility=visibility_of(actor, kind=query.kind), limit=query.limit + 1)
    with uow:
        found = uow.plans.search(visible)
    page = found[: query.limit]
    return page, (page[-1] if len(found) > query.limit else None)


def issued_document(
    plan_id: str, actor: Actor, uow: UnitOfWork, *, kind: str = PLAN
) -> StoredDocument | PendingDocument:
    """The stored signed file of an issued plan (or report) the actor may read; 404 when they may not
    read it (as for the document itself), 409 when it is not issued."""
    plan = get_plan(plan_id, actor, uow, kind=kind)
    if plan.status != APPROVED:
        raise DocumentNotIssued(plan.status)
    with uow:
        stored = uow.issued_files.content(plan.kind, plan.id)
        if stored is None:
            queued = uow.issued_files.get(plan.kind, plan.id)
            return PendingDocument(attempts=queued.attempts if queued else 0)
    record, content = stored
    assert record.sha256 is not None
    return StoredDocument(content, record.sha256, record.document_number, record.details)


def issue_of(
    plan: Plan, organisations: Organisations, name_of: Callable[[str], str | None], uow: UnitOfWork
) -> Issue | None:
    """The issuing body (recorded when the plan was numbered) and the signer (the approver who decided
    the body's level for the issued version, named by the directory) of an approved plan the caller
    has read; None for any other."""
    version = plan.current_version
    if plan.status != APPROVED or not plan.issuer or version is None:
        return None
    body = organisations.body(plan.issuer, plan.issued_on)
    with uow:
        issued = uow.plans.read(plan.id, with_timeline=True)
    signer = signer_of(issued, version.number, body.signing_level) if issued is not None else None
    if signer is None and issued is not None and issued.imported_signer:
        return Issue(body, None, issued.imported_signer.get("name"))  # history: signed before the suite
    return Issue(body, signer, (name_of(signer) or signer) if signer else None)
