"""The report pages: the drafter starts a report from the approved plan's page, fills in the
results table (the frozen target beside an input for the actual value, with a preview of the
percentage as they type; the saved percentage is the API's), and submits it; approvers and the
ministry read targets, actuals and shortfalls at a glance, and the ministry records its receipt.
Like every page, a client of /api/v1 with the user's token."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from .i18n import translate
from .plan_form import clean, flatten_errors

TEXTS = ("replies_to", "advantages", "difficulties", "strengths", "weaknesses", "causes", "directions", "proposals")
QUALIFIERS = ("", "trên", "hơn", "gần", "khoảng", "dưới")
_NUMBER = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$|^\d+(,\d+)?$|^\d+(\.\d+)?$")


def report_changes(before: dict[str, Any], after: dict[str, Any], locale: str = "vi") -> list[str]:
    """What changed in a report since the version that was sent back, one line each: the texts of
    sections I and III–V, and per activity (by its id) the status, what was done, money spent and
    each indicator's actual value. Empty when nothing did."""
    lines: list[str] = []
    for name in TEXTS:
        if (before.get(name) or "") != (after.get(name) or ""):
            lines.append(translate(locale, "report.changed_text", field=translate(locale, f"report.{name}")))
    old = {result.get("activity_id"): result for result in before.get("results") or []}
    for result in after.get("results") or []:
        previous = old.get(result.get("activity_id"))
        title = result.get("title", "")
        if previous is None:
            lines.append(translate(locale, "report.changed_added", title=title))
            continue
        for name in ("status", "done", "spent_vnd"):
            if previous.get(name) != result.get(name):
                lines.append(translate(locale, f"report.changed_{name}", title=title))
        for was, now in zip(previous.get("indicators") or [], result.get("indicators") or [], strict=False):
            if (was.get("actual"), was.get("qualifier")) != (now.get("actual"), now.get("qualifier")):
                lines.append(
                    translate(
                        locale,
                        "report.changed_actual",
                        title=title,
                        indicator=now.get("name", ""),
                        before=_figure(was),
                        after=_figure(now),
                    )
                )
    return lines


def _figure(indicator: dict[str, Any]) -> str:
    actual = indicator.get("actual")
    if actual is None:
        return "—"
    if isinstance(actual, float) and actual.is_integer():  # the API keeps numbers as decimals: 150.0 reads 150
        actual = int(actual)
    text = f"{actual:,}".replace(",", ".") if isinstance(actual, int) else str(actual).replace(".", ",")
    return f"{indicator.get('qualifier')} {text}".strip()


def register(blueprint: Blueprint) -> None:
    rules: list[tuple[str, str, Callable[..., ResponseReturnValue], list[str]]] = [
        ("/reports", "reports", report_list, ["GET"]),
        ("/plans/<plan_id>/report", "new_report", new_report, ["POST"]),
        ("/reports/<report_id>", "report", report_page, ["GET", "POST"]),
        ("/reports/<report_id>/submit", "submit_report", submit_report, ["POST"]),
        ("/reports/<report_id>/withdraw", "withdraw_report", withdraw_report, ["POST"]),
        ("/reports/<report_id>/receipt", "receive_report", receive_report, ["POST"]),
        ("/reports/<report_id>/print", "print_report", print_report, ["GET"]),
        ("/reports/<report_id>/call", "link_report_call", link_report_call, ["POST"]),
    ]
    for rule, endpoint, view, methods in rules:
        blueprint.add_url_rule(rule, endpoint, view, methods=methods)


def _views() -> Any:
    from . import views  # the shared helpers (call, fetch, notices) of every page

    return views


def parse_actual(raw: str) -> Any:
    """What a person types, read as the API wants it: ``1.250`` (thousands) → 1250, ``12,5`` → 12.5;
    blank → None; anything else is sent as typed, for the API to name as not a number."""
    text = clean(raw).replace(" ", "")
    if not text:
        return None
    if not _NUMBER.match(text):
        return text
    if "," in text or re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "").replace(",", ".")
    value = float(text)
    return int(value) if value.is_integer() else value


def parse_report_form(form: MultiDict[str, str], report: dict[str, Any]) -> dict[str, Any]:
    """The PUT body from the form: texts, and per result its status, what was done, money spent and
    each indicator's actual value and qualifier (targets are the plan's and are not sent)."""
    body: dict[str, Any] = {name: clean(form.get(name, "")) for name in TEXTS}
    results = []
    for index, result in enumerate(report["results"]):
        at = f"results.{index}"
        spent = clean(form.get(f"{at}.spent_vnd", "")).replace(".", "").replace(" ", "")
        item: dict[str, Any] = {
            "activity_id": result["activity_id"],
            "planned": result["planned"],
            "title": result["title"],
            "status": form.get(f"{at}.status", result["status"]),
            "done": clean(form.get(f"{at}.done", "")),
            "spent_vnd": int(spent) if spent.isdigit() else (spent or None),
            "indicators": [
                {
                    "name": indicator["name"],
                    "unit": indicator["unit"],
                    "code": indicator["code"],
                    "actual": parse_actual(form.get(f"{at}.indicators.{position}.actual", "")),
                    "qualifier": form.get(f"{at}.indicators.{position}.qualifier", ""),
                }
                for position, indicator in enumerate(result["indicators"])
            ],
        }
        results.append(item)
    body["results"] = results
    body["addressed_to"] = report.get("addressed_to") or []
    body["recipients"] = report.get("recipients") or []
    return body


def report_list() -> str:
    views = _views()
    arguments = {key: value for key, value in request.args.items() if key in ("status", "year", "q", "cursor")}
    page = views.fetch("/reports", params={**arguments, "limit": 20}).body
    return render_template("web/reports.html", page=page, filters=request.args)


def new_report(plan_id: str) -> ResponseReturnValue:
    views = _views()
    kind = request.form.get("kind", "annual")
    answer = views.call("POST", "/reports", json={"plan_id": plan_id, "kind": kind})
    if answer.status == 409 and isinstance(answer.body, dict) and answer.body.get("report_id"):
        return redirect(url_for("web.report", report_id=answer.body["report_id"]), code=303)
    if not answer.ok:
        return views._render_plan(plan_id, error=views._problem_text(answer), status=answer.status)
    return views._done("web.report", "report_started", report_id=answer.body["id"])


def report_page(report_id: str) -> ResponseReturnValue:
    views = _views()
    if request.method == "GET":
        return _render(report_id)
    current = views.fetch(f"/reports/{report_id}")
    body = parse_report_form(request.form, current.body)
    etag = request.form.get("etag", "")
    answer = views.call("PUT", f"/reports/{report_id}", json=body, headers={"If-Match": etag})
    if answer.status == 412:
        return _render(report_id, error_key="report.conflict", status=409)
    if answer.status in (400, 422):
        errors = flatten_errors(answer.field_errors)
        return _render(report_id, errors=errors, typed=request.form, status=422)
    if not answer.ok:
        abort(404 if answer.status == 404 else answer.status)
    return views._done("web.report", "report_saved", report_id=report_id)


def _render(
    report_id: str,
    *,
    errors: dict[str, list[str]] | None = None,
    typed: MultiDict[str, str] | None = None,
    error: str | None = None,
    error_key: str | None = None,
    call_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Response:
    views = _views()
    report = views.fetch(f"/reports/{report_id}")
    timeline = views.call("GET", f"/reports/{report_id}/timeline")
    entries = timeline.body["items"] if timeline.ok else []
    returning = None
    if report.body["status"] in ("returned", "rejected"):
        returning = next((e for e in reversed(entries) if e["kind"] in ("returned", "rejected")), None)
    principal = g.principal
    page = render_template(
        "web/report.html",
        report=report.body,
        etag=report.etag,
        timeline=entries,
        timeline_people=timeline.body.get("people") or {} if timeline.ok else {},
        returning=returning,
        errors=errors or {},
        typed=typed,
        error=error,
        error_key=error_key,
        editing=principal.has_role("drafter") and report.body["editable"],
        may_receive=principal.has_role("ministry_approver")
        and report.body["status"] == "approved"
        and not report.body.get("receipt"),
        open_task=views._open_task(report.body, entries),
        qualifiers=QUALIFIERS,
        notice=views._notice(),
        **views.call_link_context(
            "/reports", report.body, url_for("web.link_report_call", report_id=report_id), call_errors
        ),
    )
    return Response(page, status=status)


def _transition(report_id: str, path: str, notice: str, **kwargs: Any) -> ResponseReturnValue:
    views = _views()
    answer = views.call("POST", f"/reports/{report_id}/{path}", **kwargs)
    if answer.ok:
        return views._done("web.report", notice, report_id=report_id)
    return _render(report_id, error=views._problem_text(answer), status=answer.status)


def _confirmed(report_id: str, act: str) -> ResponseReturnValue | None:
    """The one step before withdrawing, as for plans (``views.confirm_transition``)."""
    views = _views()
    if request.form.get("confirm") == "yes":
        return None
    report = views.fetch(f"/reports/{report_id}").body
    return views.confirm_transition(
        act,
        report,
        kind="report",
        action=url_for(f"web.{act}_report", report_id=report_id),
        back=url_for("web.report", report_id=report_id),
    )


def submit_report(report_id: str) -> ResponseReturnValue:
    views = _views()
    step = views.submission_step("report", report_id)
    if step is not None:
        return step
    return _transition(report_id, "submit", "report_submitted", headers=views._if_match(), json=views.submission_body())


def withdraw_report(report_id: str) -> ResponseReturnValue:
    step = _confirmed(report_id, "withdraw")
    if step is not None:
        return step
    return _transition(report_id, "withdraw", "report_withdrawn", headers=_views()._if_match())


def receive_report(report_id: str) -> ResponseReturnValue:
    return _transition(report_id, "receipt", "report_received", json={"note": clean(request.form.get("note", ""))})


def link_report_call(report_id: str) -> ResponseReturnValue:
    answer, errors = _views().link_call("/reports", report_id)
    if answer.ok:
        return _views()._done("web.report", "call_linked", report_id=report_id)
    return _render(report_id, call_errors=errors, status=answer.status)


def print_report(report_id: str) -> ResponseReturnValue:
    """The issued report's stored signed PDF, as for plans."""
    views = _views()
    answer = views.call("GET", f"/reports/{report_id}/document.pdf")
    if answer.status == 202:  # issued a moment ago: the renderer is still signing it
        return views._done("web.report", "report_rendering", report_id=report_id)
    if answer.status != 200:
        abort(404)
    return Response(
        answer.content,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": answer.headers.get("content-disposition", "inline"),
            "ETag": answer.headers.get("etag", ""),
        },
    )
