"""Merging the services' OpenAPI documents into the public one (pure functions, no I/O)."""

from __future__ import annotations

from gateway.openapi import OpenApiCache, merge
from gateway.routes import Route, RouteTable
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

OIDC = "https://sso.ttdn.gov.vn/realms/ttdn/.well-known/openid-configuration"
TABLE = RouteTable(
    [
        Route("GET", "/plans/<id>", frozenset({"drafter"}), "plans"),
        Route("GET", "/approvals/<id>", frozenset({"dept_approver"}), "approvals"),
    ]
)


def service_document(path: str, operation_id: str, schema_name: str, schema: dict) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "service", "version": "1"},
        "paths": {
            path: {
                "get": {
                    "operationId": operation_id,
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {
                                "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
                            },
                        }
                    },
                }
            },
            "/internal/outbox": {"get": {"responses": {"200": {"description": "internal"}}}},
        },
        "components": {"schemas": {schema_name: schema}},
    }


PLAN = {"type": "object", "properties": {"title": {"type": "string"}, "document_number": {"type": ["string", "null"]}}}
APPROVAL_AS_PLAN = {"type": "object", "properties": {"levels": {"type": "array"}}}


def test_paths_are_prefixed_and_internal_ones_dropped() -> None:
    document = merge(
        {"plans": service_document("/plans/{id}", "get_plan", "Plan", PLAN), "approvals": None},
        TABLE,
        openid_configuration_url=OIDC,
    )

    assert "/api/v1/plans/{id}" in document["paths"]
    assert not any("internal" in path for path in document["paths"])
    validate(document, cls=OpenAPIV31SpecValidator)


def test_a_schema_name_two_services_define_differently_is_prefixed_and_refs_follow() -> None:
    document = merge(
        {
            "plans": service_document("/plans/{id}", "get", "Plan", PLAN),
            "approvals": service_document("/approvals/{id}", "get", "Plan", APPROVAL_AS_PLAN),
        },
        TABLE,
        openid_configuration_url=OIDC,
    )
    schemas = document["components"]["schemas"]

    assert schemas["Plan"] == PLAN and schemas["ApprovalsPlan"] == APPROVAL_AS_PLAN
    approval = document["paths"]["/api/v1/approvals/{id}"]["get"]
    assert (
        approval["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        == "#/components/schemas/ApprovalsPlan"
    )
    # operation ids stay unique across services
    assert {
        op["get"]["operationId"] for path, op in document["paths"].items() if "/api/v1/" in path and "get" in op
    } >= {
        "get",
        "approvals_get",
    }
    validate(document, cls=OpenAPIV31SpecValidator)


def test_identical_schemas_are_shared() -> None:
    document = merge(
        {
            "plans": service_document("/plans/{id}", "get_plan", "Plan", PLAN),
            "approvals": service_document("/approvals/{id}", "get_approval", "Plan", PLAN),
        },
        TABLE,
        openid_configuration_url=OIDC,
    )
    assert "ApprovalsPlan" not in document["components"]["schemas"]


def test_security_roles_and_gateway_answers_are_added() -> None:
    document = merge(
        {"plans": service_document("/plans/{id}", "get_plan", "Plan", PLAN)}, TABLE, openid_configuration_url=OIDC
    )
    operation = document["paths"]["/api/v1/plans/{id}"]["get"]

    assert document["components"]["securitySchemes"]["keycloak"]["openIdConnectUrl"] == OIDC
    assert operation["security"] == [{"keycloak": []}, {"bearerAuth": []}]
    assert operation["x-roles"] == ["drafter"]
    assert operation["responses"]["503"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    assert "Idempotency-Key" not in str(operation.get("parameters"))


def test_a_service_without_a_document_is_described_from_the_table() -> None:
    document = merge({"plans": None, "approvals": None}, TABLE, openid_configuration_url=OIDC)

    stub = document["paths"]["/api/v1/approvals/{id}"]["get"]
    assert stub["parameters"][0]["name"] == "id"
    validate(document, cls=OpenAPIV31SpecValidator)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_cache_refetches_when_old_and_keeps_the_last_good_document() -> None:
    clock = Clock()
    answers: list[dict | Exception] = [
        service_document("/plans/{id}", "get_plan", "Plan", PLAN),
        ConnectionError("plans is restarting"),
    ]
    fetches: list[str] = []

    def fetch(service: str) -> dict:
        fetches.append(service)
        answer = answers.pop(0) if answers else service_document("/plans/{id}", "get_plan_v2", "Plan", PLAN)
        if isinstance(answer, Exception):
            raise answer
        return answer

    cache = OpenApiCache(fetch, ["plans"], TABLE, openid_configuration_url=OIDC, max_age=60, clock=clock)

    first = cache.document()
    assert cache.document() is first and fetches == ["plans"]  # fresh: no refetch
    clock.now += 61
    assert (
        cache.document()["paths"]["/api/v1/plans/{id}"]["get"]["operationId"] == "get_plan"
    )  # failure: last good kept
    clock.now += 61
    assert cache.document()["paths"]["/api/v1/plans/{id}"]["get"]["operationId"] == "get_plan_v2"
    assert fetches == ["plans", "plans", "plans"]
