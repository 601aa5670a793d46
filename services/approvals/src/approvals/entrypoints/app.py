"""The WSGI app: ``approvals.entrypoints.app:create_app()``."""

from __future__ import annotations

from flask import Flask, Response
from servicekit.api import create_api
from servicekit.auth import TokenVerifier
from servicekit.db import Database
from servicekit.problems import Problem, problem_response
from servicekit.web import create_service_app, service_readiness
from sqlalchemy.exc import IntegrityError, OperationalError

from ..bootstrap import build_dependencies
from ..config import ApprovalsSettings
from ..domain import errors
from ..service_layer.handlers import DirectoryUnavailable
from ..service_layer.ports import ApproverDirectory, Clock
from .api import ServiceContext, approvals_blp, chains_blp


def create_app(
    settings: ApprovalsSettings | None = None,
    *,
    verifier: TokenVerifier | None = None,
    directory: ApproverDirectory | None = None,
    clock: Clock | None = None,
) -> Flask:
    """Build everything here, after gunicorn forks. Tests may inject the token verifier
    (primed with their own key), a directory and a clock."""
    settings = settings or ApprovalsSettings()
    db = Database(settings.database_url)
    verifier = verifier or TokenVerifier.for_settings(settings)
    readiness = service_readiness(db, settings, verifier)
    app = create_service_app("approvals", settings, verifier=verifier, readiness=readiness)
    app.extensions["approvals"] = ServiceContext(db, build_dependencies(settings, directory=directory, clock=clock))
    api = create_api(
        app,
        title="TTĐN approvals",
        description="Approval chains, tasks, decisions (hash-chained), delegation and SLA timers.",
    )
    api.register_blueprint(approvals_blp)
    api.register_blueprint(chains_blp)
    register_domain_errors(app)
    return app


def problem_for(error: errors.ApprovalError) -> Problem:
    """The one place where domain errors become HTTP problems."""
    if isinstance(error, errors.NotFound):
        return Problem(404, "Not found", error.detail)
    if isinstance(error, errors.SeparationOfDuties):
        return Problem(403, "Separation of duties", error.detail, slug="separation-of-duties")
    if isinstance(error, errors.NotPermitted):
        return Problem(403, "Forbidden", error.detail)
    if isinstance(error, errors.TaskClosed):
        return Problem(409, "Task closed", error.detail, slug="task-closed")
    if isinstance(error, errors.AlreadyDecided):
        return Problem(409, "Already decided", error.detail, slug="already-decided")
    if isinstance(error, errors.Conflict):
        return Problem(409, "Conflict", error.detail)
    if isinstance(error, errors.InvalidChain):
        return Problem(422, "Invalid approval chain", error.detail, slug="invalid-chain", errors=error.errors)
    if isinstance(error, errors.InvalidDecision):
        return Problem(422, "Validation failed", error.detail, slug="validation-error", errors=error.errors)
    return Problem(400, "Bad request", error.detail)


def register_domain_errors(app: Flask) -> None:
    @app.errorhandler(errors.ApprovalError)
    def _domain(error: errors.ApprovalError) -> Response:
        return problem_response(problem_for(error))

    @app.errorhandler(DirectoryUnavailable)
    def _directory(_error: DirectoryUnavailable) -> Response:
        return problem_response(
            Problem(
                503,
                "Identity provider unavailable",
                "Eligible approvers cannot be looked up right now; nothing was changed.",
                headers={"Retry-After": "5"},
            )
        )

    @app.errorhandler(IntegrityError)
    def _race(_error: IntegrityError) -> Response:
        # The unique constraints are the last line behind the row lock: a decision or a chain
        # version that lost a race.
        return problem_response(
            Problem(
                409,
                "Conflict",
                "Someone else changed this at the same moment; reload and retry.",
                slug="concurrent-change",
            )
        )

    @app.errorhandler(OperationalError)
    def _database(_error: OperationalError) -> Response:
        return problem_response(
            Problem(503, "Service unavailable", "The database is unavailable.", headers={"Retry-After": "5"})
        )
