"""infra/docker-compose.yml cannot run here (no Docker engine), so check it
against the code: every process it starts exists, and every variable it sets
is one the code reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.unit.infra.suite_code import command_problems, variables_read_by

INFRA = Path(__file__).resolve().parents[3] / "infra"
COMPOSE = yaml.safe_load((INFRA / "docker-compose.yml").read_text(encoding="utf-8"))
OUR_SERVICES = {name: spec for name, spec in COMPOSE["services"].items() if "build" in spec}


def package_of(command: str) -> str:
    match = re.search(r"ttdn-(\w+)|'(\w+)\.(?:entrypoints\.)?app:create_app\(\)'", command)
    assert match, f"cannot tell which package runs {command!r}"
    return match.group(1) or match.group(2)


def test_the_suite_runs_every_process_of_every_service() -> None:
    commands = " ".join(spec["command"] for spec in OUR_SERVICES.values())
    for expected in (
        "ttdn-plans relay", "ttdn-plans consume",
        "ttdn-approvals relay", "ttdn-approvals consume", "ttdn-approvals scheduler",
        "ttdn-notifications consume", "ttdn-notifications mailer", "ttdn-notifications webhooks",
    ):  # fmt: skip
        assert expected in commands
    for image in ("keycloak", "rabbitmq", "postgres"):
        assert image in COMPOSE["services"]


@pytest.mark.parametrize("name", sorted(OUR_SERVICES))
def test_each_command_names_code_that_exists(name: str) -> None:
    assert command_problems(OUR_SERVICES[name]["command"]) == [], name


@pytest.mark.parametrize("name", sorted(OUR_SERVICES))
def test_each_variable_set_is_one_the_code_reads(name: str) -> None:
    spec = OUR_SERVICES[name]
    package = package_of(spec["command"])
    unknown = set(spec.get("environment", {})) - variables_read_by(package)
    assert not unknown, f"{name} sets variables {package} never reads: {sorted(unknown)}"


def test_mounted_files_exist_and_the_realm_is_the_one_we_test() -> None:
    for service in COMPOSE["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (INFRA / source).exists(), source
    realm_mount = next(v for v in COMPOSE["services"]["keycloak"]["volumes"] if "import" in v)
    assert (INFRA / realm_mount.split(":")[0] / "realm-ttdn.json").is_file()
    assert COMPOSE["services"]["keycloak"]["command"] == ["start-dev", "--import-realm"]
