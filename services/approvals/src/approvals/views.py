"""Read side: the caller's task list, straight from SQL (no aggregate needed to
show a list): filtered, searched without accents, sorted by due date (overdue
first) or by arrival (newest first), and paged by a keyset cursor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from servicekit.list_versions import current_version, list_etag
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


# Changed whenever what a task list answer is made of changes (a field added, a rule of visibility
# changed): every tag handed out before then stops matching.
TAG_SHAPE = "tasks/1"


def task_list_tag(
    session: Session, actor: Actor, query: Mapping[str, Any], overdue_since: datetime, locale: str
) -> str:
    """The weak ETag of the caller's task list for ``query``, from one primary-key read: their list's
    version (raised by every commit that changes what it shows, ``orm.task_list_changes``), the claims
    that choose their tasks (roles, unit, province), the query, the language, and ``overdue_since``
    — the latest moment before now a due date can fall on (``WorkingCalendar.last_day_end_before``),
    which fixes the items' ``overdue`` and the ``overdue`` filter without reading a task. A due date
    set by other means (not at a day's end) turns overdue in the tag when the scheduler marks it.

    Read it *before* the list: a change committed in between then only puts a newer list under an
    older tag (the next poll gets the list again), never an older list under the current tag."""
    version = current_version(session, orm.TaskListVersionRow, actor.username)
    claims = (actor.username, sorted(actor.roles), actor.org_unit, actor.province)
    return list_etag(TAG_SHAPE, claims, version, overdue_since.isoformat(), sorted(query.items()), locale)


def tasks_for(session: Session, actor: Actor, filters: TaskFilter, now: datetime) -> dict[str, Any]:
    """Tasks offered to the caller (as assignee or delegate) whose level their token
    still puts them on: role held, and same unit / province unless national.

    One statement, one round trip: the page is chosen first (the filters, the keyset and the
    limit over the task's sort index, columns only), and only its rows are then marked (who
    handed each to the caller, whether they opened it), so nothing is read for the tasks
    beyond the page and no row is looked up one by one from here."""
    task, approval = orm.TaskRow, orm.ApprovalRow
    scope_matches = scope_condition(
        task.scope,
        org_unit_column=approval.org_unit,
        province_column=approval.province,
        person_org_unit=actor.org_unit,
        person_province=actor.province,
    )
    query = (
        select(*_PAGE_COLUMNS)
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
    arrival = filters.sort == "arrival"
    key = task.assigned_at if arrival else task.due_at
    if filters.cursor:
        after, after_id = decode_cursor(filters.cursor)
        if arrival:
            query = query.where(or_(key < after, and_(key == after, task.id < after_id)))
        else:
            query = query.where(or_(key > after, and_(key == after, task.id > after_id)))
    order = (key.desc(), task.id.desc()) if arrival else (key, task.id)
    page = query.order_by(*order).limit(filters.limit + 1).subquery("page")
    rows = session.execute(
        select(page, *_marks(page.c.id, actor.username)).order_by(
            *((page.c.assigned_at.desc(), page.c.id.desc()) if arrival else (page.c.due_at, page.c.id))
        )
    ).all()
    chains = SqlChainRepository(session)  # published versions are cached per process
    items = [_item(row, chains, now) for row in rows[: filters.limit]]
    next_cursor = None
    if len(rows) > filters.limit:
        last = rows[filters.limit - 1]
        next_cursor = encode_cursor(last.assigned_at if arrival else last.due_at, last.id)
    return {"items": items, "next_cursor": next_cursor}


# What a task list item shows, and nothing more (no aggregate, no JSON columns to decode).
_PAGE_COLUMNS = (
    orm.TaskRow.id,
    orm.TaskRow.level,
    orm.TaskRow.role,
    orm.TaskRow.scope,
    orm.TaskRow.status,
    orm.TaskRow.assigned_at,
    orm.TaskRow.due_at,
    orm.ApprovalRow.id.label("approval_id"),
    orm.ApprovalRow.subject_kind,
    orm.ApprovalRow.subject_id,
    orm.ApprovalRow.subject_version,
    orm.ApprovalRow.content_sha256,
    orm.ApprovalRow.title,
    orm.ApprovalRow.org_unit,
    orm.ApprovalRow.province,
    orm.ApprovalRow.year,
    orm.ApprovalRow.chain_key,
    orm.ApprovalRow.chain_version,
    orm.ApprovalRow.effective_on,
)


def _marks(task_id: Any, username: str) -> tuple[Any, ...]:
    """For each task of the page: who handed it to ``username`` (the latest delegation) and how,
    and whether ``username`` has opened it; each an indexed look-up of that one task."""
    delegation, opening = orm.DelegationRow, orm.OpeningRow
    latest = (
        select(delegation.from_user)
        .where(delegation.task_id == task_id, delegation.to_user == username)
        .order_by(delegation.delegated_at.desc(), delegation.id.desc())
        .limit(1)
    )
    latest_kind = latest.with_only_columns(delegation.kind)
    # A scalar look-up, not EXISTS: PostgreSQL may answer an EXISTS for the page by hashing every
    # opening of everyone (a whole-table scan); this stays one primary-key probe per row.
    opened_at = select(opening.opened_at).where(opening.task_id == task_id, opening.username == username)
    return (
        latest.scalar_subquery().label("delegated_by"),
        latest_kind.scalar_subquery().label("delegation_kind"),
        opened_at.scalar_subquery().label("opened_at"),
    )


def _item(row: Any, chains: SqlChainRepository, now: datetime) -> dict[str, Any]:
    return {
        "id": row.id,
        "approval_id": row.approval_id,
        "subject": {
            "kind": row.subject_kind,
            "id": row.subject_id,
            "version": row.subject_version,
            "content_sha256": row.content_sha256,
        },
        # the plan fields describe the same document, whatever its kind
        "plan_id": row.subject_id,
        "version": row.subject_version,
        "title": row.title,
        "org_unit": row.org_unit,
        "province": row.province,
        "year": row.year,
        "level": row.level,
        "level_name": _level_name(chains, row.chain_key, row.chain_version, row.effective_on, row.level),
        "role": row.role,
        "scope": row.scope,
        "status": row.status,
        "assigned_at": row.assigned_at,
        "due_at": row.due_at,
        "overdue": row.status == "open" and now > row.due_at,
        "delegated_by": row.delegated_by,
        "delegation_kind": row.delegation_kind,
        "opened": row.opened_at is not None,
    }


def _level_name(chains: SqlChainRepository, key: str, version: int, on: date, level: int) -> dict[str, str]:
    """The level's name on the approval's document date."""
    chain = chains.get(key, version)
    return chain.level(level).name_on(on).as_dict() if chain else {"vi": "", "en": ""}
