"""The pages: drafters' plans and form, approvers' tasks and decisions, the
inbox, and the printable approved plan. Each view asks the public API (in
process, with the signed-in user's token) and renders what it answers; the
gateway's route table and the services enforce who may do what."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from . import formatting, tasks
from .api import Answer, ServiceUnavailable, is_id
from .catalogue import Catalogue
from .changes import compare
from .i18n import catalogue, pick, translate
from .login import safe_next, web
from .organisations import document_day, page_ask
from .plan_form import error_links, flatten_errors, parse_plan_form, total_budget
from .report_pages import report_changes

APPROVER_ROLES = ("dept_approver", "province_approver", "ministry_approver")


def register(blueprint: Blueprint) -> None:
    rules: list[tuple[str, str, Callable[..., ResponseReturnValue], list[str]]] = [
        ("/", "home", home, ["GET"]),
        ("/plans", "plans", plan_list, ["GET"]),
        ("/plans/new", "new_plan", new_plan, ["GET", "POST"]),
        ("/plans/<plan_id>", "plan", plan_page, ["GET"]),
        ("/plans/<plan_id>/edit", "edit_plan", edit_plan, ["GET", "POST"]),
        ("/plans/<plan_id>/submit", "submit_plan", submit_plan, ["POST"]),
        ("/plans/<plan_id>/withdraw", "withdraw_plan", withdraw_plan, ["POST"]),
        ("/plans/<plan_id>/print", "print_plan", print_plan, ["GET"]),
        ("/plans/<plan_id>/call", "link_plan_call", link_plan_call, ["POST"]),
        ("/approvals/<approval_id>", "approval", approval_page, ["GET"]),
        ("/tasks/<task_id>/decision", "record_decision", record_decision, ["POST"]),
        ("/tasks/<task_id>/delegate", "delegate_task", delegate_task, ["POST"]),
        ("/inbox", "inbox", inbox, ["GET"]),
        ("/inbox/<notification_id>/read", "read_notification", read_notification, ["POST"]),
        ("/inbox/<notification_id>/open", "open_notification", open_notification, ["GET"]),
        ("/inbox/read-all", "read_all", read_all, ["POST"]),
        ("/organisations/search", "organisation_search", organisation_search, ["GET"]),
    ]
    for rule, endpoint, view, methods in rules:
        blueprint.add_url_rule(rule, endpoint, view, methods=methods)
    tasks.register(blueprint)
    from . import overview_pages  # the ministry's overview and calls (they use this module's helpers)

    overview_pages.register(blueprint)
    blueprint.app_template_filter("vnd")(lambda amount: formatting.vnd(amount, g.get("locale", "vi")))
    blueprint.app_template_filter("day")(formatting.day)
    blueprint.app_template_filter("day_and_time")(formatting.day_and_time)
    blueprint.app_template_filter("iso_day")(formatting.iso_day)
    blueprint.app_template_filter("thousands")(lambda n: formatting.thousands(n, g.get("locale", "vi")))
    blueprint.app_template_filter("roman")(formatting.roman)
    blueprint.app_template_filter("without_raw_links")(formatting.without_raw_links)
    blueprint.context_processor(_page_context)
    blueprint.register_error_handler(HTTPException, _error_page)
    blueprint.register_error_handler(ServiceUnavailable, _service_unavailable)


# -- shared helpers


def _catalogue() -> Catalogue:
    # Only signed-in pages offer the plan form; the login page needs no catalogue.
    session = g.get("web_session")
    if session is None or not session.access_token:
        return Catalogue()
    if "catalogue" not in g:
        g.catalogue = web().catalogue(session.access_token)
    return g.catalogue


def _page_context() -> dict[str, Any]:
    locale = g.get("locale", "vi")
    principal = g.get("principal")
    return {
        "t": lambda key, **values: translate(locale, key, **values),
        "pick": lambda labels: pick(labels, locale),
        "person": formatting.person,
        "label": lambda table, key: _catalogue().label(table, key, locale),
        "locale": locale,
        "principal": principal,
        "csrf_token": g.web_session.csrf_token if g.get("web_session") else "",
        "unread_count": _unread_count() if principal is not None else 0,
        "is_drafter": principal is not None and principal.has_role("drafter"),
        "is_approver": principal is not None and principal.has_role(*APPROVER_ROLES),
        "catalogue": _catalogue(),
        # Organisations by their name in force (on a document's date: doc_day(plan)), never by id.
        "org": _organisation_name,
        "doc_day": document_day,
        "organisations_in_force": _organisations_in_force,
    }


def _ask() -> Callable[[str, dict[str, Any] | None], Answer]:
    return page_ask(call)


def _organisation_name(organisation_id: str | None, day: date | str | None = None, short: bool = False) -> str:
    if not organisation_id:
        return ""
    if isinstance(day, str):
        day = document_day({"issued_on": day})
    session = g.get("web_session")
    if session is None or not session.access_token:
        return organisation_id
    try:
        return web().organisations.name(organisation_id, day or date.today(), _ask(), short=short)
    except ServiceUnavailable:  # the page still shows, with the id
        return organisation_id


def _organisations_in_force(day: date | None = None) -> list[dict[str, Any]]:
    """The picker's choices: the organisations in force (today, or on ``day``)."""
    try:
        return web().organisations.on(day or date.today(), _ask())
    except ServiceUnavailable:
        return []


def organisation_search() -> ResponseReturnValue:
    """The picker's choices as one types: the registry's search (accents optional) of the
    organisations in force today, as JSON for organisation-picker.js."""
    wanted = (request.args.get("q") or "").strip()[:200]
    if len(wanted) < 2:
        return {"items": []}
    answer = call("GET", "/organisations", params={"q": wanted, "at": date.today().isoformat()})
    found = answer.body.get("items") if answer.ok and isinstance(answer.body, dict) else []
    return {
        "items": [
            {"id": item["id"], "name": item["name"], "short_name": item.get("short_name") or item["name"]}
            for item in (found or [])[:20]
        ]
    }


def _parse_plan_form() -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The plan form, its units turned from names (the picker) into the registry's ids."""
    names, ask, today = web().organisations, _ask(), date.today()
    return parse_plan_form(
        request.form,
        unit=lambda typed: names.resolve(typed, today, ask),
        units=lambda typed: names.resolve_many(typed, today, ask),
    )


def _unread_count() -> int | None:
    # Asked once per page, and never allowed to break it: the bell then shows no number.
    if "unread_count" not in g:
        g.unread_count = None
        try:
            answer = web().api.call(
                "GET", "/notifications/unread-count", g.web_session.access_token, request_id=g.get("request_id")
            )
        except ServiceUnavailable:
            return None
        if answer.ok and isinstance(answer.body, dict):
            g.unread_count = answer.body.get("unread_count")
    return g.unread_count


def call(method: str, path: str, **kwargs: Any) -> Answer:
    """The public API's answer to ``method path`` (without /api/v1), asked with the user's token."""
    # The services answer in the page's language (their problems' details and field errors).
    headers = {"Accept-Language": g.get("locale", "vi"), **(kwargs.pop("headers", None) or {})}
    answer = web().api.call(
        method, path, g.web_session.access_token, request_id=g.get("request_id"), headers=headers, **kwargs
    )
    if answer.status == 401:
        # The service no longer accepts the token (revoked, keys rotated): sign in again.
        web().sessions.end(g.web_session.id)
        abort(Response(status=303, headers={"Location": url_for("web.login", next=request.path)}))
    return answer


def fetch(path: str, **kwargs: Any) -> Answer:
    """A read that must succeed: a 404 (or another unit's plan) is this page's 404."""
    answer = call("GET", path, **kwargs)
    if not answer.ok:
        abort(404 if answer.status in (403, 404) else answer.status)
    return answer


def _error_page(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    if isinstance(error.response, Response):
        return error.response
    if error.description == "csrf":
        reason = "csrf"
    elif f"error.reason.{status}" in catalogue("vi"):
        reason = str(status)
    else:
        reason = "500" if status >= 500 else "400"
    return Response(render_template("web/error.html", status=status, reason=reason), status=status)


def _service_unavailable(error: ServiceUnavailable) -> ResponseReturnValue:
    return Response(
        render_template("web/error.html", status=503, reason="service", service=error.service),
        status=503,
        headers={"Retry-After": "5"},
    )


def _translated_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    locale = g.locale
    return {
        path: [translate(locale, m) if m.startswith("error.") else m for m in msgs] for path, msgs in errors.items()
    }


def _done(endpoint: str, notice: str, **values: Any) -> ResponseReturnValue:
    """After a successful POST, a GET of the result (no resubmission on reload). Only a
    message key travels in the URL: a link cannot make our page say arbitrary text."""
    return redirect(url_for(endpoint, done=notice, **values), code=303)


_USERNAME = re.compile(r"^[\w.@-]{1,100}$")


def _notice() -> str | None:
    key = request.args.get("done", "")
    delegate = request.args.get("to", "")
    count = request.args.get("count", "")
    if not key.isidentifier() or (delegate and not _USERNAME.match(delegate)) or not (count.isdigit() or not count):
        return None
    message_key = f"notice.{key}"  # one of KEYS_BUILT_AT_RUN_TIME
    message = translate(g.locale, message_key, to=delegate, count=count)
    return None if message.startswith("notice.") else message


# -- pages


def home() -> ResponseReturnValue:
    principal = g.principal
    if principal.has_role("drafter"):
        return redirect(url_for("web.plans"))
    if principal.has_role(*APPROVER_ROLES):
        return redirect(url_for("web.tasks"))
    return redirect(url_for("web.inbox"))


def plan_list(*, error: str | None = None, status: int = 200) -> ResponseReturnValue:
    params: dict[str, Any] = {"limit": 50}
    for name in ("status", "year", "q", "cursor"):
        if request.args.get(name):
            params[name] = request.args[name]
    if g.principal.has_role("drafter") and g.principal.org_unit:
        params["org_unit"] = g.principal.org_unit
    answer = call("GET", "/plans", params=params)
    page = answer.body if answer.ok else {"items": [], "next_cursor": None}
    return Response(
        render_template(
            "web/plans.html",
            page=page,
            filters=request.args,
            error=error,
            notice=_notice(),
            next_year=request.form.get("year") or datetime.now(UTC).year + 1,
        ),
        status=status,
    )


def _blank_plan() -> dict[str, Any]:
    year = datetime.now(UTC).year + 1
    return {
        "title": "",
        "plan_type": "annual",
        "year": year,
        "org_unit": g.principal.org_unit,
        "summary": "",
        "legal_bases": [],
        "activities": [],
        "recipients": [],
    }


def commentable_activities(content: dict[str, Any]) -> list[dict[str, str]]:
    """The activities of a version a comment may name, by their stable id: a plan's activities, a
    report's results on the plan's activities (those done outside the plan have no id)."""
    if "results" in content:
        items = [(r.get("activity_id"), r.get("title")) for r in content.get("results") or ()]
    else:
        items = [(a.get("id"), a.get("title")) for a in content.get("activities") or ()]
    return [{"id": str(ident), "title": str(title or "")} for ident, title in items if ident]


def activity_title(content: dict[str, Any], activity_id: str | None) -> str | None:
    """The title of the activity a comment names, as the content has it now (None: none, or gone)."""
    if not activity_id:
        return None
    return next((a["title"] for a in commentable_activities(content) if a["id"] == activity_id), None)


def _about(returning: dict[str, Any] | None, content: dict[str, Any]) -> dict[str, Any] | None:
    """The returning comment, with the title of the activity it names (``about``), if it names one."""
    if returning is None:
        return None
    return {**returning, "about": activity_title(content, (returning.get("details") or {}).get("activity_id"))}


def _form_page(plan: dict[str, Any], *, plan_id: str | None, etag: str | None, errors=None, conflict=None, status=200):
    translated = _translated_errors(errors or {})
    return Response(
        render_template(
            "web/plan_form.html",
            plan=plan,
            plan_id=plan_id,
            etag=etag,
            errors=translated,
            error_links=error_links(translated, g.locale),
            conflict=conflict,
            returning=_about(_returning(plan_id, plan.get("status")), plan) if plan_id else None,
            total=total_budget(plan.get("activities") or []),
        ),
        status=status,
    )


def _returning(plan_id: str, status: str | None, collection: str = "/plans") -> dict[str, Any] | None:
    """The comment that sent the document back (the latest return or rejection on its timeline),
    shown where the drafter works on it: on its page and at the top of its edit form."""
    if status is not None and status not in ("returned", "rejected"):
        return None
    timeline = call("GET", f"{collection}/{plan_id}/timeline")
    entries = timeline.body["items"] if timeline.ok else []
    latest = next((e for e in reversed(entries) if e["kind"] in ("returned", "rejected", "submitted")), None)
    return latest if latest is not None and latest["kind"] != "submitted" else None


def new_plan() -> ResponseReturnValue:
    if request.method == "GET":
        return _form_page(_blank_plan(), plan_id=None, etag=None)
    body, errors = _parse_plan_form()
    if errors:
        return _form_page(body, plan_id=None, etag=None, errors=errors, status=422)
    answer = call("POST", "/plans", json=body)
    if answer.status in (400, 422):
        return _form_page(body, plan_id=None, etag=None, errors=_service_errors(answer), status=422)
    if not answer.ok:
        abort(answer.status)
    return _done("web.plan", "saved", plan_id=answer.body["id"])


def _service_errors(answer: Answer) -> dict[str, list[str]]:
    errors = flatten_errors(answer.field_errors)
    if not errors:
        errors[""] = [answer.detail or translate(g.locale, "error.generic")]
    return errors


def edit_plan(plan_id: str) -> ResponseReturnValue:
    if request.method == "GET":
        answer = fetch(f"/plans/{plan_id}")
        if not answer.body["editable"]:
            return redirect(url_for("web.plan", plan_id=plan_id))
        return _form_page(answer.body, plan_id=plan_id, etag=answer.etag)
    etag = request.form.get("etag", "")
    body, errors = _parse_plan_form()
    if errors:
        return _form_page(body, plan_id=plan_id, etag=etag, errors=errors, status=422)
    answer = call("PUT", f"/plans/{plan_id}", json=body, headers={"If-Match": etag})
    if answer.status == 412:
        # Someone saved since this form was opened: keep the user's work, show what
        # differs from what is saved now, and take the new ETag so a second save is deliberate.
        current = fetch(f"/plans/{plan_id}")
        conflict = compare(current.body, body, _catalogue().content_fields)
        return _form_page(body, plan_id=plan_id, etag=current.etag, conflict=conflict, status=409)
    if answer.status in (400, 422):
        return _form_page(body, plan_id=plan_id, etag=etag, errors=_service_errors(answer), status=422)
    if not answer.ok:
        abort(404 if answer.status == 404 else answer.status)
    return _done("web.plan", "saved", plan_id=plan_id)


def plan_page(plan_id: str) -> ResponseReturnValue:
    return _render_plan(plan_id)


def _render_plan(
    plan_id: str, *, error: str | None = None, call_errors: dict[str, list[str]] | None = None, status: int = 200
) -> ResponseReturnValue:
    plan = fetch(f"/plans/{plan_id}")
    timeline = call("GET", f"/plans/{plan_id}/timeline")
    entries = timeline.body["items"] if timeline.ok else []
    returning = None
    if plan.body["status"] in ("returned", "rejected"):
        # The comment that sent it back is what the drafter must read first.
        returning = next((e for e in reversed(entries) if e["kind"] in ("returned", "rejected")), None)
    page = render_template(
        "web/plan.html",
        returning=_about(returning, plan.body),
        plan=plan.body,
        etag=plan.etag,
        timeline=entries,
        timeline_people=timeline.body.get("people") or {} if timeline.ok else {},
        open_task=_open_task(plan.body, entries),
        notice=_notice(),
        error=error,
        **call_link_context("/plans", plan.body, url_for("web.link_plan_call", plan_id=plan_id), call_errors),
    )
    return Response(page, status=status)


def call_link_context(
    base: str, document: dict[str, Any], action: str, errors: dict[str, list[str]] | None
) -> dict[str, Any]:
    """What a plan's or report's page shows of the ministry's call it answers (``_call_link.html``):
    the API's answer, and where its drafters choose another while they may edit the document."""
    answer = call("GET", f"{base}/{document['id']}/call")
    editable = document.get("editable") and g.principal.has_role("drafter")
    return {
        "call_link": answer.body if answer.ok else None,
        "call_link_action": action if editable else None,
        "call_errors": errors or {},
    }


def link_call(base: str, document_id: str) -> tuple[Answer, dict[str, list[str]]]:
    """The drafter's choice of call (``call_id`` from the form, empty for none) sent to the API; the
    answer and, when it refused, its errors by field (the problem's detail under ``call_id`` when it
    named no field: a document no longer editable)."""
    answer = call("PUT", f"{base}/{document_id}/call", json={"call_id": request.form.get("call_id", "").strip()})
    if answer.ok:
        return answer, {}
    if answer.status == 404:
        abort(404)
    errors = flatten_errors(answer.field_errors) or {"call_id": [_problem_text(answer)]}
    return answer, errors


def link_plan_call(plan_id: str) -> ResponseReturnValue:
    answer, errors = link_call("/plans", plan_id)
    if answer.ok:
        return _done("web.plan", "call_linked", plan_id=plan_id)
    return _render_plan(plan_id, call_errors=errors, status=answer.status)


def _open_task(plan: dict[str, Any], entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The level now open on a submitted plan (from its timeline), for an approver's "decide" link."""
    if plan["status"] != "submitted" or not g.principal.has_role(*APPROVER_ROLES):
        return None
    assigned = [e for e in entries if e["kind"] == "task_assigned"]
    if not assigned:
        return None
    latest = assigned[-1]["details"]
    return {"approval_id": latest.get("approval_id"), "task_id": latest.get("task_id"), "due_at": latest.get("due_at")}


def confirm_transition(
    act: str, document: dict[str, Any], *, kind: str, action: str, back: str, **page: Any
) -> ResponseReturnValue | None:
    """The confirmation step of a drafter's act on a plan or a report (``act``: submit or withdraw),
    naming the document and the level it waits for; None when the act cannot be taken in its state
    (it is then sent, and the API's refusal explained at once)."""
    possible = document["editable"] if act == "submit" else document["status"] == "submitted"
    if request.form.get("confirm") == "yes" or not possible:
        return None
    prefix = "confirm.report_" if kind == "report" else "confirm."
    return _confirm(
        heading=translate(g.locale, f"confirm.{act}_title"),
        question=translate(
            g.locale, f"{prefix}{act}_question", plan=document["title"], level=pick(document.get("stage"), g.locale)
        ),
        button=translate(g.locale, f"{prefix}{act}_button"),
        action=action,
        back=back,
        hidden={"etag": request.form.get("etag", "")},
        danger=act == "withdraw",
        **page,
    )


def submission_step(kind: str, document_id: str) -> ResponseReturnValue | None:
    """The one step before submitting a document of either kind: it names the document and, after a
    return, shows the comment and asks for the drafters' reply (giải trình) and what it is about.
    None once confirmed, or when the document cannot be submitted (the API explains at once)."""
    if request.form.get("confirm") == "yes":
        return None
    collection, page = ("/plans", "web.plan") if kind == "plan" else ("/reports", "web.report")
    document = fetch(f"{collection}/{document_id}").body
    if not document["editable"]:
        return None
    returning = _about(_returning(document_id, document["status"], collection), document)
    return confirm_transition(
        "submit",
        document,
        kind=kind,
        action=url_for(f"web.submit_{kind}", **{f"{kind}_id": document_id}),
        back=url_for(page, **{f"{kind}_id": document_id}),
        returning=returning,
        ask_reply=returning is not None,
        reply_activities=commentable_activities(document),
    )


def submission_body() -> dict[str, str] | None:
    """The drafter's answer to a return (giải trình), which travels with the resubmission to the
    approver and may name the activity it is about."""
    reply = request.form.get("reply", "").strip()
    about = request.form.get("activity_id", "").strip()
    return {"reply": reply, **({"activity_id": about} if about else {})} if reply or about else None


def submit_plan(plan_id: str) -> ResponseReturnValue:
    step = submission_step("plan", plan_id)
    if step is not None:
        return step
    answer = call("POST", f"/plans/{plan_id}/submit", headers=_if_match(), json=submission_body())
    if answer.ok:
        return _done("web.plan", "submitted", plan_id=plan_id)
    return _render_plan(plan_id, error=_problem_text(answer), status=answer.status)


def withdraw_plan(plan_id: str) -> ResponseReturnValue:
    plan = fetch(f"/plans/{plan_id}").body if request.form.get("confirm") != "yes" else None
    if plan is not None:
        step = confirm_transition(
            "withdraw",
            plan,
            kind="plan",
            action=url_for("web.withdraw_plan", plan_id=plan_id),
            back=url_for("web.plan", plan_id=plan_id),
        )
        if step is not None:
            return step
    answer = call("POST", f"/plans/{plan_id}/withdraw", headers=_if_match())
    if answer.ok:
        return _done("web.plan", "withdrawn", plan_id=plan_id)
    return _render_plan(plan_id, error=_problem_text(answer), status=answer.status)


def _confirm(**page: Any) -> ResponseReturnValue:
    """The one step before an act: a page that names what is about to happen."""
    page.setdefault("returning", None)
    page.setdefault("ask_reply", False)
    page.setdefault("reply_activities", [])
    page.setdefault("about", None)
    page.setdefault("danger", False)
    page.setdefault("comment", "")
    return render_template("web/confirm.html", **page)


def _if_match() -> dict[str, str]:
    etag = request.form.get("etag")
    return {"If-Match": etag} if etag else {}


def print_plan(plan_id: str) -> ResponseReturnValue:
    """What a person prints is the issued document itself: the signed PDF the plans service
    stored (the same bytes as /api/v1/plans/{id}/document.pdf), never a page re-laid out here."""
    answer = call("GET", f"/plans/{plan_id}/document.pdf")
    if answer.status == 202:  # issued a moment ago: the renderer is still signing it
        retry = answer.headers.get("retry-after", "2")
        page = render_template("web/document_pending.html", plan_id=plan_id, retry=retry)
        return Response(page, status=202, headers={"Retry-After": retry, "Refresh": retry})
    if answer.status != 200:
        abort(404)  # not issued (409) or not the caller's (404): nothing to print
    return Response(
        answer.content,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": answer.headers.get("content-disposition", "inline"),
            "ETag": answer.headers.get("etag", ""),
            "Cache-Control": "private, max-age=3600",
        },
    )


def approval_page(approval_id: str) -> ResponseReturnValue:
    return _render_approval(approval_id, request.args.get("task"))


def _render_approval(
    approval_id: str, task_id: str | None, *, errors: dict[str, list[str]] | None = None, status: int = 200
) -> ResponseReturnValue:
    if not is_id(approval_id):  # from a form: only an id names an approval
        abort(404)
    approval = fetch(f"/approvals/{approval_id}").body
    plan_ref = approval["plan"]
    # The document decided on: a plan, or a report (the approval's subject names its kind).
    kind = (approval.get("subject") or {}).get("kind") or plan_ref.get("kind") or "plan"
    base = "/reports" if kind == "report" else "/plans"
    version = fetch(f"{base}/{plan_ref['plan_id']}/versions/{plan_ref['version']}").body
    versions = call("GET", f"{base}/{plan_ref['plan_id']}/versions")
    changes: Any = None
    returned_version = None
    if versions.ok:
        # A resubmission: show what changed since the version that was sent back.
        earlier = [
            v for v in versions.body["items"] if v["number"] < plan_ref["version"] and v.get("outcome") == "returned"
        ]
        if earlier:
            returned_version = earlier[-1]["number"]
            previous = fetch(f"{base}/{plan_ref['plan_id']}/versions/{returned_version}").body
            if kind == "report":
                changes = report_changes(previous["content"], version["content"], g.locale)
            else:
                changes = compare(previous["content"], version["content"], _catalogue().content_fields)
    # People by name and position (the plan's timeline names everyone who acted on it).
    timeline = call("GET", f"{base}/{plan_ref['plan_id']}/timeline")
    names = {
        entry["actor"]: entry["actor_name"]
        for entry in (timeline.body["items"] if timeline.ok else [])
        if entry.get("actor") and entry.get("actor_name")
    }
    task = next((each for each in approval["tasks"] if each["id"] == task_id), None) or next(
        (each for each in approval["tasks"] if each["status"] == "open"), None
    )
    page = render_template(
        "web/approval.html",
        kind=kind,
        approval=approval,
        plan=version["content"],
        version=version,
        task=task,
        changes=changes,
        returned_version=returned_version,
        names=names,
        activities=commentable_activities(version["content"]),
        reply_about=activity_title(version["content"], version.get("reply_activity_id")),
        errors=errors or {},
        error_links=[
            {"anchor": DECISION_ANCHORS[path], "label": "", "message": " ".join(m)}
            for path, m in (errors or {}).items()
            if path in DECISION_ANCHORS
        ],
        form=request.form if request.method == "POST" else {},
        **tasks.decision_page_extras(approval, task),
    )
    return Response(page, status=status)


DECISIONS = ("approve", "return", "reject")
# The decision form's fields, by the path of their errors.
DECISION_ANCHORS = {
    "decision.decision": "decision",
    "decision.comment": "comment",
    "decision.activity_id": "activity_id",
}


def record_decision(task_id: str) -> ResponseReturnValue:
    body = {"decision": request.form.get("decision", ""), "comment": request.form.get("comment", "").strip()}
    if request.form.get("activity_id", "").strip():  # the one activity the comment is about (optional)
        body["activity_id"] = request.form["activity_id"].strip()
    # Nothing is decided by default: a choice, and a comment for a return or a rejection, both
    # asked for at once before anything is sent.
    errors: dict[str, list[str]] = {}
    if body["decision"] not in DECISIONS:
        errors["decision.decision"] = [translate(g.locale, "error.choose_decision")]
    elif body["decision"] in ("return", "reject") and not body["comment"]:
        errors["decision.comment"] = [translate(g.locale, "error.comment_required")]
    if errors:
        return _render_approval(request.form.get("approval_id", ""), task_id, errors=errors, status=422)
    if request.form.get("confirm") != "yes":
        return _confirm_decision(task_id, body)
    answer = call("POST", f"/approvals/tasks/{task_id}/decision", json=body)
    if answer.ok:
        # A report is called a report in what the approver is told (notice.report_decision_*).
        report = request.form.get("kind") == "report"
        return _done("web.tasks", f"{'report_' if report else ''}decision_{body['decision']}")
    return _decision_failed(task_id, answer, "decision")


def _confirm_decision(task_id: str, body: dict[str, str]) -> ResponseReturnValue:
    approval_id = request.form.get("approval_id", "")
    if not is_id(approval_id):
        abort(404)
    approval = fetch(f"/approvals/{approval_id}").body
    task = next((each for each in approval["tasks"] if each["id"] == task_id), None)
    if task is None:
        abort(404)
    plan_ref = approval["plan"]
    kind = (approval.get("subject") or {}).get("kind") or plan_ref.get("kind") or "plan"
    base = "/reports" if kind == "report" else "/plans"
    title = plan_ref.get("title") or fetch(f"{base}/{plan_ref['plan_id']}").body["title"]
    decision = body["decision"]
    about = None
    if body.get("activity_id"):  # the activity the comment is about, by its title in the decided version
        version = call("GET", f"{base}/{plan_ref['plan_id']}/versions/{plan_ref['version']}")
        about = activity_title(version.body["content"], body["activity_id"]) if version.ok else None
    # The question and the button name the document by its kind: "Trả lại báo cáo …".
    wording = f"confirm.report_{decision}" if kind == "report" else f"confirm.{decision}"
    return _confirm(
        heading=translate(g.locale, f"confirm.{decision}_title"),
        question=translate(g.locale, f"{wording}_question", plan=title, level=pick(task["level_name"], g.locale)),
        button=translate(g.locale, f"{wording}_button"),
        action=url_for("web.record_decision", task_id=task_id),
        back=url_for("web.approval", approval_id=approval_id, task=task_id),
        hidden={"approval_id": approval_id, "kind": kind, **body},
        comment=body["comment"],
        about=about,
        danger=decision == "reject",
    )


def delegate_task(task_id: str) -> ResponseReturnValue:
    body = {"to": request.form.get("to", ""), "comment": request.form.get("comment", "")}
    answer = call("POST", f"/approvals/tasks/{task_id}/delegate", json=body)
    if answer.ok:
        return redirect(url_for("web.tasks", done="delegated", to=body["to"]), code=303)
    return _decision_failed(task_id, answer, "delegate")


def _decision_failed(task_id: str, answer: Answer, form: str) -> ResponseReturnValue:
    """Show the approval again with the reason beside the form that failed (a missing
    comment, a task someone else decided first: 409)."""
    errors = {
        f"{form}.{path}" if path else form: messages for path, messages in flatten_errors(answer.field_errors).items()
    }
    if not errors:
        errors = {form: [_problem_text(answer)]}
    return _render_approval(request.form.get("approval_id", ""), task_id, errors=errors, status=answer.status)


def _problem_text(answer: Answer) -> str:
    if answer.status == 409:
        return answer.detail or translate(g.locale, "error.conflict")
    if answer.status == 412:
        return translate(g.locale, "error.stale")
    return answer.detail or translate(g.locale, "error.generic")


def inbox() -> str:
    params: dict[str, Any] = {"limit": 50}
    if request.args.get("unread"):
        params["unread"] = "true"
    if request.args.get("cursor"):
        params["cursor"] = request.args["cursor"]
    answer = call("GET", "/notifications", params=params)
    page = answer.body if answer.ok else {"items": [], "next_cursor": None, "unread_count": 0}
    for item in page["items"]:
        item["target"] = notification_target(item)
    return render_template("web/inbox.html", page=page, unread_only=bool(request.args.get("unread")))


def notification_target(item: dict[str, Any]) -> str:
    """The page of this site an inbox item opens: its link's path (the notifications service
    writes links to the public address of these pages), else the plan or report it names."""
    parts = urlsplit(str(item.get("link") or ""))
    if parts.path.startswith(("/plans/", "/reports/", "/approvals/", "/calls/")):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    if item.get("plan_id"):
        return url_for("web.plan", plan_id=item["plan_id"])
    return url_for("web.inbox")


def open_notification(notification_id: str) -> ResponseReturnValue:
    """Follow an item's link: marked read (harmless to repeat: a GET may), then the page itself."""
    call("POST", f"/notifications/{notification_id}/read")
    return redirect(safe_next(request.args.get("to")), code=303)


def read_notification(notification_id: str) -> ResponseReturnValue:
    answer = call("POST", f"/notifications/{notification_id}/read")
    if answer.ok and request.form.get("open"):
        return redirect(safe_next(request.form.get("open")), code=303)
    return redirect(url_for("web.inbox"), code=303)


def read_all() -> ResponseReturnValue:
    call("POST", "/notifications/read-all")
    return redirect(url_for("web.inbox"), code=303)
