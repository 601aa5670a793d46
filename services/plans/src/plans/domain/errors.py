"""Errors in the domain's words; the HTTP layer maps each to a problem type in one place."""

from __future__ import annotations

from typing import Any

from servicekit.i18n import N_, LocalisedError, Message
from servicekit.validation import Validation

# How a message names a plan's status and an action on it (in the reader's language).
STATUSES: dict[str, Message] = {
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "returned": N_("returned"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "withdrawn": N_("withdrawn"),
}
ACTIONS: dict[str, Message] = {"submit": N_("submit"), "withdraw": N_("withdraw")}


def _status(status: str) -> Message | str:
    return STATUSES.get(status, status)


class PlanError(LocalisedError):
    """Base of every error a plan use case raises on purpose: its message is a catalogue
    message, the problem's detail in the caller's language."""


class PlanNotFound(PlanError):
    """No such plan, or one the caller may not see (the two are indistinguishable on purpose)."""

    def __init__(self, plan_id: str) -> None:
        super().__init__(N_("Plan {plan_id} was not found.", plan_id=plan_id))
        self.plan_id = plan_id


class VersionNotFound(PlanError):
    def __init__(self, plan_id: str, number: int) -> None:
        super().__init__(N_("Plan {plan_id} has no version {number}.", plan_id=plan_id, number=number))


class PlanForbidden(PlanError):
    """The caller sees the plan (or the collection) but may not do this to it."""


class NothingToCopy(PlanError):
    """The drafter's unit has no approved plan of the year before to start from."""

    def __init__(self, org_unit: str, year: int) -> None:
        super().__init__(f"{org_unit} has no approved plan for {year} to start from.")
        self.org_unit = org_unit
        self.year = year


class PlanInvalid(PlanError):
    """Content that breaks the reviewer's rules: ``validation`` holds every one, each with
    its field path; ``errors`` is the English tree, nested like marshmallow's
    (``{"activities": {0: {"end_date": ["..."]}}}``)."""

    def __init__(self, validation: Validation) -> None:
        super().__init__(N_("The plan breaks one or more rules."))
        self.validation = validation

    @property
    def errors(self) -> dict[str, Any]:
        return self.validation.errors()


class PlanNotEditable(PlanError):
    def __init__(self, status: str) -> None:
        super().__init__(
            N_(
                "A plan in status '{status}' cannot be changed; only draft, returned or withdrawn plans can.",
                status=_status(status),
            )
        )
        self.status = status


class TransitionNotAllowed(PlanError):
    def __init__(self, action: str, status: str) -> None:
        super().__init__(
            N_(
                "Cannot {action} a plan in status '{status}'.",
                action=ACTIONS.get(action, action),
                status=_status(status),
            )
        )
        self.action = action
        self.status = status


class RevisionMismatch(PlanError):
    """The caller edited from a stale copy (its If-Match names an older revision)."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            N_(
                "The plan has changed since revision {expected}; it is now at revision {actual}.",
                expected=expected,
                actual=actual,
            )
        )
        self.expected = expected
        self.actual = actual


class WithdrawalRefused(PlanError):
    """The approval moved on (a decision won the race) or ended before the withdrawal reached it."""

    def __init__(self, reason: Message | str) -> None:
        if reason:
            super().__init__(N_("The plan was not withdrawn: {reason}.", reason=reason))
        else:
            super().__init__(N_("The plan was not withdrawn: the approval refused it."))


class WithdrawalInProgress(PlanError):
    def __init__(self) -> None:
        super().__init__(N_("A withdrawal of this plan is already being decided."))


class AlreadyReceived(PlanError):
    """The ministry's receipt of this report is already recorded."""

    def __init__(self, received_at: str) -> None:
        super().__init__(f"The ministry's receipt of this report was already recorded ({received_at}).")
        self.received_at = received_at


class PlanNotApproved(PlanError):
    """A report is made only on an approved plan."""

    def __init__(self, status: str) -> None:
        super().__init__(f"The plan is '{status}'; a report is made only on an approved plan.")
        self.status = status


class ReportExists(PlanError):
    """The unit already has a report of this kind for this period that was not rejected."""

    def __init__(self, report_id: str, status: str) -> None:
        super().__init__(
            f"Report {report_id} ({status}) already covers this unit, kind and period; "
            "a new one may follow only a rejected one."
        )
        self.report_id = report_id
        self.status = status


class RevisionRequired(PlanError):
    """An edit that names no revision (``If-Match: *``) could overwrite a change it never saw."""

    def __init__(self) -> None:
        super().__init__(
            N_(
                "Send If-Match with the ETag of the plan you edited (from GET); "
                "'*' does not say which revision you read."
            )
        )


class NoIssuingBody(PlanError):
    """Configuration names no issuing body for an organisation unit."""


class DocumentNotIssued(PlanError):
    """The plan has no issued document (yet): only approved plans are issued."""

    def __init__(self, status: str) -> None:
        super().__init__(
            N_("The plan is '{status}'; only an approved (issued) plan has a document.", status=_status(status))
        )
        self.status = status


class DocumentUnreadable(PlanError):
    """A verification upload that is not a PDF."""


class OrganisationError(Exception):
    """Base of every error the organisation registry raises on purpose."""


class OrganisationsInvalid(OrganisationError):
    """Organisations, references to them or successions that break the registry's rules:
    ``validation`` holds every problem at once, each with its path and rule."""

    def __init__(self, validation: Validation, summary: str = "The organisations break one or more rules.") -> None:
        super().__init__(summary + " " + "; ".join(f"{v.field}: {v.message}" for v in validation))
        self.validation = validation

    @property
    def errors(self) -> dict[str, Any]:
        return self.validation.errors()


class UnknownOrganisation(OrganisationsInvalid):
    """No organisation has this id."""


class OrganisationNotInForce(OrganisationsInvalid):
    """The organisation exists but not on the date asked; the message says when it did."""


class CallInvalid(PlanInvalid):
    """A call that breaks the rules (a due date before the letter's date, an unknown province …):
    ``validation`` holds every one."""

    detail = N_("The call breaks one or more rules; see errors.")

    def __init__(self, validation: Validation) -> None:
        super().__init__(validation)
        self.args = ("The call breaks one or more rules.",)


class CallNotFound(PlanError):
    """No such call, or one the caller may not see."""

    def __init__(self, call_id: str) -> None:
        super().__init__(f"Call {call_id} was not found.")


class ProvinceNotFound(PlanError):
    """No such province, or one the caller may not see (a province's users see only their own)."""

    def __init__(self, province: str) -> None:
        super().__init__(f"Province {province} was not found.")
