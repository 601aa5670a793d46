"""The ministry's pages: the national overview (matrix, completion by province, trend of the main
indicators, exports) and the calls (issue one, follow its compliance). Like every page they ask
the public API with the signed-in user's token; a province's users see their own province."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from . import charts
from .i18n import translate
from .login import web
from .organisations import page_ask
from .views import _problem_text, call, fetch

EXPORTS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/overview", "overview", overview_page, methods=["GET"])
    blueprint.add_url_rule("/overview.<kind>", "overview_export", overview_export, methods=["GET"])
    blueprint.add_url_rule("/calls", "calls", call_list, methods=["GET", "POST"])
    blueprint.add_url_rule("/calls/<call_id>", "call", call_page, methods=["GET"])


def _year() -> int:
    try:
        return int(request.args.get("year", ""))
    except ValueError:
        return datetime.now(UTC).year


def overview_page() -> ResponseReturnValue:
    year = _year()
    answer = call("GET", "/overview", params={"year": year})
    if not answer.ok:
        abort(404 if answer.status in (403, 404, 422) else answer.status)
    data = answer.body
    t = lambda key, **values: translate(g.locale, key, **values)  # noqa: E731
    bars = charts.bar_chart(
        [(row["province"]["name"], row["completion"]) for row in data["provinces"] if row["completion"] is not None],
        title=t("overview.chart_completion", year=year),
    )
    trend = data["trend"]
    line = charts.line_chart(
        trend["years"],
        [(f"{s['name'] or s['code']} ({s['unit']})", [p["actual"] for p in s["points"]]) for s in trend["series"]],
        title=t("overview.chart_trend"),
    )
    return render_template("web/overview.html", data=data, year=year, bars=bars, line=line)


def overview_export(kind: str) -> ResponseReturnValue:
    if kind not in EXPORTS:
        abort(404)
    answer = call("GET", f"/overview.{kind}", params={"year": _year()})
    if answer.status != 200:
        abort(404)
    return Response(
        answer.content,
        mimetype=EXPORTS[kind],
        headers={"Content-Disposition": answer.headers.get("content-disposition", "attachment")},
    )


def call_list() -> ResponseReturnValue:
    errors: dict[str, Any] = {}
    form: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        form = request.form.to_dict()
        body: dict[str, Any] = {
            "reference": form.get("reference", ""),
            "issued_on": form.get("issued_on") or None,
            "priorities": form.get("priorities", ""),
        }
        for kind in ("plan", "report"):
            if form.get(f"{kind}_year"):
                body[f"{kind}_year"] = (
                    int(form[f"{kind}_year"]) if form[f"{kind}_year"].isdigit() else form[f"{kind}_year"]
                )
                body[f"{kind}_due"] = form.get(f"{kind}_due") or None
        # Provinces by name (the picker) or by id: turned into the registry's ids of today.
        provinces = web().organisations.resolve_many(form.get("provinces", ""), date.today(), page_ask(call))
        if provinces:
            body["provinces"] = provinces
        answer = call("POST", "/calls", json=body)
        if answer.ok:
            return redirect(url_for("web.call", call_id=answer.body["id"]), code=303)
        errors = answer.field_errors or {"": [_problem_text(answer)]}
        status = answer.status
    listed = call("GET", "/calls")
    calls = listed.body["items"] if listed.ok else []
    page = render_template(
        "web/calls.html",
        calls=calls,
        errors=errors,
        form=form,
        may_issue=g.principal.has_role("ministry_approver"),
    )
    return Response(page, status=status)


def call_page(call_id: str) -> ResponseReturnValue:
    compliance = fetch(f"/calls/{call_id}/compliance").body
    return render_template("web/call.html", data=compliance, call=compliance["call"])
