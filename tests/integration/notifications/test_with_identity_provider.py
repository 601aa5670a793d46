"""Against the development identity provider (Keycloak's paths and Admin API):
recipients, names, languages and e-mail addresses come from the realm through
servicekit's Directory (python-keycloak KeycloakAdmin), and the inbox answers a
real user's password-grant token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import pytest
from devidp.testing import running_devidp
from keycloak import KeycloakOpenID
from notifications.bootstrap import keycloak_directory
from servicekit.db import Database

from tests.integration.notifications.support import (
    Mailbox,
    deliver_through_consumer,
    make_deps,
    make_settings,
    sample_event,
)


@pytest.fixture(scope="module")
def idp() -> Iterator[str]:
    with running_devidp() as (_, base_url):
        yield base_url


def test_drafters_named_by_the_realm_get_inbox_and_mail_at_their_keycloak_address(
    db: Database, idp: str, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    settings = make_settings(db.engine.url.render_as_string(hide_password=False), keycloak_url=idp, smtp_port=port)
    deps = make_deps(db, settings, keycloak_directory(settings))
    deliver = deliver_through_consumer(deps)
    deliver(sample_event("plan.submitted"))
    deliver(sample_event("approval.decision_recorded", level=1, by="dept.cb"))

    later = lambda: datetime.now(UTC) + timedelta(seconds=settings.email_batch_seconds + 1)  # noqa: E731
    mailer = make_deps(db, settings, deps.directory, clock=later).mailer()
    assert mailer.send_due() >= 2

    drafter = deps.directory.person("drafter.cb")
    english_drafter = deps.directory.person("drafter2.cb")
    approver = deps.directory.person("dept.cb")
    vietnamese = mailbox.to(drafter.email)[-1]
    english = mailbox.to(english_drafter.email)[-1]
    assert not mailbox.to(approver.email)  # the decider is not told of their own decision
    assert vietnamese["To"].addresses[0].display_name == drafter.display_name
    assert str(make_header(decode_header(vietnamese["Subject"]))).startswith("Sở")
    assert f"{approver.display_name} (" in vietnamese.get_body(("plain",)).get_content()
    assert "returned the plan for revision" in str(make_header(decode_header(english["Subject"])))

    token = KeycloakOpenID(server_url=idp, realm_name="ttdn", client_id="ttdn-cli").token("drafter.cb", "ttdn2024")
    with deps.app().test_client() as client:
        inbox = client.get("/notifications", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert inbox.status_code == 200, inbox.json
    (message,) = inbox.json["items"]
    assert message["event_type"] == "approval.decision_recorded" and inbox.json["unread_count"] == 1
