"""The WSGI app: ``approvals.entrypoints.app:create_app()``."""

from __future__ import annotations

from flask import Flask
from servicekit.api import create_api
from servicekit.auth import TokenVerifier
from servicekit.backpressure import install_backpressure
from servicekit.db import Database
from servicekit.i18n import N_
from servicekit.list_versions import LIST_CHANGES, ListChanges
from servicekit.problems import ProblemTable, ProblemType, register_problem_table
from servicekit.web import create_service_app, service_readiness
from sqlalchemy.exc import IntegrityError, OperationalError

from ..adapters.orm import TaskListVersionRow
from ..bootstrap import bootstrap
from ..config import ApprovalsSettings
from ..domain import errors
from ..service_layer.handlers import DirectoryUnavailable
from ..service_layer.ports import ApproverDirectory, Clock
from .api import ServiceContext, approvals_blp, chains_blp
from .messages import CATALOGUE, rendered


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
    install_backpressure(app, settings, publishes=("approval",))
    app.extensions["approvals"] = ServiceContext(db, bootstrap(settings, db=db, directory=directory, clock=clock))
    app.extensions[LIST_CHANGES] = ListChanges.for_table(db, TaskListVersionRow, settings)
    api = create_api(
        app,
        title="TTĐN approvals",
        description="Approval chains, tasks, decisions (hash-chained), delegation and SLA timers.",
    )
    api.register_blueprint(approvals_blp)
    api.register_blueprint(chains_blp)
    register_problem_table(app, PROBLEMS, CATALOGUE)
    return app


def _field_errors(error: BaseException) -> object:
    return rendered(getattr(error, "messages", None) or getattr(error, "errors", None))


# Domain (and infrastructure) errors to problem types, in this one place.
PROBLEMS: ProblemTable = {
    errors.ApprovalError: ProblemType(400, "Bad request"),
    errors.NotFound: ProblemType(404, "Not found"),
    errors.SeparationOfDuties: ProblemType(403, "Separation of duties", "separation-of-duties"),
    errors.NotPermitted: ProblemType(403, "Forbidden"),
    errors.TaskClosed: ProblemType(409, "Task closed", "task-closed"),
    errors.AlreadyDecided: ProblemType(409, "Already decided", "already-decided"),
    errors.Conflict: ProblemType(409, "Conflict"),
    errors.InvalidChain: ProblemType(422, "Invalid approval chain", "invalid-chain", errors=_field_errors),
    errors.InvalidDecision: ProblemType(422, "Validation failed", "validation-error", errors=_field_errors),
    DirectoryUnavailable: ProblemType(
        503,
        "Identity provider unavailable",
        detail=N_("Eligible approvers cannot be looked up right now; nothing was changed."),
        headers={"Retry-After": "5"},
    ),
    # The unique constraints are the last line behind the row lock: a decision or a chain
    # version that lost a race.
    IntegrityError: ProblemType(
        409,
        "Conflict",
        "concurrent-change",
        detail=N_("Someone else changed this at the same moment; reload and retry."),
    ),
    OperationalError: ProblemType(
        503, "Service unavailable", detail=N_("The database is unavailable."), headers={"Retry-After": "5"}
    ),
}
