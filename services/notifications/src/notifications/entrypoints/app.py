"""The Flask app factory (WSGI: ``notifications.entrypoints.app:create_app()``)."""

from __future__ import annotations

from flask import Flask
from servicekit.api import create_api
from servicekit.auth import TokenVerifier
from servicekit.db import Database
from servicekit.i18n import N_
from servicekit.list_versions import LIST_CHANGES, ListChanges
from servicekit.problems import ProblemTable, ProblemType, register_problem_table
from servicekit.web import create_service_app, service_readiness

from ..adapters.orm import InboxVersionRow
from ..bootstrap import bootstrap
from ..config import NotificationsSettings
from ..domain.errors import (
    NotAnIntegrator,
    NotificationNotFound,
    SubscriptionNotFound,
    UnsafeWebhookTarget,
)
from ..domain.model import Directory
from ..domain.webhooks import Resolver
from . import api
from .messages import CATALOGUE, rendered

# Domain errors to problem types, in this one place; the details in the caller's language.
PROBLEMS: ProblemTable = {
    NotificationNotFound: ProblemType(404, "Not found", detail=N_("No such notification in your inbox.")),
    SubscriptionNotFound: ProblemType(404, "Not found", detail=N_("No such webhook subscription of yours.")),
    NotAnIntegrator: ProblemType(
        403, "Forbidden", detail=N_("Webhook subscriptions are managed by integrator clients.")
    ),
    UnsafeWebhookTarget: ProblemType(
        422,
        "Validation failed",
        "validation-error",
        detail=N_("The webhook URL is not an acceptable target."),
        errors=lambda error: {"url": [rendered(getattr(error, "message", str(error)))]},
    ),
}


def create_app(
    settings: NotificationsSettings | None = None,
    *,
    db: Database | None = None,
    verifier: TokenVerifier | None = None,
    directory: Directory | None = None,
    resolve: Resolver | None = None,
) -> Flask:
    """Build everything here, after gunicorn forks. Tests may hand in the database, the token
    verifier, a directory and a resolver."""
    settings = settings or NotificationsSettings()
    db = db or Database(settings.database_url)
    verifier = verifier or TokenVerifier.for_settings(settings)
    readiness = service_readiness(db, settings, verifier)
    app = create_service_app("notifications", settings, verifier=verifier, readiness=readiness)
    app.extensions["notifications"] = bootstrap(settings, db=db, directory=directory, resolve=resolve)
    app.extensions[LIST_CHANGES] = ListChanges.for_table(db, InboxVersionRow, settings)
    register_problem_table(app, PROBLEMS, CATALOGUE)
    rest = create_api(app, title="TTĐN notifications", description="In-app inbox and integrator webhooks")
    rest.register_blueprint(api.inbox)
    rest.register_blueprint(api.webhooks)
    return app
