"""The composition root: real dependencies for the processes, fakes for tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from servicekit.auth import TokenVerifier
from servicekit.db import Database
from servicekit.directory import Directory as KeycloakDirectory

from .adapters.http import RequestsWebhookSender, resolve_host
from .adapters.smtp import SmtpTransport
from .adapters.templates import TemplateRenderer
from .config import NotificationsSettings
from .domain.model import Directory
from .domain.webhooks import Resolver, RetryPolicy, TargetPolicy
from .service_layer.handlers import Messaging
from .service_layer.mailer import DigestMailer
from .service_layer.webhook_dispatcher import WebhookDispatcher, WebhookSender


@dataclass
class Dependencies:
    settings: NotificationsSettings
    db: Database
    directory: Directory
    renderer: TemplateRenderer = field(default_factory=TemplateRenderer)
    resolve: Resolver = resolve_host
    verifier: TokenVerifier | None = None

    @property
    def messaging(self) -> Messaging:
        return Messaging(directory=self.directory, renderer=self.renderer, plan_link=self.settings.plan_link)

    @property
    def retry_policy(self) -> RetryPolicy:
        return retry_policy(self.settings)

    @property
    def target_policy(self) -> TargetPolicy:
        return TargetPolicy(allowed=self.settings.allowed_webhook_hosts)


def retry_policy(settings: NotificationsSettings) -> RetryPolicy:
    return RetryPolicy(
        base_seconds=settings.webhook_backoff_base_seconds,
        cap_seconds=settings.webhook_backoff_cap_seconds,
        give_up_after_seconds=settings.webhook_give_up_seconds,
    )


def keycloak_directory(settings: NotificationsSettings) -> KeycloakDirectory:
    return KeycloakDirectory(
        settings.keycloak_url,
        settings.keycloak_realm,
        settings.keycloak_admin_client_id,
        settings.keycloak_admin_client_secret,
        ttl=settings.directory_cache_seconds,
    )


def bootstrap(
    settings: NotificationsSettings | None = None,
    *,
    db: Database | None = None,
    directory: Directory | None = None,
    verifier: TokenVerifier | None = None,
    resolve: Resolver | None = None,
    with_verifier: bool = False,
) -> Dependencies:
    """Wire the dependencies; anything passed in replaces the real one."""
    settings = settings or NotificationsSettings()
    return Dependencies(
        settings=settings,
        db=db or Database(settings.database_url),
        directory=directory or keycloak_directory(settings),
        resolve=resolve or resolve_host,
        verifier=verifier or (TokenVerifier.for_settings(settings) if with_verifier else None),
    )


def mailer(deps: Dependencies, transport: SmtpTransport | None = None) -> DigestMailer:
    settings = deps.settings
    return DigestMailer(
        deps.db,
        transport
        or SmtpTransport(
            settings.smtp_host,
            settings.smtp_port,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
        ),
        deps.renderer,
        sender=settings.smtp_from,
        batch_seconds=settings.email_batch_seconds,
        resend_after_seconds=settings.email_resend_after_seconds,
    )


def dispatcher(deps: Dependencies, sender: WebhookSender | None = None) -> WebhookDispatcher:
    settings = deps.settings
    return WebhookDispatcher(
        deps.db,
        sender or RequestsWebhookSender(check_connection=deps.target_policy.check_connection),
        deps.retry_policy,
        deps.target_policy,
        deps.resolve,
        timeout_seconds=settings.webhook_timeout_seconds,
        workers=settings.webhook_workers,
    )
