"""Errors in the domain's words; the HTTP layer maps each to a problem type in one place."""

from __future__ import annotations

from typing import Any

from servicekit.validation import Validation


class PlanError(Exception):
    """Base of every error a plan use case raises on purpose."""


class PlanNotFound(PlanError):
    """No such plan, or one the caller may not see (the two are indistinguishable on purpose)."""

    def __init__(self, plan_id: str) -> None:
        super().__init__(f"Plan {plan_id} was not found.")
        self.plan_id = plan_id


class VersionNotFound(PlanError):
    def __init__(self, plan_id: str, number: int) -> None:
        super().__init__(f"Plan {plan_id} has no version {number}.")


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
        super().__init__("The plan breaks one or more rules.")
        self.validation = validation

    @property
    def errors(self) -> dict[str, Any]:
        return self.validation.errors()


class PlanNotEditable(PlanError):
    def __init__(self, status: str) -> None:
        super().__init__(f"A plan in status '{status}' cannot be changed; only draft, returned or withdrawn plans can.")
        self.status = status


class TransitionNotAllowed(PlanError):
    def __init__(self, action: str, status: str) -> None:
        super().__init__(f"Cannot {action} a plan in status '{status}'.")
        self.action = action
        self.status = status


class RevisionMismatch(PlanError):
    """The caller edited from a stale copy (its If-Match names an older revision)."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"The plan has changed since revision {expected}; it is now at revision {actual}.")
        self.expected = expected
        self.actual = actual


class WithdrawalRefused(PlanError):
    """The approval moved on (a decision won the race) or ended before the withdrawal reached it."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The plan was not withdrawn: {reason or 'the approval refused it'}.")


class WithdrawalInProgress(PlanError):
    def __init__(self) -> None:
        super().__init__("A withdrawal of this plan is already being decided.")


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
            "Send If-Match with the ETag of the plan you edited (from GET); '*' does not say which revision you read."
        )


class NoIssuingBody(PlanError):
    """Configuration names no issuing body for an organisation unit."""


class DocumentNotIssued(PlanError):
    """The plan has no issued document (yet): only approved plans are issued."""

    def __init__(self, status: str) -> None:
        super().__init__(f"The plan is '{status}'; only an approved (issued) plan has a document.")
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
