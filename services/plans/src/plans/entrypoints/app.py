"""The plans service's WSGI app: ``plans.entrypoints.app:create_app()``."""

from __future__ import annotations

from flask import Flask
from servicekit.api import create_api
from servicekit.auth import TokenVerifier
from servicekit.backpressure import install_backpressure
from servicekit.db import Database
from servicekit.problems import ProblemTable, ProblemType, register_problem_table
from servicekit.web import PUBLIC_PATHS, create_service_app, service_readiness

from ..bootstrap import bootstrap, organisations, trust_roots
from ..config import PlansSettings
from ..domain import errors
from .api import PlanIdConverter, blp
from .calls_api import calls_blp, links_blp, overview_blp, report_links_blp
from .documents_api import blp as documents_blp
from .messages import (
    CATALOGUE,
    invalid_organisations_problem,
    invalid_plan_problem,
    nothing_to_copy_problem,
    unknown_organisation_problem,
)
from .organisations_api import blp as organisations_blp
from .reports_api import blp as reports_blp

# Domain errors to problem types, in this one place.
PROBLEMS: ProblemTable = {
    errors.PlanError: ProblemType(400, "Bad request"),
    # Every broken rule at once, in the caller's language (entrypoints/messages.py).
    errors.PlanInvalid: ProblemType(422, "Validation failed", "validation-error", build=invalid_plan_problem),
    errors.PlanNotFound: ProblemType(404, "Not found", "not-found"),
    errors.NothingToCopy: ProblemType(404, "Nothing to copy", "nothing-to-copy", build=nothing_to_copy_problem),
    errors.VersionNotFound: ProblemType(404, "Not found", "not-found"),
    errors.PlanForbidden: ProblemType(403, "Forbidden", "forbidden"),
    errors.PlanNotEditable: ProblemType(409, "Plan not editable", "plan-not-editable"),
    errors.TransitionNotAllowed: ProblemType(409, "Transition not allowed", "transition-not-allowed"),
    errors.RevisionMismatch: ProblemType(412, "Precondition failed", "precondition-failed"),
    errors.WithdrawalRefused: ProblemType(409, "Withdrawal refused", "withdrawal-refused"),
    errors.WithdrawalInProgress: ProblemType(409, "Withdrawal in progress", "withdrawal-in-progress"),
    errors.RevisionRequired: ProblemType(428, "Precondition required", "precondition-required"),
    errors.NoIssuingBody: ProblemType(500, "Configuration error", "configuration-error"),
    errors.CallNotFound: ProblemType(404, "Not found", "not-found"),
    errors.ProvinceNotFound: ProblemType(404, "Not found", "not-found"),
    # The organisation registry: every problem at once; an unknown id in a path is a 404.
    errors.OrganisationsInvalid: ProblemType(
        422, "Validation failed", "validation-error", build=invalid_organisations_problem
    ),
    errors.UnknownOrganisation: ProblemType(404, "Not found", "not-found", build=unknown_organisation_problem),
    errors.PlanNotApproved: ProblemType(
        409, "Plan not approved", "plan-not-approved", extensions=lambda error: {"plan_status": error.status}
    ),
    errors.ReportExists: ProblemType(
        409,
        "Report exists",
        "report-exists",
        extensions=lambda error: {"report_id": error.report_id, "report_status": error.status},
    ),
    errors.AlreadyReceived: ProblemType(409, "Already received", "already-received"),
    errors.DocumentNotIssued: ProblemType(
        409, "Not issued", "not-issued", extensions=lambda error: {"plan_status": error.status}
    ),
}


# The kinds of events this service publishes (the first word of their routing keys).
EVENT_KINDS = ("plan", "report", "call", "organisation")


def create_app(settings: PlansSettings | None = None) -> Flask:
    settings = settings or PlansSettings()
    db = Database(settings.database_url)
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
    # A check of a document writes nothing, so it is never held back with the commands.
    install_backpressure(app, settings, publishes=EVENT_KINDS, exempt=("/documents/verify",))
    app.extensions["plans"] = bus = bootstrap(settings, db=db)
    app.extensions["plans_organisations"] = organisations(settings, bus.dependencies["organisation_registry"])
    app.extensions["plans_trust_roots"] = lambda: trust_roots(settings)
    app.extensions["plans_db"] = db
    api = create_api(
        app, title="TTĐN plans service", description="Plans, versions, submission and the numbering register"
    )
    api.register_converter(PlanIdConverter, lambda _converter: {"type": "string", "not": {"const": "catalogue"}})
    app.url_map.converters["plan_id"] = PlanIdConverter
    api.register_blueprint(blp)
    api.register_blueprint(reports_blp)
    api.register_blueprint(documents_blp)
    api.register_blueprint(calls_blp)
    api.register_blueprint(links_blp)
    api.register_blueprint(report_links_blp)
    api.register_blueprint(overview_blp)
    api.register_blueprint(organisations_blp)
    register_problem_table(app, PROBLEMS, CATALOGUE)

    return app
