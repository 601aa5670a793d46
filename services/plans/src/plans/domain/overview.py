"""The national overview's read model: each document (plan or report) as its events told it.

Fed by events only (plan.*, report.*, approval.task_assigned and approval.completed, call.*;
see docs/overview.md), never by reading the documents' tables, so it can be rebuilt from scratch
by replaying them and can follow reports whoever stores them. Events arrive late, twice or out of
order; each one is merged into what is known so that the result does not depend on the order:

- the figures of each submitted version are kept by version number;
- the outcome of each version's approval is kept by version number (once set, kept);
- a level opened is kept per version as the highest level heard of;
- the number and date come with ``plan.approved`` / ``report.approved`` of a version;
- the status is *derived* from those facts (:attr:`OverviewDocument.status`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from .compliance import APPROVED, DRAFT, RECEIVED, REJECTED, RETURNED, SUBMITTED, DocumentFacts

ENDED = {"approved": APPROVED, "returned": RETURNED, "rejected": REJECTED, "cancelled": DRAFT, "withdrawn": DRAFT}


@dataclass
class OverviewDocument:
    kind: str
    id: str
    province: str = ""
    org_unit: str = ""
    year: int = 0
    plan_type: str = "annual"
    title: str = ""
    call_id: str = ""
    created: bool = False
    versions: dict[int, dict[str, Any]] = field(default_factory=dict)  # figures and submission time
    outcomes: dict[int, str] = field(default_factory=dict)
    levels: dict[int, dict[str, Any]] = field(default_factory=dict)
    approved_version: int | None = None
    document_number: str | None = None
    issued_on: date | None = None
    received_on: date | None = None

    # -- merging one event
    def learn_context(self, data: Mapping[str, Any]) -> None:
        for name in ("province", "org_unit", "title"):
            if data.get(name):
                setattr(self, name, str(data[name]))
        if data.get("year"):
            self.year = int(data["year"])
        if data.get("plan_type"):
            self.plan_type = str(data["plan_type"])
        if data.get("report_kind"):
            self.plan_type = str(data["report_kind"])

    def apply(self, name: str, data: Mapping[str, Any], at: datetime) -> None:
        """Merge the event ``name`` (its routing key) with ``data``, which happened at ``at``."""
        self.learn_context(data)
        version = int(data.get("version") or (data.get("subject") or {}).get("version") or 1)
        action = name.split(".", 1)[1] if "." in name else name
        if action == "created":
            self.created = True
        elif action == "submitted":
            submitted_at = data.get("submitted_at") or at.isoformat()
            self.versions[version] = {
                "submitted_at": str(submitted_at),
                "total_budget_vnd": int(data.get("total_budget_vnd") or 0),
                "total_spent_vnd": int(data.get("total_spent_vnd") or 0),
                "budgets": dict(data.get("budgets") or {}),
                "indicators": [dict(item) for item in data.get("indicators") or ()],
            }
            if data.get("call_id"):
                self.call_id = str(data["call_id"])
        elif action == "withdrawn":
            self.outcomes.setdefault(version, "withdrawn")
        elif action == "completed":
            self.outcomes.setdefault(version, str(data.get("outcome") or ""))
        elif action == "task_assigned":
            known = self.levels.get(version)
            level = int(data.get("level") or 0)
            if known is None or level > int(known.get("level") or 0):
                name_of = data.get("level_name") or {}
                self.levels[version] = {"level": level, "vi": name_of.get("vi", ""), "en": name_of.get("en", "")}
        elif action == "approved":
            self.outcomes[version] = "approved"
            self.approved_version = version
            self.document_number = str(data.get("document_number") or "") or None
            issued = data.get("issued_on")
            self.issued_on = date.fromisoformat(str(issued)) if issued else None
        elif action == "received":
            received = data.get("received_on") or data.get("received_at")
            moment = datetime.fromisoformat(str(received)) if received and len(str(received)) > 10 else None
            if moment is not None and moment.tzinfo is not None:
                self.received_on = moment.astimezone(_vietnam()).date()  # the ministry's day
            else:
                self.received_on = date.fromisoformat(str(received)[:10]) if received else at.date()

    # -- what it comes to
    @property
    def current_version(self) -> int | None:
        return max(self.versions, default=None)

    @property
    def status(self) -> str:
        if self.received_on is not None:
            return RECEIVED
        if self.approved_version is not None:
            return APPROVED
        current = self.current_version
        if current is None:
            return DRAFT
        outcome = self.outcomes.get(current)
        return ENDED.get(outcome, SUBMITTED) if outcome else SUBMITTED

    @property
    def first_submitted_on(self) -> date | None:
        """The local (Vietnamese) date the document was first submitted."""
        stamps = [datetime.fromisoformat(v["submitted_at"]) for v in self.versions.values() if v.get("submitted_at")]
        return min(stamps).astimezone(_vietnam()).date() if stamps else None

    @property
    def figures(self) -> dict[str, Any]:
        """The approved version's figures (a plan's targets, a report's actuals); empty until approved."""
        if self.approved_version is None:
            return {}
        return self.versions.get(self.approved_version, {})

    def facts(self) -> DocumentFacts:
        current = self.current_version
        level = self.levels.get(current) if current is not None else None
        return DocumentFacts(
            kind=self.kind,
            id=self.id,
            province=self.province,
            year=self.year,
            status=self.status,
            first_submitted_on=self.first_submitted_on,
            level=int(level["level"]) if level else None,
            level_name={"vi": level.get("vi", ""), "en": level.get("en", "")} if level else None,
            document_number=self.document_number,
            issued_on=self.issued_on,
            received_on=self.received_on,
            call_id=self.call_id,
            plan_type=self.plan_type,
        )

    # -- storage
    def state(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "versions": {str(k): v for k, v in self.versions.items()},
            "outcomes": {str(k): v for k, v in self.outcomes.items()},
            "levels": {str(k): v for k, v in self.levels.items()},
            "approved_version": self.approved_version,
        }

    def load_state(self, state: Mapping[str, Any]) -> None:
        self.created = bool(state.get("created"))
        self.versions = {int(k): dict(v) for k, v in (state.get("versions") or {}).items()}
        self.outcomes = {int(k): str(v) for k, v in (state.get("outcomes") or {}).items()}
        self.levels = {int(k): dict(v) for k, v in (state.get("levels") or {}).items()}
        self.approved_version = state.get("approved_version")


def _vietnam() -> tzinfo:
    from .model import VIETNAM

    return VIETNAM


def document_key(name: str, data: Mapping[str, Any]) -> tuple[str, str] | None:
    """Which document an event is about: (kind, id); None when it names none."""
    subject = data.get("subject") or {}
    if name.startswith("report."):
        ident = data.get("report_id") or subject.get("id")
        return ("report", str(ident)) if ident else None
    kind = subject.get("kind") or "plan"
    ident = subject.get("id") or data.get("plan_id")
    return (str(kind), str(ident)) if ident else None


# -- the national sums
@dataclass(frozen=True)
class IndicatorTotal:
    code: str
    name: str
    unit: str
    target: int
    actual: int
    provinces_reporting: int
    reporting_target: int = 0
    """Σ target of the provinces that reported: the completion's denominator."""
    headline: bool = False

    @property
    def completion(self) -> float | None:
        """Σ actual ÷ Σ target over the provinces that reported (a ratio, not a mean of percentages)."""
        return round(100 * self.actual / self.reporting_target, 1) if self.reporting_target else None


def indicator_totals(
    plans: Sequence[OverviewDocument], reports: Sequence[OverviewDocument], headline: Sequence[str] = ()
) -> tuple[list[IndicatorTotal], list[dict[str, Any]]]:
    """Targets of approved plans and actuals of approved reports, summed by catalogue code; the
    completion counts only provinces that reported (their targets against their actuals). Uncoded
    free-text indicators are listed, one row each, never summed."""
    targets: dict[str, dict[str, int]] = {}  # code -> province -> target
    actuals: dict[str, dict[str, int]] = {}
    labels: dict[str, tuple[str, str]] = {}
    uncoded: list[dict[str, Any]] = []
    for documents, into, role in ((plans, targets, "target"), (reports, actuals, "actual")):
        for document in documents:
            for item in document.figures.get("indicators", ()):
                code = str(item.get("code") or "")
                value = int(item.get("value") or 0)
                if not code:
                    uncoded.append(
                        {
                            "province": document.province,
                            "document": document.kind,
                            "name": item.get("name", ""),
                            "unit": item.get("unit", ""),
                            role: value,
                        }
                    )
                    continue
                labels.setdefault(code, (str(item.get("name", "")), str(item.get("unit", ""))))
                per_province = into.setdefault(code, {})
                per_province[document.province] = per_province.get(document.province, 0) + value
    totals = []
    order = {code: index for index, code in enumerate(headline)}
    for code in sorted(set(targets) | set(actuals), key=lambda c: (order.get(c, len(order)), c)):
        reported = actuals.get(code, {})
        target_of_reporting = sum(v for p, v in targets.get(code, {}).items() if p in reported)
        name, unit = labels[code]
        totals.append(
            IndicatorTotal(
                code=code,
                name=name,
                unit=unit,
                target=sum(targets.get(code, {}).values()),
                actual=sum(reported.values()),
                provinces_reporting=len(reported),
                reporting_target=target_of_reporting,
                headline=code in headline,
            )
        )
    return totals, uncoded


def by_category(documents: Iterable[OverviewDocument], key: str) -> dict[str, int]:
    """The approved figures' budgets summed by activity category."""
    sums: dict[str, int] = {}
    for document in documents:
        for category, amount in (document.figures.get(key) or {}).items():
            sums[category] = sums.get(category, 0) + int(amount)
    return sums
