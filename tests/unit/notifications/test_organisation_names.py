"""Notifications keeps a copy of the organisation registry from ``organisation.*`` events and
names organisations in messages by their name in force, never by their id."""

from __future__ import annotations

import json
from datetime import date

from notifications.domain import commands, events
from notifications.service_layer.handlers import IncomingEvent
from notifications.testing import sample_event_data
from servicekit.contracts import events as contract

from tests.support.orgs import registry_events
from tests.unit.notifications.conftest import FakeUnitOfWork, make_bus


def as_incoming(payload: object, event_id: str) -> IncomingEvent:
    name = payload.name  # type: ignore[attr-defined]
    data = contract.to_data(payload)  # type: ignore[arg-type]
    body = {"specversion": "1.0", "id": event_id, "type": f"vn.ttdn.{name}", "data": data}
    return IncomingEvent(id=event_id, name=name, data=data, json=json.dumps(body, ensure_ascii=False))


def incoming(name: str, event_id: str, **overrides: object) -> IncomingEvent:
    data = sample_event_data(name, **overrides)
    body = {"specversion": "1.0", "id": event_id, "type": f"vn.ttdn.{name}", "data": data}
    return IncomingEvent(id=event_id, name=name, data=data, json=json.dumps(body, ensure_ascii=False))


def test_messages_name_the_unit_by_its_name_in_force_from_the_copy(directory, renderer) -> None:  # type: ignore[no-untyped-def]
    uow = FakeUnitOfWork()
    bus = make_bus(directory, renderer, organisation_names=lambda: uow.organisations.registry())
    for number, payload in enumerate(registry_events()):
        bus.handle(as_incoming(payload, f"org-{number}"), uow)
    assert uow.notifications.items == []  # the registry's events tell nobody anything

    bus.handle(incoming(events.TASK_ASSIGNED, "task-1", assignees=["dept.cb"], org_unit="svhttdl-cao-bang"), uow)

    (notice,) = uow.notifications.items
    assert "Sở Văn hóa, Thể thao và Du lịch tỉnh Cao Bằng" in notice.body
    assert "svhttdl-cao-bang" not in notice.body


def test_the_newest_version_wins_whatever_the_order_and_redelivery_changes_nothing(directory, renderer) -> None:  # type: ignore[no-untyped-def]
    uow = FakeUnitOfWork()
    bus = make_bus(directory, renderer, organisation_names=lambda: uow.organisations.registry())
    state = next(e for e in registry_events() if getattr(e, "organisation_id", "") == "svhttdl-cao-bang")
    fields = {name: getattr(state, name) for name in ("organisation_id", "changed_at", "kind", "levels", "parents")}
    renamed = contract.OrganisationChanged(
        **fields,
        names=(
            *state.names,  # type: ignore[attr-defined]
            contract.OrganisationName(
                since=date(2024, 1, 1), full="Sở Văn hóa và Thông tin Cao Bằng", abbreviation="SVHTT"
            ),
        ),
        version=50,
    )
    older = contract.OrganisationCreated(**fields, names=state.names, version=7)  # type: ignore[attr-defined]
    bus.handle(as_incoming(renamed, "org-new"), uow)
    bus.handle(as_incoming(older, "org-old"), uow)  # an older state arriving late
    bus.handle(as_incoming(renamed, "org-new"), uow)  # the same event again

    copy = uow.organisations.registry()
    assert copy.name("svhttdl-cao-bang", date(2024, 3, 1)) == "Sở Văn hóa và Thông tin Cao Bằng"
    assert copy.name("svhttdl-cao-bang", date(2020, 3, 1)) == "Sở Văn hóa, Thể thao và Du lịch tỉnh Cao Bằng"
    assert copy.name("ubnd-khong-co", date(2024, 3, 1)) == "ubnd-khong-co"  # unknown: the id itself


def test_an_integrator_subscribed_to_the_registry_receives_its_events(directory, renderer) -> None:  # type: ignore[no-untyped-def]
    uow = FakeUnitOfWork()
    bus = make_bus(directory, renderer, resolve=lambda host: ["203.162.10.20"])
    subscription = bus.handle(
        commands.CreateSubscription(
            "ttdn-integrator-dashboard", "https://dashboard.bvhttdl.gov.vn/hooks", ("organisation.succeeded",)
        ),
        uow,
    )
    succeeded = next(e for e in registry_events() if isinstance(e, contract.OrganisationSucceeded))
    bus.handle(as_incoming(succeeded, "org-s"), uow)
    bus.handle(as_incoming(succeeded, "org-s"), uow)
    assert list(uow.deliveries.rows) == [(subscription.id, "org-s")]
    assert uow.organisations.registry().successions == succeeded.successions


def test_an_issued_plan_names_who_approved_it_and_the_body_that_issued_it(directory, renderer) -> None:  # type: ignore[no-untyped-def]
    """The ministry approves a plan at the last level; the province's People's Committee issues it
    in its own register: the message says both, the issuing body by its name from the copy."""
    uow = FakeUnitOfWork()
    bus = make_bus(directory, renderer, organisation_names=lambda: uow.organisations.registry())
    for number, payload in enumerate(registry_events()):
        bus.handle(as_incoming(payload, f"org-{number}"), uow)
    bus.handle(
        incoming(
            events.PLAN_APPROVED,
            "approved-1",
            org_unit="svhttdl-cao-bang",
            issuer="ubnd-cao-bang",
            document_number="15/KH-UBND",
            issued_on="2026-02-08",
            level_name={"vi": "Bộ Văn hóa, Thể thao và Du lịch", "en": "ministry"},
        ),
        uow,
    )
    bodies = {item.body for item in uow.notifications.items}
    assert any(
        "Bộ Văn hóa, Thể thao và Du lịch phê duyệt và Ủy ban nhân dân tỉnh Cao Bằng ban hành với số 15/KH-UBND" in body
        for body in bodies
    ), bodies
    assert not any("ubnd-cao-bang" in body for body in bodies)
