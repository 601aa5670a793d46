"""The Flask app factory (WSGI: ``notifications.entrypoints.app:create_app()``)."""

from __future__ import annotations

from flask import Flask, Response
from servicekit.api import create_api
from servicekit.problems import Problem, problem_response
from servicekit.web import create_service_app, service_readiness

from ..bootstrap import Dependencies, bootstrap
from ..config import NotificationsSettings
from ..domain.errors import (
    NotAnIntegrator,
    NotificationNotFound,
    SubscriptionNotFound,
    UnsafeWebhookTarget,
)
from . import api


def create_app(settings: NotificationsSettings | None = None, *, dependencies: Dependencies | None = None) -> Flask:
    """Build the app; the database, token verifier and directory are made here, after fork."""
    deps = dependencies or bootstrap(settings, with_verifier=True)
    settings = deps.settings
    verifier = deps.verifier

    readiness = service_readiness(deps.db, settings, verifier)
    app = create_service_app("notifications", settings, verifier=verifier, readiness=readiness)
    app.extensions["notifications"] = deps
    register_domain_errors(app)
    rest = create_api(app, title="TTĐN notifications", description="In-app inbox and integrator webhooks")
    rest.register_blueprint(api.inbox)
    rest.register_blueprint(api.webhooks)
    return app


def register_domain_errors(app: Flask) -> None:
    """The one place where domain errors become problem+json."""

    @app.errorhandler(NotificationNotFound)
    def _notification(_error: NotificationNotFound) -> Response:
        return problem_response(Problem(404, "Not found", "No such notification in your inbox."))

    @app.errorhandler(SubscriptionNotFound)
    def _subscription(_error: SubscriptionNotFound) -> Response:
        return problem_response(Problem(404, "Not found", "No such webhook subscription of yours."))

    @app.errorhandler(NotAnIntegrator)
    def _forbidden(_error: NotAnIntegrator) -> Response:
        return problem_response(Problem(403, "Forbidden", "Webhook subscriptions are managed by integrator clients."))

    @app.errorhandler(UnsafeWebhookTarget)
    def _unsafe(error: UnsafeWebhookTarget) -> Response:
        return problem_response(
            Problem(
                422,
                "Validation failed",
                "The webhook URL is not an acceptable target.",
                slug="validation-error",
                errors={"url": [error.reason]},
            )
        )
