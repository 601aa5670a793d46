"""The composition root: one message bus per process, with real dependencies (or the
fakes a test passes in)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from servicekit.clock import Clock, clock_for
from servicekit.db import Database
from servicekit.directory import Directory as KeycloakDirectory
from servicekit.messagebus import MessageBus
from servicekit.organisations import CachedCopy
from servicekit.unit_of_work import UnitOfWork

from .adapters.http import RequestsWebhookSender, resolve_host
from .adapters.mail import DigestComposer, MailTransport, SmtpDigestSender
from .adapters.orm import OrganisationCopyRow, SuccessionCopyRow, start_mappers
from .adapters.smtp import SmtpTransport
from .adapters.templates import TemplateRenderer
from .config import NotificationsSettings
from .domain.deliveries import MailBatching
from .domain.model import Directory
from .domain.webhooks import Resolver, RetryPolicy, TargetPolicy
from .service_layer.handlers import HANDLERS, WebhookSender
from .service_layer.unit_of_work import SqlUnitOfWork

# Extra lease beyond the request timeout before an unrecorded attempt counts as lost.
LEASE_MARGIN = timedelta(seconds=30)


def retry_policy(settings: NotificationsSettings) -> RetryPolicy:
    return RetryPolicy(
        base_seconds=settings.webhook_backoff_base_seconds,
        cap_seconds=settings.webhook_backoff_cap_seconds,
        give_up_after_seconds=settings.webhook_give_up_seconds,
    )


def keycloak_directory(settings: NotificationsSettings) -> KeycloakDirectory:
    return KeycloakDirectory.from_settings(settings, ttl=settings.directory_cache_seconds)


def smtp_transport(settings: NotificationsSettings) -> SmtpTransport:
    return SmtpTransport(
        settings.smtp_host,
        settings.smtp_port,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password,
        timeout=settings.smtp_timeout_seconds,
    )


def bootstrap(
    settings: NotificationsSettings | None = None,
    *,
    db: Database | None = None,
    uow: Callable[[], UnitOfWork] | None = None,
    directory: Directory | None = None,
    renderer: TemplateRenderer | None = None,
    resolve: Resolver | None = None,
    clock: Clock | None = None,
    mail_transport: MailTransport | None = None,
    webhooks: WebhookSender | None = None,
    rng: Callable[[float, float], float] = random.uniform,
    organisation_names: Callable[[], Any] | None = None,
) -> MessageBus:
    """The use cases of one process (build after forking). Anything passed in replaces
    the real one; without ``uow`` the units of work run on ``db`` (or DATABASE_URL)."""
    settings = settings or NotificationsSettings()
    names: Callable[[], Any] = organisation_names or (lambda: None)
    if uow is None:
        start_mappers()
        database = db or Database(settings.database_url)
        uow = lambda: SqlUnitOfWork(database)  # noqa: E731
        if organisation_names is None:
            names = CachedCopy(database, OrganisationCopyRow, SuccessionCopyRow)
    clock = clock or clock_for(settings)
    renderer = renderer or TemplateRenderer()
    target_policy = TargetPolicy(allowed=settings.allowed_webhook_hosts)
    return MessageBus(
        uow,
        HANDLERS,
        {
            "directory": directory or keycloak_directory(settings),
            "renderer": renderer,
            "document_link": settings.document_link,
            "task_link": settings.task_link,
            "clock": clock,
            "retry": retry_policy(settings),
            "target_policy": target_policy,
            "resolve": resolve or resolve_host,
            "batching": MailBatching(settings.email_batch_seconds, settings.email_resend_after_seconds),
            "mail": SmtpDigestSender(
                DigestComposer(renderer, settings.smtp_from, clock), mail_transport or smtp_transport(settings)
            ),
            "webhooks": webhooks or RequestsWebhookSender(check_connection=target_policy.check_connection),
            "webhook_timeout": settings.webhook_timeout_seconds,
            "lease": timedelta(seconds=settings.webhook_timeout_seconds) + LEASE_MARGIN,
            "rng": rng,
            "organisation_names": names,
        },
    )
