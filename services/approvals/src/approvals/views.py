"""Read side: the caller's task list, straight from SQL (no aggregate needed to
show a list): filtered, searched without accents, sorted by due date (overdue
first) or by arrival (newest first), and paged by a keyset cursor."""

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

SORTS = ("due", "arrival")


@dataclass(frozen=True)
class TaskFilter:
    status: str = "open"  # open | closed | all
    kind: str | None = None  # plan | report: the kind of document approved
    year: int | None = None
    org_unit: str | None = None
    province: str | None = None
    level: int | None = None
    overdue: bool | None = None  # true: only open tasks past their due date; false: only the others
    delegated: bool | None = None  # true: only tasks handed to the caller by someone else
    q: str | None = None
    sort: str = "due"  # due (earliest due first) | arrival (latest arrival first)
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
    if filters.level is not None:
        query = query.where(task.level == filters.level)
    if filters.overdue is True:
        query = query.where(task.status == "open", task.due_at < now)
    elif filters.overdue is False:
        query = query.where(or_(task.status != "open", task.due_at >= now))
    delegation = orm.DelegationRow
    handed_to_me = (
        select(delegation.id).where(delegation.task_id == task.id, delegation.to_user == actor.username).exists()
    )
    if filters.delegated is True:
        query = query.where(handed_to_me)
    elif filters.delegated is False:
        query = query.where(~handed_to_me)
    for word in fold(filters.q or "").split():  # every word, in any order, accents optional
        query = query.where(approval.title_folded.contains(word, autoescape=True))
    key = task.assigned_at if filters.sort == "arrival" else task.due_at
    if filters.cursor:
        after, after_id = decode_cursor(filters.cursor)
        if filters.sort == "arrival":
            query = query.where(or_(key < after, and_(key == after, task.id < after_id)))
        else:
            query = query.where(or_(key > after, and_(key == after, task.id > after_id)))
    order = (key.desc(), task.id.desc()) if filters.sort == "arrival" else (key, task.id)
    rows = session.execute(query.order_by(*order).limit(filters.limit + 1)).all()
    chains = SqlChainRepository(session)  # published versions are cached per process
    items = []
    page = rows[: filters.limit]
    # What the page marks (delegated to me, opened) is read for its tasks only, not for every match.
    handed, opened = _marks(session, actor.username, [task_row.id for task_row, _ in page])
    for task_row, approval_row in page:
        delegated_by, delegation_kind = handed.get(task_row.id, (None, None))
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
                "delegated_by": delegated_by,
                "delegation_kind": delegation_kind,
                "opened": task_row.id in opened,
            }
        )
    next_cursor = None
    if len(rows) > filters.limit:
        last = rows[filters.limit - 1][0]
        next_cursor = encode_cursor(last.assigned_at if filters.sort == "arrival" else last.due_at, last.id)
    return {"items": items, "next_cursor": next_cursor}


def _marks(session: Session, username: str, task_ids: list[str]) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """For a page of tasks: who handed each to ``username`` (the latest delegation, and its kind),
    and which of them ``username`` has opened."""
    if not task_ids:
        return {}, set()
    delegation = orm.DelegationRow
    handed: dict[str, tuple[str, str]] = {}
    rows = session.execute(
        select(delegation.task_id, delegation.from_user, delegation.kind)
        .where(delegation.task_id.in_(task_ids), delegation.to_user == username)
        .order_by(delegation.delegated_at)
    )
    for task_id, from_user, kind in rows:
        handed[task_id] = (from_user, kind)  # the latest wins
    opened = set(
        session.scalars(
            select(orm.OpeningRow.task_id).where(
                orm.OpeningRow.task_id.in_(task_ids), orm.OpeningRow.username == username
            )
        )
    )
    return handed, opened


def _level_name(chains: SqlChainRepository, approval_row: orm.ApprovalRow, level: int) -> dict[str, str]:
    """The level's name on the approval's document date."""
    chain = chains.get(approval_row.chain_key, approval_row.chain_version)
    return chain.level(level).name_on(approval_row.effective_on).as_dict() if chain else {"vi": "", "en": ""}
