"""The plans service's WSGI app: ``plans.entrypoints.app:create_app()``."""

from __future__ import annotations

from flask import Flask, Response
from servicekit.api import create_api
from servicekit.auth import TokenVerifier
from servicekit.problems import Problem, problem_response
from servicekit.web import PUBLIC_PATHS, create_service_app, service_readiness

from ..bootstrap import bootstrap, organisations, trust_roots
from ..config import PlansSettings
from ..domain import errors
from .api import PlanIdConverter, blp
from .documents_api import blp as documents_blp
from .messages import invalid_plan_problem

# Domain errors to problem types, in this one place.
_PROBLEMS: list[tuple[type[errors.PlanError], int, str, str]] = [
    (errors.PlanNotFound, 404, "Not found", "not-found"),
    (errors.VersionNotFound, 404, "Not found", "not-found"),
    (errors.PlanForbidden, 403, "Forbidden", "forbidden"),
    (errors.PlanNotEditable, 409, "Plan not editable", "plan-not-editable"),
    (errors.TransitionNotAllowed, 409, "Transition not allowed", "transition-not-allowed"),
    (errors.RevisionMismatch, 412, "Precondition failed", "precondition-failed"),
    (errors.WithdrawalRefused, 409, "Withdrawal refused", "withdrawal-refused"),
    (errors.WithdrawalInProgress, 409, "Withdrawal in progress", "withdrawal-in-progress"),
    (errors.RevisionRequired, 428, "Precondition required", "precondition-required"),
    (errors.NoIssuingBody, 500, "Configuration error", "configuration-error"),
    (errors.DocumentNotIssued, 409, "Not issued", "not-issued"),
]


def problem_for(error: errors.PlanError) -> Problem:
    if isinstance(error, errors.PlanInvalid):
        return invalid_plan_problem(error)
    for kind, status, title, slug in _PROBLEMS:
        if isinstance(error, kind):
            extra = {"plan_status": error.status} if isinstance(error, errors.DocumentNotIssued) else {}
            return Problem(status, title, str(error), slug=slug, **extra)
    return Problem(400, "Bad request", str(error))


def create_app(settings: PlansSettings | None = None) -> Flask:
    settings = settings or PlansSettings()
    db, deps = bootstrap(settings)
    verifier = TokenVerifier.for_settings(settings)

    app = create_service_app(
        "plans",
        settings,
        verifier=verifier,
        readiness=service_readiness(db, settings, verifier),
        public_paths=(*PUBLIC_PATHS, "/documents/verify"),
    )
    # Anyone may check a document (recipients in other agencies have no account), up to its own limit.
    app.config["BODY_LIMITS"] = {"/documents/verify": settings.document_verify_max_bytes}
    app.extensions["plans_organisations"] = organisations(settings)
    app.extensions["plans_trust_roots"] = lambda: trust_roots(settings)
    app.extensions["plans"] = deps
    app.extensions["plans_db"] = db
    api = create_api(
        app, title="TTĐN plans service", description="Plans, versions, submission and the numbering register"
    )
    api.register_converter(PlanIdConverter, lambda _converter: {"type": "string", "not": {"const": "catalogue"}})
    app.url_map.converters["plan_id"] = PlanIdConverter
    api.register_blueprint(blp)
    api.register_blueprint(documents_blp)

    @app.errorhandler(errors.PlanError)
    def _plan_error(error: errors.PlanError) -> Response:
        return problem_response(problem_for(error))

    return app
