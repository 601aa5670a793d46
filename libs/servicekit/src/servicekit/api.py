"""flask-smorest wired to our conventions: problem+json errors (its default
error bodies are replaced), bearer security in the generated OpenAPI 3.1
document, and the shared problem schema."""

from __future__ import annotations

import http
from typing import Any, ClassVar

from flask import Flask, Response, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from .jsonbody import is_json_mimetype
from .problems import PROBLEM_JSON, Problem, from_http_exception, problem_response

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"description": "Field errors: field name to messages (nested for lists and objects)"},
        "request_id": {"type": "string"},
    },
    "required": ["type", "title", "status"],
}


class ProblemApi(Api):
    ERROR_SCHEMA: ClassVar[dict[str, str]] = {"$ref": "#/components/schemas/Problem"}

    def handle_http_exception(self, error: HTTPException):  # type: ignore[override]
        return problem_response(from_http_exception(error))

    def _register_responses(self) -> None:
        # flask-smorest documents its error responses as application/json with its own
        # schema; every error of ours is an application/problem+json Problem.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


def create_api(
    app: Flask, *, title: str, version: str = "1.0.0", description: str = "", spec_kwargs: dict[str, Any] | None = None
) -> ProblemApi:
    app.config.setdefault("API_TITLE", title)
    app.config.setdefault("API_VERSION", version)
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {"info": {"description": description}})
    api = ProblemApi(app, spec_kwargs=spec_kwargs or {})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    api.spec.components.schema("Problem", PROBLEM_SCHEMA)
    api.spec.options["security"] = [{"bearerAuth": []}]
    install_json_only(app)
    return api


def install_json_only(app: Flask) -> None:
    """An endpoint whose body is a JSON schema takes JSON only: a body of another type is 415, not
    a 422 listing every field as missing (webargs would read it as no body at all). Endpoints that
    take other bodies (a PDF to verify) declare their own."""

    @app.before_request
    def _refuse_other_media_types() -> Response | None:
        if request.method not in ("POST", "PUT", "PATCH") or not _takes_json(app, request.endpoint, request.method):
            return None
        has_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        if not has_body or is_json_mimetype(request.mimetype):
            return None
        return problem_response(
            Problem(
                415,
                "Unsupported media type",
                f"Send the body as application/json, not {request.mimetype or 'an untyped body'}.",
            )
        )


def _takes_json(app: Flask, endpoint: str | None, method: str) -> bool:
    """Does the view of ``endpoint`` read a JSON body (flask-smorest's ``@blp.arguments``, location json)?"""
    view = app.view_functions.get(endpoint or "")
    view_class = getattr(view, "view_class", None)
    handler = getattr(view_class, method.lower(), None) if view_class is not None else view
    parameters = (getattr(handler, "_apidoc", {}).get("arguments") or {}).get("parameters") or []
    return any(parameter.get("in") == "json" for parameter in parameters)
