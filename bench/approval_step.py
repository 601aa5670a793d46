"""The cost of one approval step in our approvals service, measured the way the
SpiffWorkflow baseline is: complete the level's task, advance the process (open
the next level: eligible approvers, working-day due date), and serialise what
is persisted (the decision record and the outgoing CloudEvents as JSON).

It runs the real use case (``record_decision``, through the service's message bus)
with the unit-test in-memory unit of work, so neither side pays for a database."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime

from approvals.domain import commands
from approvals.domain.model import Actor
from approvals.service_layer import handlers

from tests.unit.approvals.fakes import FakeClock, FakeUnitOfWork, cao_bang_plan, default_chain, make_bus

APPROVERS = {
    1: Actor("dept.cb", frozenset({"dept_approver"}), "svhttdl-cao-bang", "ubnd-cao-bang"),
    2: Actor("province.cb", frozenset({"province_approver"}), "ubnd-cao-bang", "ubnd-cao-bang"),
    3: Actor("ministry.1", frozenset({"ministry_approver"}), "cuc-ttcs-ttdn", None),
}


def serialise(uow: FakeUnitOfWork, outcome: handlers.DecisionOutcome) -> int:
    decision = json.dumps(dataclasses.asdict(outcome.decision), default=str, ensure_ascii=False)
    events = [event.to_json() for event in uow.published]
    uow.published.clear()
    return len(decision) + sum(len(e) for e in events)


def measure(samples: int) -> dict:
    clock = FakeClock(datetime(2024, 3, 1, 2, 0, tzinfo=UTC))
    bus = make_bus(clock)
    durations: list[float] = []
    size = 0
    n = 0
    while len(durations) < samples:
        uow = FakeUnitOfWork()
        uow.chains.add(default_chain())
        n += 1
        plan = cao_bang_plan(id=f"00000000-0000-4000-8000-{n:012d}")
        approval = bus.handle(commands.StartApproval(plan, clock()), uow)
        uow.published.clear()
        for level in (1, 2, 3):
            task = approval.open_task()
            started = time.perf_counter()
            outcome = bus.handle(commands.RecordDecision(task.id, APPROVERS[level], "approve", "Đồng ý"), uow)
            size = serialise(uow, outcome)
            durations.append(time.perf_counter() - started)
            approval = outcome.approval
        assert approval.status == "approved"
    durations.sort()
    return {"samples": len(durations), "median_us": durations[len(durations) // 2] * 1e6, "serialized_bytes": size}
