"""Who may see and change which plan (architecture §4). One description of
visibility serves both the single-plan check and the list query, so the two
can never disagree."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The person (or integrator) acting, as the token describes them."""

    username: str
    roles: frozenset[str]
    org_unit: str | None = None
    province: str | None = None
    # The units whose work the actor's unit carries on (its predecessors in the organisation
    # registry, however many steps back): their issued documents are the unit's history.
    history_units: frozenset[str] = frozenset()

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


# Who reads a frozen version: the approver roles a level of it was offered to (each within its
# scope: the plan's unit, its province, the whole country) and whoever decided on it.
ROLE_SCOPES = {"dept_approver": "org_unit", "province_approver": "province", "ministry_approver": "national"}
# A submission goes to the department's leadership first (level 1 of the plan chain): they may read
# the version as soon as it is submitted, before the approval's first event arrives.
FIRST_READER = "role:dept_approver"


def role_reader(role: str) -> str:
    return f"role:{role}"


def user_reader(username: str) -> str:
    return f"user:{username}"


@dataclass(frozen=True)
class Visibility:
    """The plans an actor may read, as a union of simple clauses (each maps to an indexed filter).

    The first three read the working copy; the others read only frozen versions that were
    submitted to a level they may act on, or that they decided — never the drafter's edits since.
    """

    everything: bool = False
    units_all_statuses: frozenset[str] = frozenset()  # drafters: their unit's drafts too
    approved_everywhere: bool = False  # integrators (an approved plan is its last version)
    history_units: frozenset[str] = frozenset()  # a successor's people: predecessors' issued plans, read-only
    units_submitted: frozenset[str] = frozenset()  # department approvers: versions offered to them
    provinces_submitted: frozenset[str] = frozenset()  # provincial approvers: versions offered to them
    all_submitted: bool = False  # ministry approvers: versions offered to them
    decided_by: str | None = None  # anyone: the versions they decided stay readable

    def sees_working_copy(self, *, org_unit: str, status: str) -> bool:
        return (
            self.everything
            or org_unit in self.units_all_statuses
            or (status == "approved" and (self.approved_everywhere or org_unit in self.history_units))
        )

    def reads_version(self, *, org_unit: str, province: str, readers: frozenset[str] | set[str]) -> bool:
        """May the actor read a frozen version whose readers (roles offered, users who decided) are ``readers``?"""
        return (
            (org_unit in self.units_submitted and role_reader("dept_approver") in readers)
            or (province in self.provinces_submitted and role_reader("province_approver") in readers)
            or (self.all_submitted and role_reader("ministry_approver") in readers)
            or (self.decided_by is not None and user_reader(self.decided_by) in readers)
        )

    def reader_clauses(self) -> list[tuple[str, str, frozenset[str] | None]]:
        """The frozen-version clauses as (reader, plan column, allowed values or None for any): the SQL form."""
        clauses: list[tuple[str, str, frozenset[str] | None]] = []
        if self.units_submitted:
            clauses.append((role_reader("dept_approver"), "org_unit", self.units_submitted))
        if self.provinces_submitted:
            clauses.append((role_reader("province_approver"), "province", self.provinces_submitted))
        if self.all_submitted:
            clauses.append((role_reader("ministry_approver"), "", None))
        if self.decided_by is not None:
            clauses.append((user_reader(self.decided_by), "", None))
        return clauses


def visibility_of(actor: Actor, *, kind: str = "plan") -> Visibility:
    """What the actor may read of documents of ``kind``. The ministry receives the issued reports
    of every province (it does not approve them), so it reads an approved report as an integrator does."""
    unit = frozenset({actor.org_unit}) if actor.org_unit else frozenset()
    province = frozenset({actor.province}) if actor.province else frozenset()
    return Visibility(
        everything=actor.has_role("admin"),
        units_all_statuses=unit if actor.has_role("drafter") else frozenset(),
        units_submitted=unit if actor.has_role("dept_approver") else frozenset(),
        provinces_submitted=province if actor.has_role("province_approver") else frozenset(),
        all_submitted=actor.has_role("ministry_approver"),
        approved_everywhere=actor.has_role("integrator") or (kind == "report" and actor.has_role("ministry_approver")),
        history_units=actor.history_units if actor.has_role("drafter", "dept_approver") else frozenset(),
        decided_by=actor.username or None,
    )


def may_draft_for(actor: Actor, org_unit: str) -> bool:
    """Drafters write the plans of their own unit, and only those."""
    return actor.has_role("drafter") and actor.org_unit is not None and actor.org_unit == org_unit
