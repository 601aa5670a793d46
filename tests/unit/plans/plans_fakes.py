"""Fakes for the plans use cases: an in-memory repository, register and unit of work.
No I/O; the domain and service layer run exactly as in production."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from plans.adapters.repository import AbstractPlanRepository, PlanQuery
from plans.bootstrap import bootstrap
from plans.config import PlansSettings
from plans.domain.access import Actor
from plans.domain.events import PlanEvent, PlanSubmitted
from plans.domain.model import Plan, PlanSummary
from plans.service_layer.unit_of_work import UnitOfWork
from servicekit.messagebus import MessageBus


class FakePlanRepository(AbstractPlanRepository):
    def __init__(self, store: dict[str, Plan]) -> None:
        super().__init__()
        self.store = store

    def _add(self, plan: Plan) -> None:
        pass

    def _get(
        self, plan_id: str, *, for_update: bool, with_timeline: bool = True, appends_only: bool = False
    ) -> Plan | None:
        # A copy, as a database would hand out: changes count only once the unit of work commits.
        plan = self.store.get(plan_id)
        return copy.deepcopy(plan) if plan else None

    def persist(self, plan: Plan) -> None:
        stored = copy.deepcopy(plan)
        stored.events = []
        self.store[plan.id] = stored

    def search(self, query: PlanQuery) -> list[PlanSummary]:
        views = [plan.read_as(query.visibility) for plan in self.store.values() if plan.kind == query.kind]
        found = [
            view.summary()
            for view in views
            if view is not None
            and all(
                getattr(view.summary(), name) == value
                for name, value in (
                    ("status", query.status),
                    ("year", query.year),
                    ("org_unit", query.org_unit),
                    ("province", query.province),
                )
                if value is not None
            )
            and all(word in view.content.search_text() for word in query.words)
            and (query.after is None or (view.created_at, view.id) < query.after)
        ]
        return sorted(found, key=lambda s: (s.created_at, s.id), reverse=True)[: query.limit]

    def drafters_of(self, org_unit: str) -> list[str]:
        return sorted({plan.created_by for plan in self.store.values() if plan.org_unit == org_unit})

    def reports_of(self, org_unit: str, report_kind: str, year: int) -> list[tuple[str, str]]:
        return [
            (plan.id, plan.status)
            for plan in self.store.values()
            if plan.kind == "report"
            and plan.org_unit == org_unit
            and plan.content.year == year
            and plan.content.plan_type == report_kind
        ]


class FakeRegister:
    def __init__(self) -> None:
        self.last: dict[tuple[str, str, int], int] = {}
        self.issued: list[tuple[str, int, int, str]] = []

    def next_number(self, issuer: str, series: str, year: int, *, plan_id: str) -> int:
        key = (issuer, series, year)
        self.last[key] = self.last.get(key, 0) + 1
        self.issued.append((issuer, year, self.last[key], plan_id))
        return self.last[key]


class FakeIssuedFiles:
    """The renderer's queue as the issuing use case sees it: documents waiting for their file."""

    def __init__(self) -> None:
        self.queued: list[tuple[str, str, int, str]] = []

    def await_rendering(self, kind: str, document_id: str, *, version: int, document_number: str, **_: object) -> None:
        if all(entry[1] != document_id for entry in self.queued):
            self.queued.append((kind, document_id, version, document_number))


class FakeUnitOfWork(UnitOfWork):
    def __init__(
        self,
        store: dict[str, Plan],
        register: FakeRegister,
        published: list[PlanEvent],
        issued_files: FakeIssuedFiles | None = None,
        relayed: set[str] | None = None,
    ) -> None:
        self.plans = FakePlanRepository(store)
        self.register = register
        self.published = published
        self.issued_files = issued_files or FakeIssuedFiles()  # type: ignore[assignment]
        self.relayed = relayed if relayed is not None else set()  # plans whose events a relay has sent

    def _begin(self) -> None:
        self.plans.seen = {}  # each transaction starts with nothing touched, as the SQL one's repositories do

    def _record(self, events: list[PlanEvent]) -> None:
        self.published.extend(events)

    def retract_submission(self, plan_id: str, version: int, routing_key: str = "plan.submitted") -> bool:
        if plan_id in self.relayed:
            return False
        for event in self.published:
            if (
                isinstance(event, PlanSubmitted)
                and event.name == routing_key
                and event.plan_id == plan_id
                and event.version == version
            ):
                self.published.remove(event)
                return True
        return False


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2024, 2, 8, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class World:
    """Everything one unit test needs: the use cases over fakes, and what they recorded."""

    def __init__(self) -> None:
        self.store: dict[str, Plan] = {}
        self.register = FakeRegister()
        self.published: list[PlanEvent] = []
        self.issued_files = FakeIssuedFiles()
        self.relayed: set[str] = set()
        self.clock = FakeClock()
        ids = itertools.count(1)
        self.new_id = lambda: f"00000000-0000-4000-8000-{next(ids):012d}"
        self.bus = self.bus_with()

    def bus_with(self, **overrides: Any) -> MessageBus:
        """The use cases over this world's fakes, with ``overrides`` for some dependencies."""
        fakes: dict[str, Any] = {
            "uow": self.uow,
            "clock": self.clock,
            "new_id": self.new_id,
            "name_of": lambda _username: None,  # the directory names nobody
        }
        settings = PlansSettings(plans_issuers="", plans_issuers_file="", plans_catalogue_file="")
        return bootstrap(settings, **{**fakes, **overrides})

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store, self.register, self.published, self.issued_files, self.relayed)


DRAFTER_CB = Actor("drafter.cb", frozenset({"drafter"}), "svhttdl-cao-bang", "ubnd-cao-bang")
DRAFTER2_CB = Actor("drafter2.cb", frozenset({"drafter"}), "svhttdl-cao-bang", "ubnd-cao-bang")
DEPT_CB = Actor("dept.cb", frozenset({"dept_approver"}), "svhttdl-cao-bang", "ubnd-cao-bang")
PROVINCE_CB = Actor("province.cb", frozenset({"province_approver"}), "ubnd-cao-bang", "ubnd-cao-bang")
PROVINCE_BK = Actor("province.bk", frozenset({"province_approver"}), "ubnd-thai-nguyen-2025", "ubnd-thai-nguyen-2025")
MINISTRY = Actor("ministry.1", frozenset({"ministry_approver"}), "cuc-ttcs-ttdn", None)
DRAFTER_BK = Actor("drafter.bk", frozenset({"drafter"}), "svhttdl-thai-nguyen-2025", "ubnd-thai-nguyen-2025")
INTEGRATOR = Actor("service-account-ttdn-integrator-dashboard", frozenset({"integrator"}))
ADMIN = Actor("admin", frozenset({"admin"}))
