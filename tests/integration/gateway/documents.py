"""OpenAPI documents shaped like the ones flask-smorest generates for the
services (3.1, bearerAuth, the shared Problem schema), for the stand-in
upstreams. Each also lists an internal path the gateway must not expose."""

from __future__ import annotations

from servicekit.api import PROBLEM_SCHEMA

PLAN_INPUT = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "plan_type": {"type": "string", "enum": ["annual", "multi_year"]},
        "year": {"type": "integer"},
        "org_unit": {"type": "string"},
        "summary": {"type": "string"},
    },
    "required": ["title", "year"],
}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _operation(
    operation_id: str, tag: str, *, status: str = "200", body: dict | None = None, params: tuple = ()
) -> dict:
    operation: dict = {
        "operationId": operation_id,
        "tags": [tag],
        "responses": {
            status: {"description": "OK", "content": _json({"type": "object"})}
            if status != "204"
            else {"description": "Done"},
            "404": {
                "description": "Not found",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            },
        },
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": _json(body)}
    if params:
        operation["parameters"] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in params
        ]
    return operation


def _document(title: str, paths: dict, schemas: dict) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0.0"},
        "paths": paths,
        "components": {
            "schemas": {"Problem": PROBLEM_SCHEMA, **schemas},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearerAuth": []}],
    }


PAGE_OF_PLANS = {
    "type": "object",
    "properties": {"items": {"type": "array"}, "next_cursor": {"type": ["string", "null"]}},
}
PAGE_OF_TASKS = {"type": "object", "properties": {"items": {"type": "array"}, "cursor": {"type": ["string", "null"]}}}

PLANS = _document(
    "plans",
    {
        "/plans": {
            "get": _operation("list_plans", "plans"),
            "post": _operation("create_plan", "plans", status="201", body={"$ref": "#/components/schemas/PlanInput"}),
        },
        "/plans/{plan_id}": {
            "get": _operation("get_plan", "plans", params=("plan_id",)),
            "put": _operation(
                "replace_plan", "plans", body={"$ref": "#/components/schemas/PlanInput"}, params=("plan_id",)
            ),
        },
        "/plans/{plan_id}/submit": {"post": _operation("submit_plan", "plans", params=("plan_id",))},
        "/plans/{plan_id}/withdraw": {"post": _operation("withdraw_plan", "plans", params=("plan_id",))},
        "/plans/{plan_id}/versions": {"get": _operation("list_versions", "plans", params=("plan_id",))},
        "/plans/{plan_id}/versions/{number}": {"get": _operation("get_version", "plans", params=("plan_id", "number"))},
        "/plans/{plan_id}/timeline": {"get": _operation("get_timeline", "plans", params=("plan_id",))},
        "/internal/numbering-registers": {"get": _operation("numbering_registers", "internal")},
    },
    {"PlanInput": PLAN_INPUT, "Page": PAGE_OF_PLANS},
)

APPROVALS = _document(
    "approvals",
    {
        "/approvals/tasks": {"get": _operation("list_tasks", "approvals")},
        "/approvals/{approval_id}": {"get": _operation("get_approval", "approvals", params=("approval_id",))},
        "/approvals/tasks/{task_id}/decision": {
            "post": _operation(
                "record_decision",
                "approvals",
                body={
                    "type": "object",
                    "properties": {
                        "decision": {"type": "string", "enum": ["approve", "return", "reject"]},
                        "comment": {"type": "string"},
                    },
                    "required": ["decision"],
                },
                params=("task_id",),
            )
        },
        "/approvals/tasks/{task_id}/delegate": {"post": _operation("delegate_task", "approvals", params=("task_id",))},
        "/approval-chains": {"get": _operation("list_chains", "chains")},
        "/approval-chains/{key}": {
            "put": _operation("version_chain", "chains", body={"type": "object"}, params=("key",))
        },
    },
    {"Page": PAGE_OF_TASKS},
)

NOTIFICATIONS = _document(
    "notifications",
    {
        "/notifications": {"get": _operation("list_notifications", "notifications")},
        "/notifications/{notification_id}/read": {
            "post": _operation("mark_read", "notifications", params=("notification_id",))
        },
        "/notifications/read-all": {"post": _operation("mark_all_read", "notifications")},
        "/webhooks": {
            "get": _operation("list_webhooks", "webhooks"),
            "post": _operation("subscribe_webhook", "webhooks", status="201", body={"type": "object"}),
        },
        "/webhooks/{webhook_id}": {
            "delete": _operation("unsubscribe_webhook", "webhooks", status="204", params=("webhook_id",))
        },
        "/webhooks/{webhook_id}/deliveries": {"get": _operation("list_deliveries", "webhooks", params=("webhook_id",))},
    },
    {},
)

DOCUMENTS = {"plans": PLANS, "approvals": APPROVALS, "notifications": NOTIFICATIONS}
