"""GET /api/v1/openapi.json: one valid OpenAPI 3.1 document for the public API."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from gateway.app import create_app
from gateway.routes import ROUTES, template
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from tests.integration.gateway.conftest import gateway_settings
from tests.integration.gateway.servers import free_port


def test_the_merged_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()

    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)


def test_it_lists_every_public_route_under_the_prefix_and_nothing_internal(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]

    assert "/api/v1/plans/{plan_id}/versions/{number}" in paths
    assert not any("numbering-registers" in path for path in paths)
    proxied = {
        (method.upper(), template(path))
        for path, item in paths.items()
        for method, operation in item.items()
        if method != "parameters" and "x-service" in operation
    }
    assert proxied == {(route.method, "/api/v1" + route.openapi_path) for route in ROUTES}


def test_it_describes_the_gateways_security_and_errors(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    schemes = document["components"]["securitySchemes"]

    assert schemes["keycloak"] == {
        "type": "openIdConnect",
        "openIdConnectUrl": client.application.extensions["settings"].openid_configuration_url,
    }
    assert schemes["keycloak"]["openIdConnectUrl"].endswith("/realms/ttdn/.well-known/openid-configuration")
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert "Problem" in document["components"]["schemas"]
    decision = document["paths"]["/api/v1/approvals/tasks/{task_id}/decision"]["post"]
    assert decision["x-roles"] == ["dept_approver", "ministry_approver", "province_approver"]
    assert {"401", "403", "409", "413", "422", "429", "502", "503", "504"} <= set(decision["responses"])
    assert any(parameter["name"] == "Idempotency-Key" for parameter in decision["parameters"])
    assert document["paths"]["/api/v1/openapi.json"]["get"]["security"] == []


def test_schemas_two_services_define_differently_are_kept_apart(client: FlaskClient) -> None:
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]

    assert schemas["Page"]["properties"].keys() == {"items", "next_cursor"}
    assert schemas["ApprovalsPage"]["properties"].keys() == {"items", "cursor"}


def test_a_service_that_is_down_is_still_described_from_the_route_table(
    identity_provider, upstreams, tmp_path: Path
) -> None:
    urls = {name: server.url for name, server in upstreams.items()} | {
        "notifications": f"http://127.0.0.1:{free_port()}"
    }
    client = create_app(gateway_settings(identity_provider, urls, f"sqlite:///{tmp_path / 'gateway.db'}")).test_client()

    document = client.get("/api/v1/openapi.json").get_json()

    validate(document, cls=OpenAPIV31SpecValidator)
    webhook = document["paths"]["/api/v1/webhooks/{id}"]["delete"]
    assert webhook["x-roles"] == ["integrator"]
    assert "unavailable" in webhook["description"]


def test_the_docs_page_renders_the_document_without_any_cdn(client: FlaskClient) -> None:
    page = client.get("/api/v1/docs")

    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "/api/v1/openapi.json" in html
    assert "https://" not in html
    assert client.get("/api/v1/docs/swagger-ui-bundle.js").status_code == 200
