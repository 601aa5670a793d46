"""The approver-scope rule is one definition: the Python check (decisions, the
directory's eligible approvers) and the SQL condition (the task list) agree on
every case, including the ones that try to slip past it."""

from __future__ import annotations

import itertools

import pytest
from servicekit.scope import SCOPES, in_scope, scope_condition
from sqlalchemy import Column, MetaData, String, Table, create_engine, insert, select

DOCUMENT_UNITS = ("svhttdl-cao-bang", "bao-cao-bang", "svhttdl-thai-nguyen-2025", "")
DOCUMENT_PROVINCES = ("ubnd-cao-bang", "ubnd-thai-nguyen-2025", "")
PEOPLE = tuple(
    itertools.product(
        ("svhttdl-cao-bang", "svhttdl-thai-nguyen-2025", "", None), ("ubnd-cao-bang", "ubnd-thai-nguyen-2025", "", None)
    )
)

metadata = MetaData()
tasks = Table(
    "tasks",
    metadata,
    Column("id", String, primary_key=True),
    Column("scope", String),
    Column("org_unit", String),
    Column("province", String),
)


@pytest.fixture(scope="module")
def database():  # type: ignore[no-untyped-def]
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    rows = [
        {"id": f"{scope}|{unit}|{province}", "scope": scope, "org_unit": unit, "province": province}
        for scope in (*SCOPES, "district")
        for unit in DOCUMENT_UNITS
        for province in DOCUMENT_PROVINCES
    ]
    with engine.begin() as connection:
        connection.execute(insert(tasks), rows)
    yield engine, rows
    engine.dispose()


@pytest.mark.parametrize(("person_unit", "person_province"), PEOPLE)
def test_the_sql_condition_admits_exactly_whom_the_rule_admits(database, person_unit, person_province) -> None:  # type: ignore[no-untyped-def]
    engine, rows = database
    condition = scope_condition(
        tasks.c.scope,
        org_unit_column=tasks.c.org_unit,
        province_column=tasks.c.province,
        person_org_unit=person_unit,
        person_province=person_province,
    )
    with engine.connect() as connection:
        admitted_by_sql = set(connection.scalars(select(tasks.c.id).where(condition)))
    admitted_by_rule = {
        row["id"]
        for row in rows
        if in_scope(
            row["scope"],
            person_org_unit=person_unit,
            person_province=person_province,
            org_unit=row["org_unit"],
            province=row["province"],
        )
    }
    assert admitted_by_sql == admitted_by_rule


def test_the_rule_itself() -> None:
    dept_cb = {"person_org_unit": "svhttdl-cao-bang", "person_province": "ubnd-cao-bang"}
    assert in_scope("org_unit", **dept_cb, org_unit="svhttdl-cao-bang", province="ubnd-cao-bang")
    assert not in_scope("org_unit", **dept_cb, org_unit="bao-cao-bang", province="ubnd-cao-bang")  # other unit
    assert in_scope("province", **dept_cb, org_unit="bao-cao-bang", province="ubnd-cao-bang")
    assert not in_scope("province", **dept_cb, org_unit="svhttdl-thai-nguyen-2025", province="ubnd-thai-nguyen-2025")
    assert in_scope(
        "national",
        person_org_unit=None,
        person_province=None,
        org_unit="svhttdl-thai-nguyen-2025",
        province="ubnd-thai-nguyen-2025",
    )


@pytest.mark.parametrize("scope", ["org_unit", "province"])
def test_a_person_without_the_attribute_is_never_in_scope_even_of_a_document_without_it(scope: str) -> None:
    assert not in_scope(scope, person_org_unit=None, person_province=None, org_unit="", province="")
    assert not in_scope(scope, person_org_unit=None, person_province=None, org_unit=None, province=None)


def test_an_unknown_scope_admits_nobody() -> None:
    assert not in_scope(
        "district",
        person_org_unit="svhttdl-cao-bang",
        person_province="ubnd-cao-bang",
        org_unit="svhttdl-cao-bang",
        province="ubnd-cao-bang",
    )
