"""The approver's pages around their tasks: the task inbox (filters, search, sort, pages,
bulk approval), the delegation picker and history of a decision page, the out-of-office
page; and the drafter's start from last year's plan. Every list, rule and refusal comes
from the public API (``/approvals/tasks``, ``…/delegates``, ``/approvals/out-of-office``,
``/plans/from-last-year``); these views only carry the person's input to it and show its
answer, keeping what they typed when it refuses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .api import Answer
from .i18n import translate
from .plan_form import flatten_errors

# The task list's filters, as the API names them (the page passes on only these).
TASK_FILTERS = ("q", "province", "level", "overdue", "delegated", "sort", "cursor")


def register(blueprint: Blueprint) -> None:
    rules = [
        ("/tasks", "tasks", task_list, ["GET"]),
        ("/tasks/approve", "approve_tasks", approve_tasks, ["POST"]),
        ("/out-of-office", "out_of_office", out_of_office, ["GET", "POST"]),
        ("/out-of-office/<absence_id>/end", "end_absence", end_absence, ["POST"]),
        ("/plans/from-last-year", "copy_last_year", copy_last_year, ["POST"]),
    ]
    for rule, endpoint, view, methods in rules:
        blueprint.add_url_rule(rule, endpoint, view, methods=methods)


def _call(method: str, path: str, **kwargs: Any) -> Answer:
    from .views import call  # the pages' one way to the API (signs the user in again on a 401)

    # The API answers in the reader's language (its problem details included).
    headers = {"Accept-Language": g.get("locale", "vi"), **kwargs.pop("headers", {})}
    return call(method, path, headers=headers, **kwargs)


def _field_errors(answer: Answer, fallback: str) -> dict[str, list[str]]:
    errors = flatten_errors(answer.field_errors)
    if not errors:
        errors[fallback] = [answer.detail or translate(g.locale, "error.generic")]
    return errors


# -- the task inbox


def task_filters() -> dict[str, str]:
    return {name: request.args[name] for name in TASK_FILTERS if request.args.get(name)}


def task_list(*, errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    filters = task_filters()
    answer = _call("GET", "/approvals/tasks", params={"limit": 25, **filters})
    if answer.ok:
        page = answer.body
    else:  # a filter the API refused (a stale cursor): say so beside the filters, show the first page
        errors = {**(errors or {}), **_field_errors(answer, "filters")}
        filters.pop("cursor", None)
        page = {"items": [], "next_cursor": None}
    from .views import _notice

    body = render_template(
        "web/tasks.html",
        page=page,
        filters=filters,
        errors=errors or {},
        notice=_notice(),
        selected=request.form.getlist("task_ids") if request.method == "POST" else [],
    )
    return Response(body, status=status)


def approve_tasks() -> ResponseReturnValue:
    """Bulk approval: each chosen task becomes its own decision (the API refuses all of them,
    naming each, if one cannot be approved)."""
    chosen = request.form.getlist("task_ids")
    if not chosen:
        return task_list(errors={"task_ids": [translate(g.locale, "tasks.bulk.none")]}, status=422)
    answer = _call(
        "POST", "/approvals/tasks/decisions", json={"task_ids": chosen, "comment": request.form.get("comment", "")}
    )
    if answer.ok:
        return redirect(url_for("web.tasks", done="bulk_approved", count=len(answer.body["items"])), code=303)
    errors: dict[str, list[str]] = {}
    for path, messages in flatten_errors(answer.field_errors).items():
        index = path.removeprefix("task_ids.")
        key = f"task.{chosen[int(index)]}" if index.isdigit() and int(index) < len(chosen) else "task_ids"
        errors.setdefault(key, []).extend(messages)
    if not errors:
        errors["task_ids"] = [answer.detail or translate(g.locale, "error.generic")]
    return task_list(errors=errors, status=answer.status)


# -- the decision page: opening, delegates, history


def decision_page_extras(approval: dict[str, Any], task: dict[str, Any] | None) -> dict[str, Any]:
    """What the decision page adds for delegation: the opening recorded (bulk approval needs it),
    the people the approver may delegate to (searchable), and the record as one history."""
    delegates: list[dict[str, Any]] = []
    mine = task is not None and task["status"] == "open" and g.principal.username in task.get("assignees", [])
    if mine and request.method == "GET":
        _call("POST", f"/approvals/tasks/{task['id']}/opened")  # type: ignore[index]
    if mine:
        params = {"q": request.args["delegate_q"]} if request.args.get("delegate_q") else {}
        answer = _call("GET", f"/approvals/tasks/{task['id']}/delegates", params=params)  # type: ignore[index]
        delegates = answer.body["items"] if answer.ok else []
    return {"delegates": delegates, "history": history(approval)}


def history(approval: dict[str, Any]) -> list[dict[str, Any]]:
    """Decisions and delegations in the order they happened."""
    entries = [{**d, "entry": "delegation", "at": d["delegated_at"]} for d in approval.get("delegations", [])]
    entries += [{**d, "entry": "decision", "at": d["decided_at"]} for d in approval.get("decisions", [])]
    return sorted(entries, key=lambda entry: str(entry["at"]))


# -- out of office


def out_of_office() -> ResponseReturnValue:
    errors: dict[str, list[str]] = {}
    form: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = {name: request.form.get(name, "") for name in ("deputy", "starts_on", "ends_on", "reason")}
        answer = _call("POST", "/approvals/out-of-office", json={**form})
        if answer.ok:
            return redirect(url_for("web.out_of_office", done="absence_recorded"), code=303)
        errors, status = _field_errors(answer, "absence"), answer.status
    absences = _call("GET", "/approvals/out-of-office")
    deputies = _call("GET", "/approvals/out-of-office/deputies")
    from .views import _notice

    body = render_template(
        "web/out_of_office.html",
        absences=absences.body["items"] if absences.ok else [],
        deputies=deputies.body["items"] if deputies.ok else [],
        form=form,
        errors=errors,
        notice=_notice(),
    )
    return Response(body, status=status)


def end_absence(absence_id: str) -> ResponseReturnValue:
    _call("DELETE", f"/approvals/out-of-office/{absence_id}")
    return redirect(url_for("web.out_of_office", done="absence_ended"), code=303)


# -- a plan from last year's


def copy_last_year() -> ResponseReturnValue:
    """Next year's plan (or the year asked for) from the unit's approved plan of the year before it."""
    year = request.form.get("year", "").strip()
    answer = _call("POST", "/plans/from-last-year", json={"year": int(year)} if year.isdigit() else {})
    if answer.ok:
        return redirect(url_for("web.plan", plan_id=answer.body["id"], done="copied"), code=303)
    from .views import plan_list

    return plan_list(error=answer.detail or translate(g.locale, "error.generic"), status=answer.status)
