"""The notifications service's copy of the organisation registry on PostgreSQL, fed through its
consumer: an approver's message names the unit by its name in force, not by its id; the newest
version of an organisation wins whatever the order its events arrive in."""

from __future__ import annotations

from datetime import date

from notifications.adapters.orm import NotificationRow, OrganisationCopyRow, SuccessionCopyRow
from notifications.testing import FakeDirectory
from servicekit.contracts import events as contract
from servicekit.events import new_event
from sqlalchemy import func, select

from tests.integration.notifications.support import (
    deliver_through_consumer,
    make_deps,
    make_settings,
    migrated,
    sample_event,
)
from tests.support.orgs import registry_events


def organisation_event(payload: contract.OrganisationEvent, event_id: str | None = None):  # type: ignore[no-untyped-def]
    return new_event(
        payload.name, source="/ttdn/plans", subject=contract.aggregate_of(payload), data=payload.payload(), id=event_id
    )


def test_messages_name_organisations_from_the_copy_kept_by_the_consumer(postgres_url: str) -> None:
    db = migrated(postgres_url)
    deps = make_deps(db, make_settings(postgres_url), FakeDirectory())
    deliver = deliver_through_consumer(deps)
    seeded = registry_events()
    for payload in seeded:
        deliver(organisation_event(payload))  # type: ignore[arg-type]
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OrganisationCopyRow)) == sum(
            1 for p in seeded if isinstance(p, contract.OrganisationState)
        )
        assert session.scalar(select(func.count()).select_from(SuccessionCopyRow)) == sum(
            len(p.successions) for p in seeded if isinstance(p, contract.OrganisationSucceeded)
        )
        assert session.scalar(select(func.count()).select_from(NotificationRow)) == 0  # nobody is told

    # A rename of Cao Bằng's department arrives, then (late) the older state again, then the rename again.
    state = next(p for p in seeded if getattr(p, "organisation_id", "") == "svhttdl-cao-bang")
    fields = {name: getattr(state, name) for name in ("organisation_id", "changed_at", "kind", "levels", "parents")}
    renamed = contract.OrganisationChanged(
        **fields,
        names=(
            *state.names,
            contract.OrganisationName(
                since=date(2024, 1, 1), full="Sở Văn hóa và Thông tin tỉnh Cao Bằng", abbreviation="SVHTT"
            ),
        ),  # type: ignore[attr-defined]
        version=state.version + 10_000,  # type: ignore[attr-defined]
    )
    deliver(organisation_event(renamed, "rename"))
    deliver(organisation_event(state))  # type: ignore[arg-type]
    deliver(organisation_event(renamed, "rename"))

    deliver(sample_event("approval.task_assigned", assignees=["dept.cb"], org_unit="svhttdl-cao-bang"))
    with db.transaction() as session:
        bodies = session.scalars(select(NotificationRow.body).where(NotificationRow.recipient == "dept.cb")).all()
    assert len(bodies) == 1
    assert "Sở Văn hóa và Thông tin tỉnh Cao Bằng" in bodies[0] and "svhttdl-cao-bang" not in bodies[0]
    db.dispose()
