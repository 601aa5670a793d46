"""Read side: the caller's task list, straight from SQL (no aggregate needed to
show a list). Ordered by due date, which puts overdue tasks first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from servicekit.pagination import decode_cursor, encode_cursor
from servicekit.scope import scope_condition
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .adapters import orm
from .adapters.repository import SqlChainRepository, fold
from .domain.model import Actor


@dataclass(frozen=True)
class TaskFilter:
    status: str = "open"  # open | closed | all
    kind: str | None = None  # plan | report: the kind of document approved
    year: int | None = None
    org_unit: str | None = None
    province: str | None = None
    q: str | None = None
    limit: int = 50
    cursor: str | None = None


def tasks_for(session: Session, actor: Actor, filters: TaskFilter, now: datetime) -> dict[str, Any]:
    """Tasks offered to the caller (as assignee or delegate) whose level their token
    still puts them on: role held, and same unit / province unless national."""
    task, approval = orm.TaskRow, orm.ApprovalRow
    scope_matches = scope_condition(
        task.scope,
        org_unit_column=approval.org_unit,
        province_column=approval.province,
        person_org_unit=actor.org_unit,
        person_province=actor.province,
    )
    query = (
        select(task, approval)
        .join(approval, approval.id == task.approval_id)
        .join(orm.AssigneeRow, and_(orm.AssigneeRow.task_id == task.id, orm.AssigneeRow.username == actor.username))
        .where(task.role.in_(sorted(actor.roles)), scope_matches)
    )
    if filters.status == "open":
        query = query.where(task.status == "open")
    elif filters.status == "closed":
        query = query.where(task.status != "open")
    if filters.kind:
        query = query.where(approval.subject_kind == filters.kind)
    if filters.year is not None:
        query = query.where(approval.year == filters.year)
    if filters.org_unit:
        query = query.where(approval.org_unit == filters.org_unit)
    if filters.province:
        query = query.where(approval.province == filters.province)
    if filters.q:
        query = query.where(approval.title_folded.contains(fold(filters.q), autoescape=True))
    if filters.cursor:
        after_due, after_id = decode_cursor(filters.cursor)
        query = query.where(or_(task.due_at > after_due, and_(task.due_at == after_due, task.id > after_id)))
    rows = session.execute(query.order_by(task.due_at, task.id).limit(filters.limit + 1)).all()
    chains = SqlChainRepository(session)  # published versions are cached per process
    items = []
    for task_row, approval_row in rows[: filters.limit]:
        due_at = task_row.due_at
        items.append(
            {
                "id": task_row.id,
                "approval_id": approval_row.id,
                "subject": {
                    "kind": approval_row.subject_kind,
                    "id": approval_row.subject_id,
                    "version": approval_row.subject_version,
                    "content_sha256": approval_row.content_sha256,
                },
                # the plan fields describe the same document, whatever its kind
                "plan_id": approval_row.subject_id,
                "version": approval_row.subject_version,
                "title": approval_row.title,
                "org_unit": approval_row.org_unit,
                "province": approval_row.province,
                "year": approval_row.year,
                "level": task_row.level,
                "level_name": _level_name(chains, approval_row, task_row.level),
                "role": task_row.role,
                "scope": task_row.scope,
                "status": task_row.status,
                "assigned_at": task_row.assigned_at,
                "due_at": due_at,
                "overdue": task_row.status == "open" and now > due_at,
            }
        )
    next_cursor = None
    if len(rows) > filters.limit:
        last = rows[filters.limit - 1][0]
        next_cursor = encode_cursor(last.due_at, last.id)
    return {"items": items, "next_cursor": next_cursor}


def _level_name(chains: SqlChainRepository, approval_row: orm.ApprovalRow, level: int) -> dict[str, str]:
    """The level's name on the approval's document date."""
    chain = chains.get(approval_row.chain_key, approval_row.chain_version)
    return chain.level(level).name_on(approval_row.effective_on).as_dict() if chain else {"vi": "", "en": ""}
