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

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True)
class Visibility:
    """The plans an actor may read, as a union of simple clauses (each maps to an indexed filter)."""

    everything: bool = False
    units_all_statuses: frozenset[str] = frozenset()  # drafters: their unit's drafts too
    units_submitted: frozenset[str] = frozenset()  # department approvers
    provinces_submitted: frozenset[str] = frozenset()  # provincial approvers
    all_submitted: bool = False  # ministry approvers
    approved_everywhere: bool = False  # integrators
    decided_by: str | None = None  # anyone: plans they have decided stay readable

    def admits(self, *, org_unit: str, province: str, status: str, deciders: frozenset[str] | set[str]) -> bool:
        submitted = status != "draft"  # a plan that has gone up the chain at least once
        return (
            self.everything
            or org_unit in self.units_all_statuses
            or (submitted and org_unit in self.units_submitted)
            or (submitted and province in self.provinces_submitted)
            or (submitted and self.all_submitted)
            or (status == "approved" and self.approved_everywhere)
            or (self.decided_by is not None and self.decided_by in deciders)
        )


def visibility_of(actor: Actor) -> Visibility:
    unit = frozenset({actor.org_unit}) if actor.org_unit else frozenset()
    province = frozenset({actor.province}) if actor.province else frozenset()
    return Visibility(
        everything=actor.has_role("admin"),
        units_all_statuses=unit if actor.has_role("drafter") else frozenset(),
        units_submitted=unit if actor.has_role("dept_approver") else frozenset(),
        provinces_submitted=province if actor.has_role("province_approver") else frozenset(),
        all_submitted=actor.has_role("ministry_approver"),
        approved_everywhere=actor.has_role("integrator"),
        decided_by=actor.username or None,
    )


def may_draft_for(actor: Actor, org_unit: str) -> bool:
    """Drafters write the plans of their own unit, and only those."""
    return actor.has_role("drafter") and actor.org_unit is not None and actor.org_unit == org_unit
