"""Small real stand-ins for the three services, speaking their HTTP contract
(paths without /api/v1, bearer tokens, ETag/If-Match, problem+json). Request
bodies are validated with the plans service's own marshmallow schema, so field
errors have exactly the service's shape. One ``Suite`` object holds the state
the three share, the way events would carry it between the real services."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask, g, jsonify, request
from marshmallow import ValidationError
from plans.domain.catalogue import Catalogue
from plans.entrypoints.schemas import PlanBodySchema
from servicekit.auth import InvalidToken, TokenVerifier

LEVELS = [
    (1, "dept_approver", {"vi": "Sở Thông tin và Truyền thông", "en": "Department"}, 3),
    (2, "province_approver", {"vi": "UBND tỉnh", "en": "Provincial People's Committee"}, 7),
    (3, "ministry_approver", {"vi": "Bộ VHTTDL", "en": "Ministry"}, 10),
]


def _now() -> str:
    return datetime.now(UTC).isoformat()


def problem(status: int, title: str, detail: str = "", errors: Any = None):  # type: ignore[no-untyped-def]
    body: dict[str, Any] = {"type": f"urn:ttdn:problem:{status}", "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


class Suite:
    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier
        self.plans: dict[str, dict[str, Any]] = {}
        self.approvals: dict[str, dict[str, Any]] = {}
        self.notifications: list[dict[str, Any]] = []
        self.numbers = 14  # the register of CB-UBND for the year: the next plan is 15/KH-UBND
        self.issued_files: dict[str, bytes] = {}  # what the renderer stored, by plan id

    # -- shared
    def _authenticated(self, app: Flask) -> None:
        @app.before_request
        def _authenticate():  # type: ignore[no-untyped-def]
            header = request.headers.get("Authorization", "")
            try:
                g.principal = self.verifier.verify(header.removeprefix("Bearer "))
            except InvalidToken as error:
                return problem(401, "Unauthorized", error.reason)
            return None

    def _log(self, plan: dict[str, Any], kind: str, **fields: Any) -> None:
        plan["timeline"].append(
            {
                "id": str(uuid.uuid4()),
                "kind": kind,
                "occurred_at": _now(),
                "version": fields.pop("version", None),
                "level": fields.pop("level", None),
                "actor": fields.pop("actor", None),
                "details": fields,
            }
        )

    def notify(self, username: str, subject: str, plan_id: str) -> None:
        self.notifications.append(
            {
                "id": str(uuid.uuid4()),
                "username": username,
                "event_type": "approval.decision_recorded",
                "plan_id": plan_id,
                "subject": subject,
                "body": subject,
                "link": f"/plans/{plan_id}",
                "created_at": _now(),
                "read": False,
                "read_at": None,
            }
        )

    # -- plans
    def plans_app(self) -> Flask:
        app = Flask("plans")
        self._authenticated(app)
        suite = self

        def visible(plan_id: str) -> dict[str, Any] | None:
            plan = suite.plans.get(plan_id)
            principal = g.principal
            if plan is None:
                return None
            if principal.has_role("drafter") and plan["org_unit"] == principal.org_unit:
                return plan
            if principal.has_role("dept_approver", "province_approver", "ministry_approver"):
                return plan
            return None

        def document(plan: dict[str, Any]):  # type: ignore[no-untyped-def]
            body = {k: v for k, v in plan.items() if k not in ("timeline", "versions")}
            response = jsonify(body)
            response.headers["ETag"] = f'"{plan["id"]}-r{plan["revision"]}"'
            return response

        def content_of(plan: dict[str, Any]) -> dict[str, Any]:
            return {k: copy.deepcopy(plan[k]) for k in PlanBodySchema().fields if k in plan}

        def loaded() -> dict[str, Any]:
            schema = PlanBodySchema()
            return schema.dump(schema.load(request.get_json()))  # validated, then as JSON stores it

        @app.get("/plans")
        def list_plans():  # type: ignore[no-untyped-def]
            items = [p for p in suite.plans.values() if visible(p["id"])]
            if request.args.get("org_unit"):
                items = [p for p in items if p["org_unit"] == request.args["org_unit"]]
            if request.args.get("status"):
                items = [p for p in items if p["status"] == request.args["status"]]
            keys = (
                "id",
                "title",
                "plan_type",
                "year",
                "org_unit",
                "province",
                "status",
                "stage",
                "document_number",
                "revision",
            )
            return jsonify(items=[{k: p.get(k) for k in keys} for p in items], next_cursor=None)

        @app.post("/plans")
        def create_plan():  # type: ignore[no-untyped-def]
            try:
                body = loaded()
            except ValidationError as error:
                return problem(422, "Validation failed", "The request has invalid fields; see errors.", error.messages)
            plan_id = str(uuid.uuid4())
            plan = {
                **body,
                "org_unit": g.principal.org_unit,
                "id": plan_id,
                "province": g.principal.province,
                "status": "draft",
                "stage": None,
                "revision": 1,
                "current_version": None,
                "document_number": None,
                "issued_on": None,
                "issuer": None,
                "date_line": None,
                "created_by": g.principal.username,
                "timeline": [],
                "versions": [],
            }
            plan["total_budget_vnd"] = sum(a["budget_vnd"] for a in body["activities"])
            suite._log(plan, "created", actor=g.principal.username)
            suite.plans[plan_id] = plan
            response = document(plan)
            response.status_code = 201
            return response

        @app.get("/plans/catalogue")
        def plan_catalogue():  # type: ignore[no-untyped-def]
            return Catalogue().to_document()  # the plans service's own catalogue, as it serves it

        @app.get("/plans/<plan_id>")
        def get_plan(plan_id: str):  # type: ignore[no-untyped-def]
            plan = visible(plan_id)
            return document(plan) if plan else problem(404, "Not found")

        @app.get("/plans/<plan_id>/document.pdf")
        def issued_document(plan_id: str):  # type: ignore[no-untyped-def]
            # The plans service's answers: 404 out of scope, 409 not issued, else its stored signed file.
            plan = visible(plan_id)
            if plan is None:
                return problem(404, "Not found")
            if plan["status"] != "approved":
                return problem(409, "Not issued")
            content = suite.issued_files.get(plan_id)
            if content is None:
                return jsonify(status="rendering"), 202, {"Retry-After": "2"}
            number = plan["document_number"].replace("/", "-")
            return (
                content,
                200,
                {
                    "Content-Type": "application/pdf",
                    "ETag": '"stored"',
                    "Content-Disposition": f'inline; filename="{number}.pdf"',
                },
            )

        @app.put("/plans/<plan_id>")
        def replace_plan(plan_id: str):  # type: ignore[no-untyped-def]
            plan = visible(plan_id)
            if plan is None or not g.principal.has_role("drafter"):
                return problem(404, "Not found")
            if request.headers.get("If-Match") != f'"{plan_id}-r{plan["revision"]}"':
                return problem(412, "Precondition failed", "The plan changed since you read it.")
            try:
                body = loaded()
            except ValidationError as error:
                return problem(422, "Validation failed", "The request has invalid fields; see errors.", error.messages)
            if plan["status"] not in ("draft", "returned", "withdrawn"):
                return problem(409, "Plan not editable", "Only drafts, returned and withdrawn plans can be edited.")
            body.pop("org_unit", None)
            plan.update(body, revision=plan["revision"] + 1)
            plan["total_budget_vnd"] = sum(a["budget_vnd"] for a in body["activities"])
            suite._log(plan, "edited", actor=g.principal.username)
            return document(plan)

        @app.post("/plans/<plan_id>/submit")
        def submit(plan_id: str):  # type: ignore[no-untyped-def]
            plan = visible(plan_id)
            if plan is None:
                return problem(404, "Not found")
            if plan["status"] not in ("draft", "returned", "withdrawn"):
                return problem(409, "Transition not allowed", "The plan is already under approval.")
            number = len(plan["versions"]) + 1
            plan["versions"].append(
                {
                    "number": number,
                    "title": plan["title"],
                    "content": content_of(plan),
                    "submitted_by": g.principal.username,
                    "submitted_at": _now(),
                    "edited_by": [],
                    "approval_id": None,
                    "outcome": None,
                    "content_sha256": "0" * 64,
                }
            )
            plan.update(status="submitted", current_version=number, revision=plan["revision"] + 1)
            suite._log(plan, "submitted", version=number, actor=g.principal.username)
            suite.start_approval(plan, number)
            return document(plan)

        @app.post("/plans/<plan_id>/withdraw")
        def withdraw(plan_id: str):  # type: ignore[no-untyped-def]
            plan = visible(plan_id)
            if plan is None:
                return problem(404, "Not found")
            if plan["status"] != "submitted":
                return problem(409, "Transition not allowed", "Only a submitted plan can be withdrawn.")
            plan.update(status="withdrawn", stage=None, revision=plan["revision"] + 1)
            suite._log(plan, "withdrawn", version=plan["current_version"], actor=g.principal.username)
            return document(plan)

        @app.get("/plans/<plan_id>/versions")
        def versions(plan_id: str):  # type: ignore[no-untyped-def]
            plan = visible(plan_id)
            if plan is None:
                return problem(404, "Not found")
            return jsonify(items=[{k: v for k, v in version.items() if k != "content"} for version in plan["versions"]])

        @app.get("/plans/<plan_id>/versions/<int:number>")
        def version(plan_id: str, number: int):  # type: ignore[no-untyped-def]
            plan = visible(plan_id)
            if plan is None or not 1 <= number <= len(plan["versions"]):
                return problem(404, "Not found")
            return jsonify(plan["versions"][number - 1])

        @app.get("/plans/<plan_id>/timeline")
        def timeline(plan_id: str):  # type: ignore[no-untyped-def]
            plan = visible(plan_id)
            return jsonify(items=plan["timeline"]) if plan else problem(404, "Not found")

        return app

    # -- approvals
    def start_approval(self, plan: dict[str, Any], version: int) -> None:
        approval_id = str(uuid.uuid4())
        plan["versions"][version - 1]["approval_id"] = approval_id
        self.approvals[approval_id] = {
            "id": approval_id,
            "status": "open",
            "current_level": 0,
            "started_at": _now(),
            "completed_at": None,
            "plan": {
                "plan_id": plan["id"],
                "version": version,
                "title": plan["title"],
                "org_unit": plan["org_unit"],
                "province": plan["province"],
                "year": plan["year"],
                "plan_type": plan["plan_type"],
                "content_sha256": "0" * 64,
                "submitted_by": plan["created_by"],
            },
            "chain": {
                "key": "plan",
                "version": 1,
                "name": {"vi": "Chuỗi mặc định", "en": "Default chain"},
                "levels": [
                    {
                        "level": n,
                        "name": name,
                        "role": role,
                        "scope": "org_unit",
                        "quorum": "any",
                        "sla_working_days": days,
                        "on_resubmit": "restart",
                    }
                    for n, role, name, days in LEVELS
                ],
            },
            "tasks": [],
            "decisions": [],
            "delegations": [],
            "verified": True,
        }
        self._open_level(approval_id, 1)

    def _open_level(self, approval_id: str, level: int, *, overdue: bool = False) -> None:
        approval = self.approvals[approval_id]
        number, role, name, days = LEVELS[level - 1]
        due = datetime.now(UTC) + (timedelta(days=-1) if overdue else timedelta(days=days))
        task = {
            "id": str(uuid.uuid4()),
            "level": number,
            "level_name": name,
            "role": role,
            "scope": "org_unit",
            "status": "open",
            "assignees": [],
            "required_approvals": 1,
            "assigned_at": _now(),
            "due_at": due.isoformat(),
            "overdue": overdue,
            "reminded_at": None,
            "overdue_at": None,
            "closed_at": None,
        }
        approval["tasks"].append(task)
        approval["current_level"] = number
        plan = self.plans[approval["plan"]["plan_id"]]
        plan["stage"] = {"level": number, **name}
        self._log(
            plan,
            "task_assigned",
            level=number,
            level_name=name,
            task_id=task["id"],
            due_at=task["due_at"],
            approval_id=approval_id,
        )

    def make_overdue(self, approval_id: str) -> None:
        task = self.approvals[approval_id]["tasks"][-1]
        task.update(overdue=True, due_at=(datetime.now(UTC) - timedelta(days=2)).isoformat())

    def approvals_app(self) -> Flask:
        app = Flask("approvals")
        self._authenticated(app)
        suite = self

        def open_task(task_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
            for approval in suite.approvals.values():
                for task in approval["tasks"]:
                    if task["id"] == task_id and task["status"] == "open" and g.principal.has_role(task["role"]):
                        return approval, task
            return None

        @app.get("/approvals/tasks")
        def tasks():  # type: ignore[no-untyped-def]
            items = []
            for approval in suite.approvals.values():
                for task in approval["tasks"]:
                    if task["status"] == "open" and g.principal.has_role(task["role"]):
                        items.append(
                            {
                                **{
                                    k: task[k]
                                    for k in (
                                        "id",
                                        "level",
                                        "level_name",
                                        "role",
                                        "scope",
                                        "status",
                                        "assigned_at",
                                        "due_at",
                                        "overdue",
                                    )
                                },
                                "approval_id": approval["id"],
                                **approval["plan"],
                            }
                        )
                        items[-1]["id"] = task["id"]
            return jsonify(items=items, next_cursor=None)

        @app.get("/approvals/<approval_id>")
        def approval(approval_id: str):  # type: ignore[no-untyped-def]
            found = suite.approvals.get(approval_id)
            return jsonify(found) if found else problem(404, "Not found")

        @app.post("/approvals/tasks/<task_id>/decision")
        def decide(task_id: str):  # type: ignore[no-untyped-def]
            body = request.get_json()
            if body.get("decision") not in ("approve", "return", "reject"):
                return problem(422, "Validation failed", "", {"decision": ["Must be one of: approve, return, reject."]})
            if body["decision"] != "approve" and not (body.get("comment") or "").strip():
                return problem(
                    422,
                    "Validation failed",
                    "",
                    {"comment": [f"a comment is required when the decision is {body['decision']}"]},
                )
            found = open_task(task_id)
            if found is None:
                return problem(409, "Task closed", "This task has already been decided.")
            approval, task = found
            plan = suite.plans[approval["plan"]["plan_id"]]
            task.update(status="closed", closed_at=_now())
            decision = {
                "id": str(uuid.uuid4()),
                "task_id": task_id,
                "sequence": len(approval["decisions"]) + 1,
                "level": task["level"],
                "decision": body["decision"],
                "comment": body.get("comment", ""),
                "by": g.principal.username,
                "decided_at": _now(),
                "content_sha256": "0" * 64,
                "previous_hash": None,
                "hash": "1" * 64,
            }
            approval["decisions"].append(decision)
            suite._log(
                plan,
                "decision",
                level=task["level"],
                actor=g.principal.username,
                decision=body["decision"],
                comment=decision["comment"],
                level_name=task["level_name"],
                task_id=task_id,
                approval_id=approval["id"],
            )
            suite.notify(plan["created_by"], f"{task['level_name']['vi']}: {body['decision']}", plan["id"])
            version = plan["versions"][approval["plan"]["version"] - 1]
            if body["decision"] == "approve" and task["level"] < len(LEVELS):
                suite._open_level(approval["id"], task["level"] + 1)
            elif body["decision"] == "approve":
                suite.numbers += 1
                issued = date.today()
                approval["status"] = version["outcome"] = "approved"
                plan.update(
                    status="approved",
                    stage=None,
                    document_number=f"{suite.numbers}/KH-UBND",
                    issued_on=issued.isoformat(),
                    issuer="CB-UBND",
                    date_line=f"Cao Bằng, ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}",
                )
                suite._log(plan, "approved", document_number=plan["document_number"], level=task["level"])
            else:
                outcome = "returned" if body["decision"] == "return" else "rejected"
                approval["status"] = version["outcome"] = outcome
                plan.update(status=outcome, stage=None, revision=plan["revision"] + 1)
                suite._log(
                    plan,
                    outcome,
                    level=task["level"],
                    actor=g.principal.username,
                    outcome=outcome,
                    comment=decision["comment"],
                    level_name=task["level_name"],
                    approval_id=approval["id"],
                )
            response = jsonify(
                decision=decision,
                task_status="closed",
                approval_id=approval["id"],
                approval_status=approval["status"],
                current_level=approval["current_level"],
            )
            response.status_code = 201
            return response

        @app.post("/approvals/tasks/<task_id>/delegate")
        def delegate(task_id: str):  # type: ignore[no-untyped-def]
            body = request.get_json()
            found = open_task(task_id)
            if found is None:
                return problem(409, "Task closed", "This task has already been decided.")
            if body.get("to") not in ("dual.cb", "dept.cb"):
                return problem(422, "Validation failed", "", {"to": [f"{body.get('to')} is not an eligible approver"]})
            found[1]["assignees"] = [body["to"]]
            response = jsonify(
                {
                    "id": str(uuid.uuid4()),
                    "task_id": task_id,
                    "from": g.principal.username,
                    "to": body["to"],
                    "comment": body.get("comment", ""),
                    "delegated_at": _now(),
                }
            )
            response.status_code = 201
            return response

        return app

    # -- notifications
    def notifications_app(self) -> Flask:
        app = Flask("notifications")
        self._authenticated(app)
        suite = self

        def mine() -> list[dict[str, Any]]:
            return [n for n in reversed(suite.notifications) if n["username"] == g.principal.username]

        @app.get("/notifications")
        def inbox():  # type: ignore[no-untyped-def]
            items = [n for n in mine() if not (request.args.get("unread") == "true" and n["read"])]
            return jsonify(items=items, next_cursor=None, unread_count=sum(not n["read"] for n in mine()))

        @app.get("/notifications/unread-count")
        def unread():  # type: ignore[no-untyped-def]
            return jsonify(unread_count=sum(not n["read"] for n in mine()))

        @app.post("/notifications/<notification_id>/read")
        def read(notification_id: str):  # type: ignore[no-untyped-def]
            for notice in mine():
                if notice["id"] == notification_id:
                    notice.update(read=True, read_at=_now())
                    return jsonify(notice)
            return problem(404, "Not found")

        @app.post("/notifications/read-all")
        def read_all():  # type: ignore[no-untyped-def]
            unread = [n for n in mine() if not n["read"]]
            for notice in unread:
                notice.update(read=True, read_at=_now())
            return jsonify(marked=len(unread), unread_count=0)

        return app
