"""One OpenAPI 3.1 document for the whole public API.

Each service generates its own document from the marshmallow schemas that
validate its requests (flask-smorest) and serves it at /openapi.json. The
gateway fetches them (cached, refetched when older than OPENAPI_CACHE_SECONDS
or when a service was unreachable), keeps only the operations its route table
exposes, prefixes their paths with /api/v1, merges the components (a schema
name two services define differently is prefixed with its service's name) and
adds its own paths, the Keycloak security schemes and the problem schema.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from servicekit.api import PROBLEM_SCHEMA

from .routes import API_PREFIX, Route, RouteTable

log = logging.getLogger(__name__)

COMPONENT_KINDS = ("schemas", "responses", "parameters", "requestBodies", "headers", "examples", "links", "callbacks")
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
SECURITY: list[dict[str, list[str]]] = [{"keycloak": []}, {"bearerAuth": []}]
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# Answers the gateway itself may give on any proxied operation.
GATEWAY_ANSWERS = {
    "401": "Missing, expired or invalid bearer token",
    "403": "None of the caller's roles may call this operation",
    "413": "Request body too large",
    "429": "Rate limit exhausted; see Retry-After",
    "502": "The service answered with something that is not a valid response",
    "503": "The service (or the identity provider) is unavailable, or it is catching up with earlier changes"
    " (a command refused before any work, urn:ttdn:problem:catching-up); see Retry-After",
    "504": "The service did not answer in time",
}
POST_ANSWERS = {
    "409": "A request with the same Idempotency-Key is still in progress",
    "422": "Invalid request, or an Idempotency-Key reused for a different request",
}
IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retried POST safe: the first answer is returned again (Idempotent-Replayed: true).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
}


def merge(
    service_documents: Mapping[str, dict | None],
    table: RouteTable,
    *,
    openid_configuration_url: str,
    title: str = "TTĐN Plan Approval Suite API",
    version: str = "1.0.0",
) -> dict[str, Any]:
    """The public document from the services' documents (None for a service that could not be read)."""
    components: dict[str, dict[str, Any]] = {kind: {} for kind in COMPONENT_KINDS}
    components["schemas"]["Problem"] = copy.deepcopy(PROBLEM_SCHEMA)
    paths: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    documented: set[Route] = set()

    for service, document in service_documents.items():
        if not document:
            continue
        document = copy.deepcopy(document)
        _error_responses_as_problems(document)
        document = _rename_components(service, document, components)
        for path, item in (document.get("paths") or {}).items():
            for method in HTTP_METHODS:
                operation = item.get(method)
                route = table.for_template(method, path)
                if operation is None or route is None:
                    continue  # not exposed through the gateway
                public_item = paths.setdefault(API_PREFIX + path, {})
                if item.get("parameters"):
                    public_item.setdefault("parameters", item["parameters"])
                public_item[method] = _public_operation(operation, route, operation_ids)
                documented.add(route)

    for route in table.routes:
        if route not in documented:
            # The service's document is unavailable (or lacks the operation):
            # still describe what the gateway routes, with what it knows.
            path = API_PREFIX + _openapi_rule(route.rule)
            paths.setdefault(path, {})[route.method.lower()] = _public_operation(_stub(route), route, operation_ids)

    paths.update(_gateway_paths())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": (
                "The public API of the TTĐN plan approval suite: provincial external-information plans, "
                "their approval by department, provincial committee and ministry, and notifications. "
                "Every error is application/problem+json (RFC 9457); every answer carries X-Request-ID."
            ),
        },
        "servers": [{"url": "/"}],
        "security": SECURITY,
        "tags": [
            {"name": name}
            for name in sorted({t for item in paths.values() for op in _operations(item) for t in op.get("tags", [])})
        ],
        "paths": dict(sorted(paths.items())),
        "components": {
            **{kind: dict(sorted(entries.items())) for kind, entries in components.items() if entries},
            "securitySchemes": {
                "keycloak": {"type": "openIdConnect", "openIdConnectUrl": openid_configuration_url},
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
    }


def _operations(item: dict) -> list[dict]:
    return [item[method] for method in HTTP_METHODS if isinstance(item.get(method), dict)]


def _rename_components(service: str, document: dict, merged: dict[str, dict[str, Any]]) -> dict:
    """Move the document's components into ``merged``, renaming clashes, and rewrite its $refs."""
    renames: dict[str, str] = {}
    source = document.get("components") or {}
    for kind in COMPONENT_KINDS:
        for name, definition in (source.get(kind) or {}).items():
            target = name
            if name in merged[kind] and merged[kind][name] != _rewrite_refs(definition, renames):
                target = f"{service.capitalize()}{name}"
            renames[f"#/components/{kind}/{name}"] = f"#/components/{kind}/{target}"
    for kind in COMPONENT_KINDS:
        for name, definition in (source.get(kind) or {}).items():
            target = renames[f"#/components/{kind}/{name}"].rsplit("/", 1)[1]
            merged[kind].setdefault(target, _rewrite_refs(definition, renames))
    return _rewrite_refs(document, renames)


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                renames.get(value, value) if key == "$ref" and isinstance(value, str) else _rewrite_refs(value, renames)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(value, renames) for value in node]
    return node


def _public_operation(operation: dict, route: Route, operation_ids: set[str]) -> dict:
    public = dict(operation)
    public.setdefault("tags", [route.service])
    operation_id = public.get("operationId") or _operation_id(route)
    if operation_id in operation_ids:
        operation_id = f"{route.service}_{operation_id}"
    operation_ids.add(operation_id)
    public["operationId"] = operation_id
    public["security"] = [] if route.public else SECURITY
    public["x-roles"] = ["anyone, without an account"] if route.public else sorted(route.roles)
    public["x-service"] = route.service
    responses = {status: _as_problem(status, response) for status, response in (public.get("responses") or {}).items()}
    answers = {**GATEWAY_ANSWERS, **(POST_ANSWERS if route.method == "POST" else {})}
    for status, description in answers.items():
        responses.setdefault(status, _problem_response(description))
    public["responses"] = responses
    if route.method == "POST":
        parameters = list(public.get("parameters") or [])
        if not any(isinstance(p, dict) and p.get("name", "").lower() == "idempotency-key" for p in parameters):
            parameters.append(IDEMPOTENCY_KEY_PARAMETER)
        public["parameters"] = parameters
    return public


def _error_responses_as_problems(document: dict) -> None:
    """flask-smorest's shared error responses (DEFAULT_ERROR, UNPROCESSABLE_ENTITY)
    describe its own application/json "Error" body; in the suite they are problem+json."""
    responses = (document.get("components") or {}).get("responses") or {}
    for name, response in responses.items():
        schemas = [media.get("schema", {}).get("$ref", "") for media in (response.get("content") or {}).values()]
        if schemas and all(ref.endswith("/Error") for ref in schemas):
            responses[name] = {**response, "content": {"application/problem+json": {"schema": PROBLEM_REF}}}


def _as_problem(status: str, response: dict) -> dict:
    """Error answers in the suite are problem+json (servicekit), whatever a
    service's generator wrote (flask-smorest documents its own "Error" schema
    as application/json)."""
    if not (status.startswith(("4", "5")) or status == "default") or "$ref" in response or not response.get("content"):
        return response
    return {**response, "content": {"application/problem+json": {"schema": PROBLEM_REF}}}


def _problem_response(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {"schema": PROBLEM_REF}}}


def _openapi_rule(rule: str) -> str:
    return rule.replace("<", "{").replace(">", "}")


def _operation_id(route: Route) -> str:
    words = [part for part in route.rule.replace("-", "_").split("/") if part and not part.startswith("<")]
    return "_".join([route.method.lower(), *words])


def _stub(route: Route) -> dict:
    names = [segment[1:-1].rsplit(":", 1)[-1] for segment in route.rule.split("/") if segment.startswith("<")]
    return {
        "summary": f"{route.method} {route.rule}",
        "description": f"Served by the {route.service} service, whose description is unavailable right now.",
        "parameters": [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in names],
        "responses": {
            "2XX": {"description": "The service's answer", "content": {"application/json": {}}},
            "default": _problem_response("The service's error"),
        },
    }


def _gateway_paths() -> dict[str, dict]:
    def public(summary: str, content: dict, tag: str = "gateway") -> dict:
        return {
            "get": {
                "tags": [tag],
                "summary": summary,
                "operationId": summary.lower().replace(" ", "_").replace("'", ""),
                "security": [],
                "responses": {"200": {"description": summary, "content": content}},
            }
        }

    health = {"application/json": {"schema": {"type": "object"}}}
    readiness = public("Readiness of the gateway and the services", health, "operations")
    readiness["get"]["responses"]["503"] = {"description": "Not ready", "content": health}
    # Anyone learns ready or not; what is checked (the services behind) only with the ops role.
    readiness["get"]["description"] = "With a token holding the ops role, the answer names each check."
    readiness["get"]["security"] = [{}, *SECURITY]
    metrics = public("Prometheus metrics", {"text/plain": {"schema": {"type": "string"}}}, "operations")
    metrics["get"]["description"] = "For operators: a token holding the realm role ops."
    metrics["get"]["security"] = SECURITY
    metrics["get"]["responses"]["401"] = _problem_response("No valid token")
    metrics["get"]["responses"]["403"] = _problem_response("The token lacks the ops role")
    return {
        f"{API_PREFIX}/openapi.json": public(
            "This OpenAPI document", {"application/json": {"schema": {"type": "object"}}}
        ),
        f"{API_PREFIX}/docs": public("The API documentation viewer", {"text/html": {"schema": {"type": "string"}}}),
        "/healthz": public("Liveness", health, "operations"),
        "/readyz": readiness,
        "/metrics": metrics,
    }


class OpenApiCache:
    """The merged document, rebuilt from the services' documents as they age."""

    def __init__(
        self,
        fetch: Callable[[str], dict],
        services: list[str],
        table: RouteTable,
        *,
        openid_configuration_url: str,
        max_age: float = 60.0,
        retry_after_failure: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._services = services
        self._table = table
        self._openid_configuration_url = openid_configuration_url
        self._max_age = max_age
        self._retry_after_failure = retry_after_failure
        self._clock = clock
        self._lock = threading.Lock()
        self._documents: dict[str, tuple[float, dict | None]] = {}
        self._merged: dict | None = None

    def document(self) -> dict:
        with self._lock:
            changed = False
            now = self._clock()
            for service in self._services:
                fetched_at, document = self._documents.get(service, (float("-inf"), None))
                age_limit = self._max_age if document is not None else self._retry_after_failure
                if now - fetched_at < age_limit:
                    continue
                fresh = self._read(service)
                # A service that is briefly down keeps its last good document.
                self._documents[service] = (now, fresh if fresh is not None else document)
                changed = changed or fresh != document
            if self._merged is None or changed:
                self._merged = merge(
                    {service: self._documents[service][1] for service in self._services},
                    self._table,
                    openid_configuration_url=self._openid_configuration_url,
                )
            return self._merged

    def _read(self, service: str) -> dict | None:
        try:
            return self._fetch(service)
        except Exception as error:  # any failure: describe the service from the route table
            log.warning("openapi unavailable", extra={"upstream": service, "error": error.__class__.__name__})
            return None
