"""The payload (CloudEvents ``data``) of every event type, defined once.

The producer builds one of these classes and the unit of work writes
:func:`to_data` of it into the outbox; a consumer turns an incoming event's
``data`` back into the class with :func:`parse`. ``docs/events.md`` describes
them for people, ``docs/asyncapi.yaml`` (made by :mod:`.asyncapi`) for tools.

The classes are plain frozen dataclasses, so domain code builds them without
knowing of the wire; pydantic validates and serialises them. Adding a field to
an event is one line in its class; give it a default, so that consumers still
read events that older producers wrote. Consumers ignore fields they do not
know. Wire names that are Python keywords (``from``, ``to``) are aliases.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)

from ..events import MalformedEvent, routing_key_for


def iso_utc(moment: datetime) -> str:
    """One spelling of an instant on the wire: UTC, microseconds, ``+00:00``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# An instant: read from any ISO 8601 spelling (``Z`` or an offset; none means UTC), written by iso_utc.
Instant = Annotated[
    datetime,
    AfterValidator(_utc),
    PlainSerializer(iso_utc, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Usernames = tuple[str, ...]


SCOPES = ("org_unit", "province", "national")
DOCUMENT_KINDS = ("plan", "report")
DECISIONS = ("approve", "return", "reject")
OUTCOMES = ("approved", "returned", "rejected", "cancelled")


def _one_of(choices: tuple[str, ...]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    return AfterValidator(check)


def _enum(choices: tuple[str, ...]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "enum": list(choices)})


# Strings from a fixed set (typed ``str`` for the code that builds them).
Scope = Annotated[str, _one_of(SCOPES), _enum(SCOPES)]
Decision = Annotated[str, _one_of(DECISIONS), _enum(DECISIONS)]
Outcome = Annotated[str, _one_of(OUTCOMES), _enum(OUTCOMES)]
DocumentKind = Annotated[str, _one_of(DOCUMENT_KINDS), _enum(DOCUMENT_KINDS)]
REPORT_KINDS = ("annual", "semiannual")
ReportKind = Annotated[str, _one_of(REPORT_KINDS), _enum(REPORT_KINDS)]

# Unknown fields are ignored (docs/events.md: producers may add fields), and the Python
# names of aliased fields are accepted too, so a payload can be built either way.
# Producers write every field, so the document marks even those with defaults as present;
# an attribute's docstring is its description there.
_CONFIG = ConfigDict(
    extra="ignore",
    populate_by_name=True,
    use_attribute_docstrings=True,
    json_schema_serialization_defaults_required=True,
)


LEVEL_NAME_SCHEMA = {
    "type": "object",
    "description": 'The level\'s name in both languages, e.g. {"vi": "Lãnh đạo Sở", "en": "Department leadership"}.',
    "required": ["vi", "en"],
    "properties": {"vi": {"type": "string"}, "en": {"type": "string"}},
}


def _both_languages(value: Any) -> Any:
    # A producer that named the level in one language only: the same name in both.
    if isinstance(value, str):
        return {"vi": value, "en": value}
    if isinstance(value, dict):
        return {"vi": value.get("vi", ""), "en": value.get("en", "")}
    return value


# A level's name in both languages: ``{"vi": …, "en": …}``.
LevelName = Annotated[dict[str, str], BeforeValidator(_both_languages), WithJsonSchema(LEVEL_NAME_SCHEMA)]
PositiveInt = Annotated[int, Field(ge=1)]


@dataclass(frozen=True, kw_only=True)
class Subject:
    """The document an event is about, as approvals decides on it: its kind, id, version and the
    SHA-256 of that version's canonical JSON."""

    __pydantic_config__ = _CONFIG
    kind: DocumentKind
    id: str
    version: PositiveInt
    content_sha256: str = ""


@dataclass(frozen=True, kw_only=True)
class IndicatorFigure:
    """One indicator of a document with its figure: a plan's target, a report's actual."""

    __pydantic_config__ = _CONFIG
    code: str = ""
    """Its code in the indicator catalogue; empty for a free-text indicator (listed, never summed)."""
    name: str
    unit: str
    category: str = ""
    """The activity category (catalogue key) of the activity it belongs to."""
    value: int = 0


@dataclass(frozen=True, kw_only=True)
class PlanEvent:
    """The plan context every event carries, so that consumers need no lookups."""

    __pydantic_config__ = _CONFIG
    name: ClassVar[str]
    plan_id: str
    version: PositiveInt
    """The plan version the event is about (1-based)."""
    title: str
    org_unit: str
    """The drafting unit's id in the organisation registry, e.g. ``svhttdl-cao-bang`` (before the
    registry: a code such as ``CB-STTTT``)."""
    province: str
    """The province on the action's date: the registry id of its People's Committee, e.g.
    ``ubnd-cao-bang`` (before the registry: a code such as ``CB``)."""
    year: int
    subject: Subject | None = None
    """The document the event is about. The plan fields above describe the same document
    (``plan_id`` is the subject's id whatever its kind), so receivers written before other
    document kinds existed keep working; read ``subject.kind`` to tell a report from a plan.
    An event without it (an older producer) is about the plan ``plan_id``, version ``version``."""

    def payload(self) -> dict[str, Any]:
        """The event's ``data`` as it goes on the wire (:func:`to_data`)."""
        return to_data(self)


# -- produced by plans
@dataclass(frozen=True, kw_only=True)
class PlanSubmitted(PlanEvent):
    """A drafter sent a plan version up the chain; approvals opens its approval."""

    name: ClassVar[str] = "plan.submitted"
    content_sha256: str
    """SHA-256 of the version's canonical JSON: decisions are signed over it."""
    plan_type: str = "annual"
    submitted_by: str
    created_by: str = ""
    edited_by: Usernames = ()
    """Usernames of everyone who edited any version (separation of duties)."""
    drafters: Usernames = ()
    """Usernames of the unit's drafters known to plans; may be empty."""
    submitted_at: Instant | None = None
    """Always written; a consumer takes the event's ``time`` where it is missing."""
    submitters: Usernames = ()
    """Usernames of everyone who submitted any version, this one included (separation of duties)."""
    call_id: str = ""
    """The ministry's call (``call.issued``) the plan answers, when it answers one."""
    total_budget_vnd: int = 0
    """The version's total budget in đồng (the sum of its activities' budgets)."""
    budgets: dict[str, int] = field(default_factory=dict)
    """The version's budget in đồng by activity category (catalogue key)."""
    indicators: tuple[IndicatorFigure, ...] = ()
    """The version's indicators with their targets, so a read model needs no lookup."""
    reply: str = ""
    """The drafters' reply (giải trình) to the comment that returned the previous version; empty on
    a first submission."""
    reply_activity_id: str = ""
    """The activity of this version the reply is about (its stable id, content model v2); empty when
    the reply is about the document as a whole, or there is no reply."""
    activity_ids: tuple[str, ...] | None = None
    """The stable ids (content model v2) of the version's activities — a report's: of the plan's
    activities it reports on — which a decision's comment may name. Absent (``null``) from older
    producers: then no comment can name one."""


@dataclass(frozen=True, kw_only=True)
class PlanWithdrawalRequested(PlanEvent):
    """A drafter asks to recall the version under approval; the approval, which decides under the
    same lock as decisions, answers with ``approval.withdrawal_answered``."""

    name: ClassVar[str] = "plan.withdrawal_requested"
    request_id: str
    by: str
    requested_at: Instant
    seen_decisions: int = 0
    """How many decisions on this version plans had heard of when the drafter asked."""


@dataclass(frozen=True, kw_only=True)
class PlanWithdrawn(PlanEvent):
    """A drafter took a submitted version back; its open approval is cancelled."""

    name: ClassVar[str] = "plan.withdrawn"
    # Always written; a withdrawal is read by plan_id and version alone, so a consumer
    # accepts one whose producer left the descriptive context out.
    title: str = ""
    org_unit: str = ""
    province: str = ""
    year: int = 0
    by: str = ""
    withdrawn_at: Instant | None = None
    """Always written; a consumer takes the event's ``time`` where it is missing."""


@dataclass(frozen=True, kw_only=True)
class PlanApproved(PlanEvent):
    """The last level approved the plan and it was numbered in the register."""

    name: ClassVar[str] = "plan.approved"
    document_number: str
    """The number and symbol, e.g. ``15/KH-UBND``."""
    issued_on: date
    issuer: str
    """The issuing body's id in the organisation registry, e.g. ``ubnd-cao-bang``."""


@dataclass(frozen=True, kw_only=True)
class ReportContext:
    """What every report event adds to the plan context. The plan fields describe the REPORT
    (``plan_id`` is the report's id, ``version`` its version, ``title`` its title, ``subject.kind``
    is ``report``), so a receiver that knows only plan events reads a report event correctly."""

    __pydantic_config__ = _CONFIG
    report_id: str
    """The report's id (the same as ``plan_id`` and ``subject.id``)."""
    report_kind: ReportKind
    """``annual`` (the year-end report) or ``semiannual`` (the six-month report)."""
    plan_ref: str
    """The id of the approved plan the report reports on."""
    plan_ref_version: int = 0
    """The version of that plan whose frozen targets the report answers."""
    plan_ref_number: str = ""
    """That plan's number and symbol, e.g. ``15/KH-UBND``."""
    period_start: date
    """First day of the reporting period (by default 15 December of the year before)."""
    period_end: date
    """Last day of the reporting period (by default 14 December, or 14 June for six months)."""


# -- produced by plans, for reports: the plan events' fields, plus the report context
@dataclass(frozen=True, kw_only=True)
class ReportSubmitted(PlanSubmitted, ReportContext):
    """A drafter sent a report version up the report chain; approvals opens its approval
    (``plan_type`` is the report's kind)."""

    name: ClassVar[str] = "report.submitted"


@dataclass(frozen=True, kw_only=True)
class ReportWithdrawalRequested(PlanWithdrawalRequested, ReportContext):
    """A drafter asks to recall the report version under approval; answered by
    ``approval.withdrawal_answered`` as for plans."""

    name: ClassVar[str] = "report.withdrawal_requested"


@dataclass(frozen=True, kw_only=True)
class ReportWithdrawn(PlanWithdrawn, ReportContext):
    """A drafter took a submitted report version back; its open approval is cancelled."""

    name: ClassVar[str] = "report.withdrawn"


@dataclass(frozen=True, kw_only=True)
class ReportApproved(PlanApproved, ReportContext):
    """The report chain's last level approved the report and it was numbered in the issuer's
    register, shared with its plans (``document_number`` e.g. ``07/BC-UBND``)."""

    name: ClassVar[str] = "report.approved"


@dataclass(frozen=True, kw_only=True)
class ReportReceived(PlanEvent, ReportContext):
    """The ministry recorded that it received the issued report (it receives reports rather
    than approving them)."""

    name: ClassVar[str] = "report.received"
    document_number: str
    """The report's number and symbol, e.g. ``07/BC-UBND``."""
    received_by: str
    """The ministry official who recorded the receipt."""
    received_at: Instant
    note: str = ""
    """What the ministry wrote with the receipt, if anything."""


# -- produced by approvals
@dataclass(frozen=True, kw_only=True)
class ApprovalEvent(PlanEvent):
    approval_id: str


@dataclass(frozen=True, kw_only=True)
class TaskEvent(ApprovalEvent):
    """An event about one task: one level of the chain."""

    task_id: str
    level: PositiveInt
    level_name: LevelName


@dataclass(frozen=True, kw_only=True)
class TaskDeadline(TaskEvent):
    """A task as its approvers are told of it: their role and scope, its due time, who has it."""

    role: str
    scope: Scope
    due_at: Instant
    assignees: Usernames = ()


@dataclass(frozen=True, kw_only=True)
class Reassignment:
    """Why a task replaces another one: the body the document belonged to was dissolved, and its
    work passed to a successor, whose approvers take the task."""

    __pydantic_config__ = _CONFIG
    task_id: str
    """The task closed (its assignees were the dissolved body's approvers)."""
    predecessor: str
    """The dissolved body's registry id."""
    successor: str
    """The successor's registry id."""
    day: Annotated[date, Field(alias="date")]
    """The succession's date."""


@dataclass(frozen=True, kw_only=True)
class TaskAssigned(TaskDeadline):
    """A level of the chain opened: its approvers have a task."""

    name: ClassVar[str] = "approval.task_assigned"
    required_approvals: int = 1
    """How many of the assignees must approve (the level's quorum)."""
    reassigned: Reassignment | None = None
    """Set when this task replaces an open task of a dissolved body (the same level, the chain kept)."""


@dataclass(frozen=True, kw_only=True)
class TaskDelegated(TaskEvent):
    """An approver handed their place on a task to someone else."""

    name: ClassVar[str] = "approval.task_delegated"
    from_user: Annotated[str, Field(alias="from")]
    """Who delegated."""
    to_user: Annotated[str, Field(alias="to")]
    """Who takes the task."""
    comment: str = ""
    """The reason the delegator gave."""
    due_at: Instant
    kind: str = "manual"
    """``manual`` (the approver handed the task over) or ``out_of_office`` (the task arrived while the
    approver was away, and went to the deputy they named for that time)."""
    delegated_at: Instant | None = None
    """When the task changed hands."""


@dataclass(frozen=True, kw_only=True)
class DecisionRecorded(TaskEvent):
    """An approver decided on a task."""

    name: ClassVar[str] = "approval.decision_recorded"
    decision: Decision
    comment: str = ""
    by: str
    decided_at: Instant
    content_sha256: str
    signature: str
    """The decision's hash in the approval's hash chain."""
    on_behalf_of: str = ""
    """Whose place the decider held, by delegation (empty: in their own right); the issued
    document's signature block names the authority from it."""
    delegation_kind: str = ""
    """``manual`` or ``out_of_office`` when ``on_behalf_of`` is set."""
    activity_id: str = ""
    """The activity of the document the comment is about (its stable id, one of the submission's
    ``activity_ids``); empty when it is about the document as a whole."""


@dataclass(frozen=True, kw_only=True)
class ApprovalCompleted(ApprovalEvent):
    """The approval ended: approved by the last level, returned, rejected or cancelled."""

    name: ClassVar[str] = "approval.completed"
    outcome: Outcome
    level: int | None = None
    """The level the approval ended at."""
    level_name: LevelName = field(default_factory=lambda: {"vi": "", "en": ""})
    comment: str = ""
    activity_id: str = ""
    """The activity the deciding comment is about (as in ``approval.decision_recorded``); empty
    when none, or when the approval was approved or cancelled."""
    by: str = ""
    chain_key: str = ""
    """The approval chain followed, e.g. ``ttdn-plan``."""
    chain_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class WithdrawalAnswered(ApprovalEvent):
    """The verdict on a ``plan.withdrawal_requested``, taken under the approval's row lock: accepted
    while the approval is open and nobody decided since the drafter looked (then the approval is
    cancelled right after), refused otherwise. ``approval_id`` is empty when no approval had started."""

    name: ClassVar[str] = "approval.withdrawal_answered"
    request_id: str
    accepted: bool
    reason: str = ""
    """Why it was refused."""
    by: str = ""


@dataclass(frozen=True, kw_only=True)
class TaskReminder(TaskDeadline):
    """A share of the task's SLA has passed (``REMINDER_SHARE``): its approvers are reminded once."""

    name: ClassVar[str] = "approval.task_reminder"


@dataclass(frozen=True, kw_only=True)
class TaskOverdue(TaskDeadline):
    """The task passed its due time undecided."""

    name: ClassVar[str] = "approval.task_overdue"


# -- the ministry's calls (produced by plans, which owns them)
@dataclass(frozen=True, kw_only=True)
class AddressedProvince:
    """A province a call is addressed to."""

    __pydantic_config__ = _CONFIG
    id: str
    """The province's id in the organisation registry, e.g. ``ubnd-cao-bang``."""
    code: str = ""
    """The province's code from before the registry, e.g. ``CB`` (empty when it had none)."""
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class CallEvent:
    """What every event about a ministry's call carries. Not about a plan: its CloudEvents
    ``subject`` is ``calls/{call_id}``."""

    __pydantic_config__ = _CONFIG
    name: ClassVar[str]
    call_id: str
    reference: str
    """The letter's number and symbol, e.g. ``3616/BTTTT-TTĐN``."""
    issued_on: date
    issuer: str = ""
    """The issuing ministry's id in the organisation registry."""
    issuer_name: str = ""

    def payload(self) -> dict[str, Any]:
        return to_data(self)


@dataclass(frozen=True, kw_only=True)
class CallIssued(CallEvent):
    """The ministry asked the provinces for their plan and/or report by given dates; every
    addressed province's drafters and approvers are told."""

    name: ClassVar[str] = "call.issued"
    plan_year: int | None = None
    plan_due: date | None = None
    report_year: int | None = None
    report_due: date | None = None
    priorities: str = ""
    provinces: tuple[AddressedProvince, ...] = ()
    by: str = ""
    issued_at: Instant | None = None


@dataclass(frozen=True, kw_only=True)
class CallReminder(CallEvent):
    """A document a call asks of a province is due soon and not submitted: its drafters are
    reminded, once per call, province and document."""

    name: ClassVar[str] = "call.reminder"
    province: AddressedProvince
    document: DocumentKind
    year: int
    due_on: date
    working_days_left: int = 0


# -- the organisation registry (produced by plans, which owns it; docs/organisations.md)
REASONS = ("merger", "split", "rename", "transfer_of_duties")
Reason = Annotated[str, _one_of(REASONS), _enum(REASONS)]


@dataclass(frozen=True, kw_only=True)
class OrganisationName:
    """What an organisation is called from ``since`` on (until its next name)."""

    __pydantic_config__ = _CONFIG
    since: date | None = None
    """The first day of this name; null: from the organisation's beginning."""
    full: str
    """Sở Văn hóa, Thể thao và Du lịch tỉnh Cao Bằng"""
    short: str = ""
    """Sở VHTTDL Cao Bằng"""
    abbreviation: str = ""
    """SVHTTDL, as in document symbols"""


@dataclass(frozen=True, kw_only=True)
class DatedId:
    """A value that holds from ``since`` on: a parent's or a province's registry id, a level."""

    __pydantic_config__ = _CONFIG
    since: date | None = None
    value: str | None = None
    """null: none from that day (a body with no parent)."""


@dataclass(frozen=True, kw_only=True)
class SuccessionFact:
    """``successor`` carries on (all or some of) ``predecessor``'s work from ``date``."""

    __pydantic_config__ = _CONFIG
    predecessor: str
    successor: str
    reason: Reason
    day: Annotated[date, Field(alias="date")]
    """The successor's first day with the work."""
    act: str = ""
    """The legal act, e.g. Nghị quyết 202/2025/QH15."""
    duties: tuple[str, ...] = ()
    """The duties passed (e.g. ``external_information``); empty: all of them."""


@dataclass(frozen=True, kw_only=True)
class OrganisationEvent:
    """What every event of the organisation registry carries. Its CloudEvents ``subject`` is
    ``organisations/{organisation_id}``."""

    __pydantic_config__ = _CONFIG
    name: ClassVar[str]
    organisation_id: str
    version: PositiveInt
    """The registry's change number that made this state (increasing over the whole registry):
    a copy keeps, per organisation, what the highest version says."""
    changed_at: Instant
    changed_by: str = ""

    def payload(self) -> dict[str, Any]:
        return to_data(self)


@dataclass(frozen=True, kw_only=True)
class OrganisationState(OrganisationEvent):
    """The organisation's whole record after the change: everything a copy needs to name it
    on any date, place it under its parent and find its province."""

    kind: str
    """state, party or other"""
    names: tuple[OrganisationName, ...]
    levels: tuple[DatedId, ...]
    """ministry, ministry_unit, province, central_city, department or commune, dated."""
    parents: tuple[DatedId, ...] = ()
    provinces: tuple[DatedId, ...] = ()
    """The province's People's Committee, only where the parent line does not lead to it."""
    valid_from: date | None = None
    valid_to: date | None = None
    agency_code: str = ""
    """Its national electronic identifier (Quyết định 20/2020/QĐ-TTg), empty where unknown."""
    legacy_codes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class OrganisationCreated(OrganisationState):
    """An organisation entered the registry (from the seed files, or added by an administrator)."""

    name: ClassVar[str] = "organisation.created"


@dataclass(frozen=True, kw_only=True)
class OrganisationChanged(OrganisationState):
    """An administrator changed an organisation's record (a new dated name, an end date …), or the
    registry was published again (``ttdn-plans organisations-publish``)."""

    name: ClassVar[str] = "organisation.changed"


@dataclass(frozen=True, kw_only=True)
class OrganisationSucceeded(OrganisationEvent):
    """Successors took over (some of) ``organisation_id``'s work: a merger, a split, a rename or a
    transfer of duties. Approvals hands the open tasks of a dissolved body to its successor's approvers."""

    name: ClassVar[str] = "organisation.succeeded"
    successions: tuple[SuccessionFact, ...]
    """Every succession out of the organisation recorded by this change (a split names several)."""


Payload = PlanEvent | CallEvent | OrganisationEvent

# Every event type of the suite, by short name (the routing key), with who produces it.
EVENTS: dict[str, type[Any]] = {
    cls.name: cls
    for cls in (
        PlanSubmitted,
        PlanWithdrawalRequested,
        PlanWithdrawn,
        PlanApproved,
        ReportSubmitted,
        ReportWithdrawalRequested,
        ReportWithdrawn,
        ReportApproved,
        ReportReceived,
        TaskAssigned,
        TaskDelegated,
        DecisionRecorded,
        ApprovalCompleted,
        WithdrawalAnswered,
        TaskReminder,
        TaskOverdue,
        CallIssued,
        CallReminder,
        OrganisationCreated,
        OrganisationChanged,
        OrganisationSucceeded,
    )
}
_PRODUCER_OF_PREFIX = {
    "plan": "plans",
    "report": "plans",
    "approval": "approvals",
    "call": "plans",
    "organisation": "plans",
}
PRODUCERS: dict[str, str] = {name: _PRODUCER_OF_PREFIX[name.split(".", 1)[0]] for name in EVENTS}


def aggregate_of(payload: Payload) -> str:
    """The CloudEvents ``subject`` of an event: ``plans/{plan_id}``, ``calls/{call_id}``,
    ``organisations/{organisation_id}``."""
    if isinstance(payload, CallEvent):
        return f"calls/{payload.call_id}"
    if isinstance(payload, OrganisationEvent):
        return f"organisations/{payload.organisation_id}"
    return f"plans/{payload.plan_id}"


_ADAPTERS: dict[str, TypeAdapter[Any]] = {}
_BUILDING = threading.Lock()


def adapter(cls: type[Any]) -> TypeAdapter[Any]:
    """pydantic's validator and serialiser of one payload class (built once per process).

    Built under a lock: building reads the classes' attribute docstrings with ``ast.parse``,
    which CPython 3.11 does not allow in two threads at once ("AST constructor recursion depth
    mismatch", a 500 on the first decisions a threaded worker took side by side)."""
    built = _ADAPTERS.get(cls.name)
    if built is None:
        with _BUILDING:
            built = _ADAPTERS.get(cls.name)
            if built is None:
                built = _ADAPTERS[cls.name] = TypeAdapter(cls)
    return built


def build_adapters() -> None:
    """Build every event type's adapter now, at a process's start, rather than on its first event of
    each type: building them all costs about 350 ms (the attribute docstrings are read with
    ``ast.parse``), which would otherwise fall on the first events after every start. A gunicorn
    master calls it before forking, so its workers inherit them built; a consumer before its first
    delivery."""
    for cls in EVENTS.values():
        adapter(cls)


def to_data(payload: Payload) -> dict[str, Any]:
    """The event's ``data``: JSON-ready, wire names, instants in UTC."""
    data: dict[str, Any] = adapter(type(payload)).dump_python(payload, mode="json", by_alias=True)
    return data


def parse(name: str, data: Any) -> Any:
    """The payload of an incoming event of type ``name`` (short or full type).

    Raises :class:`~servicekit.events.MalformedEvent` (which the consumer parks,
    since retrying cannot help) naming every field that breaks the contract."""
    short = routing_key_for(name)
    cls = EVENTS.get(short)
    if cls is None:
        raise MalformedEvent(f"{short} is not an event type of the contract")
    try:
        payload = adapter(cls).validate_python(data)
    except ValidationError as error:
        fields = "; ".join(f"{'.'.join(map(str, item['loc'])) or '(data)'}: {item['msg']}" for item in error.errors())
        raise MalformedEvent(f"{short} breaks the contract: {fields}") from error
    return payload
