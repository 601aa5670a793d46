"""The event contract is owned once (servicekit.contracts): every type the people's
contract (docs/events.md) names round-trips with exactly the fields it lists, a
payload that breaks it is refused naming every wrong field, and the AsyncAPI
document is generated from it, committed as generated, and valid AsyncAPI 3.0."""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT7
from servicekit.contracts import asyncapi
from servicekit.contracts import events as contract
from servicekit.contracts.examples import EXAMPLES
from servicekit.events import TYPE_PREFIX, MalformedEvent

ROOT = Path(__file__).resolve().parents[3]
EVENTS_MD = ROOT / "docs" / "events.md"
ASYNCAPI_YAML = ROOT / "docs" / "asyncapi.yaml"
ASYNCAPI_SCHEMA = ROOT / "tests" / "support" / "schemas" / "asyncapi-3.0.0.json"
CONTEXT = ("plan_id", "version", "title", "org_unit", "province", "year", "subject")


def documented_types() -> dict[str, set[str]]:
    """Each type in docs/events.md's table, with the data fields its row lists."""
    rows: dict[str, set[str]] = {}
    for line in EVENTS_MD.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`(vn\.ttdn\.[a-z_.]+)`\s*\|[^|]*\|(.*)\|\s*$", line)
        if not match:
            continue
        listed = re.sub(r"\([^)]*\)", "", match.group(2))  # values and notes in brackets are not fields
        fields = set(re.findall(r"`([a-z_0-9]+)`", listed))
        if "context" in listed:
            fields |= set(CONTEXT)
        rows[match.group(1)] = fields
    return rows


def test_docs_list_every_type_of_the_contract_and_no_other() -> None:
    assert sorted(documented_types()) == sorted(TYPE_PREFIX + name for name in contract.EVENTS)


@pytest.mark.parametrize("event_type", sorted(documented_types()))
def test_every_documented_type_round_trips_with_exactly_its_documented_fields(event_type: str) -> None:
    example = EXAMPLES[event_type.removeprefix(TYPE_PREFIX)]
    data = contract.to_data(example)
    assert set(data) == documented_types()[event_type]
    wire = json.loads(json.dumps(data, ensure_ascii=False))  # through JSON, as a consumer gets it
    assert contract.parse(event_type, wire) == example
    assert contract.to_data(contract.parse(event_type, wire)) == data


def test_wire_names_and_instants_are_spelled_as_receivers_know_them() -> None:
    delegated = contract.to_data(EXAMPLES["approval.task_delegated"])
    assert (delegated["from"], delegated["to"]) == ("dept.cb", "dual.cb")
    assert "from_user" not in delegated and delegated["due_at"] == "2024-03-07T10:00:00.000000+00:00"
    assert contract.to_data(EXAMPLES["plan.approved"])["issued_on"] == "2024-03-20"
    assert contract.to_data(EXAMPLES["approval.task_assigned"])["assignees"] == ["dept.cb"]


def test_consumers_ignore_fields_they_do_not_know_and_read_any_iso_instant() -> None:
    data = contract.to_data(EXAMPLES["approval.task_assigned"])
    data |= {"priority": {"kind": "urgent"}, "due_at": "2024-03-07T17:00:00+07:00", "level_name": "Lãnh đạo Sở"}
    parsed = contract.parse("approval.task_assigned", data)
    assert parsed == EXAMPLES["approval.task_assigned"].__class__(
        **{**EXAMPLES["approval.task_assigned"].__dict__, "level_name": {"vi": "Lãnh đạo Sở", "en": "Lãnh đạo Sở"}}
    )


def test_a_payload_that_breaks_the_contract_is_refused_naming_every_wrong_field() -> None:
    data = contract.to_data(EXAMPLES["approval.decision_recorded"])
    del data["approval_id"]
    data |= {"version": "hai", "decision": "postpone", "decided_at": "hôm qua"}
    with pytest.raises(MalformedEvent) as refused:
        contract.parse("vn.ttdn.approval.decision_recorded", data)
    for field in ("approval_id", "version", "decision", "decided_at"):
        assert f"{field}:" in str(refused.value)
    with pytest.raises(MalformedEvent, match="not an event type"):
        contract.parse("plan.shredded", data)


def test_the_committed_asyncapi_document_is_the_generated_one() -> None:
    assert ASYNCAPI_YAML.read_text(encoding="utf-8") == asyncapi.to_yaml(asyncapi.document()), (
        "docs/asyncapi.yaml is stale: run `make asyncapi`"
    )


def _committed() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(ASYNCAPI_YAML.read_text(encoding="utf-8"))
    return document


def test_the_asyncapi_document_is_valid_asyncapi_3() -> None:
    schema = json.loads(ASYNCAPI_SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(_committed()), key=str)
    assert not errors, [f"{list(error.absolute_path)}: {error.message[:200]}" for error in errors]


def test_every_reference_in_the_asyncapi_document_resolves() -> None:
    document = _committed()
    refs: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            refs.extend([node["$ref"]] if isinstance(node.get("$ref"), str) else [])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document)
    assert refs
    for ref in refs:
        node: Any = document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        assert isinstance(node, dict), ref


@pytest.mark.parametrize("name", sorted(contract.EVENTS))
def test_every_example_event_matches_its_message_schema_and_a_broken_one_does_not(name: str) -> None:
    document = _committed()
    registry = Registry().with_resource("urn:asyncapi", DRAFT7.create_resource(document))
    message = document["components"]["messages"][asyncapi._camel(name)]
    validator = jsonschema.Draft7Validator(
        {"$ref": f"urn:asyncapi#/components/messages/{asyncapi._camel(name)}/payload"}, registry=registry
    )
    example = message["examples"][0]["payload"]
    assert example == asyncapi.example_event(name)
    validator.validate(example)
    # Every event names what it is about: a plan (its plan_id), a ministry's call (its call_id) or an
    # organisation of the registry (its organisation_id).
    required = {"call": "call_id", "organisation": "organisation_id"}.get(name.split(".")[0], "plan_id")
    broken = {**example, "data": {key: value for key, value in example["data"].items() if key != required}}
    assert not validator.is_valid(broken)


def test_payload_codecs_built_by_many_threads_at_once_all_serialise(monkeypatch: pytest.MonkeyPatch) -> None:
    """A threaded worker's first requests build the codecs side by side (a 500 once, when two
    threads read the classes' docstrings with ast.parse at the same time)."""
    monkeypatch.setattr(contract, "_ADAPTERS", {})
    start = threading.Barrier(len(EXAMPLES))

    def serialise(payload: contract.Payload) -> dict:
        start.wait()
        return contract.to_data(payload)

    with ThreadPoolExecutor(len(EXAMPLES)) as pool:
        datas = list(pool.map(serialise, EXAMPLES.values()))
    assert [contract.parse(name, data) for name, data in zip(EXAMPLES, datas, strict=True)] == list(EXAMPLES.values())


def test_after_build_adapters_no_event_type_builds_one_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process builds them all at start (the gunicorn master before forking, a consumer before its
    first delivery), so that no event pays the ~350 ms of building them."""
    monkeypatch.setattr(contract, "_ADAPTERS", {})
    contract.build_adapters()
    assert set(contract._ADAPTERS) == set(contract.EVENTS)

    def not_again(cls: type) -> None:
        raise AssertionError(f"{cls.__name__}'s adapter built on first use")

    monkeypatch.setattr(contract, "TypeAdapter", not_again)
    for name, example in EXAMPLES.items():
        assert contract.parse(name, json.loads(json.dumps(contract.to_data(example)))) == example
