"""Chains are data: the default chain, and the rules a new version must satisfy."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from approvals.domain.chain import Quorum, define_chain
from approvals.domain.errors import InvalidChain
from approvals.service_layer.handlers import bundled_chain_definitions
from approvals.service_layer.ports import largest_group

from .fakes import FakeDirectory

PUBLISHED = datetime(2025, 3, 1, tzinfo=UTC)


def document() -> dict:
    return copy.deepcopy(bundled_chain_definitions()["ttdn-plan"])


def build(definition: dict, directory: FakeDirectory | None = None):  # type: ignore[no-untyped-def]
    directory = directory or FakeDirectory()
    return define_chain(
        "ttdn-plan",
        2,
        definition,
        published_by="admin",
        published_at=PUBLISHED,
        group_size=lambda role, scope: largest_group(directory, role, scope),
    )


def test_the_default_chain_is_department_then_province_then_ministry() -> None:
    chain = build(document())
    assert [(lv.role, lv.scope, lv.sla_working_days) for lv in chain.levels] == [
        ("dept_approver", "org_unit", 3),
        ("province_approver", "province", 7),
        ("ministry_approver", "national", 10),
    ]
    assert chain.level(2).name.vi == "Ủy ban nhân dân tỉnh"
    assert chain.definition() == build(chain.definition()).definition()  # round-trips as stored


def test_a_chain_without_levels_is_refused() -> None:
    with pytest.raises(InvalidChain) as refused:
        build({"name": {"vi": "Trống", "en": "Empty"}, "levels": []})
    assert refused.value.errors == {"levels": ["a chain needs at least one level"]}


def test_every_reason_is_given_at_once_per_level_and_field() -> None:
    definition = document()
    definition["levels"][0]["role"] = "chairman"
    definition["levels"][1]["scope"] = "district"  # districts were abolished in 2025
    definition["levels"][1]["sla_working_days"] = -2
    definition["levels"][2]["name"] = {"vi": "Lãnh đạo Sở", "en": "Ministry"}
    with pytest.raises(InvalidChain) as refused:
        build(definition)
    errors = refused.value.errors["levels"]
    assert "unknown role 'chairman'" in errors["0"]["role"][0]
    assert "unknown scope 'district'" in errors["1"]["scope"][0]
    assert "not negative" in errors["1"]["sla_working_days"][0]
    assert "already named 'lãnh đạo sở'" in errors["2"]["name"][0]


@pytest.mark.parametrize(
    ("level", "quorum", "possible"),
    [(2, 3, "2 ministry_approver in the whole country"), (0, 3, "2 dept_approver in the largest org_unit")],
)
def test_a_quorum_larger_than_the_directory_allows_is_refused(level: int, quorum: int, possible: str) -> None:
    definition = document()
    definition["levels"][level]["quorum"] = quorum
    with pytest.raises(InvalidChain) as refused:
        build(definition)
    assert possible in refused.value.errors["levels"][str(level)]["quorum"][0]


def test_a_quorum_the_directory_can_meet_is_accepted() -> None:
    definition = document()
    definition["levels"][2]["quorum"] = 2
    definition["levels"][0]["quorum"] = "all"
    chain = build(definition)
    assert chain.level(3).quorum == Quorum("n", 2)
    assert chain.level(1).quorum == Quorum("all")


@pytest.mark.parametrize(
    ("quorum", "assignees", "required"),
    [
        (Quorum("any"), 4, 1),
        (Quorum("all"), 3, 3),
        (Quorum("n", 2), 5, 2),
        (Quorum("n", 3), 2, 2),
        (Quorum("all"), 0, 1),
    ],
)
def test_approvals_required_by_a_quorum(quorum: Quorum, assignees: int, required: int) -> None:
    assert quorum.required(assignees) == required


@pytest.mark.parametrize("value", ["most", 0, -1, True, 2.5])
def test_nonsense_quorums_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        Quorum.parse(value)
