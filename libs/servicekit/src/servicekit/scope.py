"""The approver-scope rule, written once: does a person sit in the scope a level
of an approval chain is matched on, for a given document?

- ``org_unit``: the person's unit is the document's drafting unit;
- ``province``: the person's province is the document's province;
- ``national``: anyone holding the role.

A person whose token or directory entry lacks the attribute a scope needs is
never in it, and an unknown scope admits nobody. The approvals domain checks a
decision with :func:`in_scope`, the directory picks eligible approvers with it,
and the task list filters in SQL with :func:`scope_condition`, which is built
from the same table (and tested against :func:`in_scope`).
"""

from __future__ import annotations

from typing import Any

SCOPES = ("org_unit", "province", "national")
# For each scope, the attribute the person and the document must share (None: no attribute).
MATCHED_ON: dict[str, str | None] = {"org_unit": "org_unit", "province": "province", "national": None}


def in_scope(
    scope: str, *, person_org_unit: str | None, person_province: str | None, org_unit: str | None, province: str | None
) -> bool:
    if scope not in MATCHED_ON:
        return False
    attribute = MATCHED_ON[scope]
    if attribute is None:
        return True
    person = {"org_unit": person_org_unit, "province": person_province}[attribute]
    document = {"org_unit": org_unit, "province": province}[attribute]
    return person is not None and person == document


def scope_condition(
    scope_column: Any,
    *,
    org_unit_column: Any,
    province_column: Any,
    person_org_unit: str | None,
    person_province: str | None,
) -> Any:
    """:func:`in_scope` as a SQLAlchemy condition over a row's scope and document columns."""
    # Imported here: the domain layers import this module for in_scope alone.
    from sqlalchemy import and_, false, or_, true

    columns = {"org_unit": org_unit_column, "province": province_column}
    person = {"org_unit": person_org_unit, "province": person_province}
    branches = []
    for scope, attribute in MATCHED_ON.items():
        matches: Any
        if attribute is None:
            matches = true()
        elif person[attribute] is None:
            matches = false()
        else:
            matches = columns[attribute] == person[attribute]
        branches.append(and_(scope_column == scope, matches))
    return or_(*branches)
