"""infra/docker-compose.yml cannot run here (no Docker engine), so check it
against the code: every process it starts exists, and every variable it sets
is one the code reads."""

from __future__ import annotations

import importlib
import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import yaml
from approvals.config import ApprovalsSettings
from gateway.config import GatewaySettings
from notifications.config import NotificationsSettings
from plans.config import PlansSettings

INFRA = Path(__file__).resolve().parents[3] / "infra"
COMPOSE = yaml.safe_load((INFRA / "docker-compose.yml").read_text(encoding="utf-8"))
SETTINGS = {
    "plans": PlansSettings,
    "approvals": ApprovalsSettings,
    "notifications": NotificationsSettings,
    "gateway": GatewaySettings,
}
# Read outside the settings objects: by gunicorn's config files and prometheus_client.
PROCESS_VARIABLES = {"WEB_CONCURRENCY", "WEB_THREADS", "PROMETHEUS_MULTIPROC_DIR", "LOG_LEVEL"}
OUR_SERVICES = {name: spec for name, spec in COMPOSE["services"].items() if "build" in spec}


def variables_read_by(package: str) -> set[str]:
    settings = SETTINGS[package]
    names = {name.upper() for name in settings.model_fields}
    for field in settings.model_fields.values():
        alias = field.validation_alias
        for choice in getattr(alias, "choices", [alias] if isinstance(alias, str) else []):
            names.add(str(choice).upper())
    return names | PROCESS_VARIABLES


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
    command = OUR_SERVICES[name]["command"]
    scripts = {entry.name: entry for entry in entry_points(group="console_scripts")}
    for script, subcommand in re.findall(r"(ttdn-\w+) (\w[\w-]*)", command):
        assert script in scripts, f"{name}: no console script {script}"
        cli = scripts[script].load()
        assert subcommand in cli.commands, f"{name}: {script} has no command {subcommand!r}"
    for module, factory in re.findall(r"'([\w.]+):(\w+)\(\)'", command):
        assert callable(getattr(importlib.import_module(module), factory)), f"{name}: {module}:{factory}"
    for config in re.findall(r"-c (infra/\S+)", command):
        assert (INFRA.parent / config).is_file(), f"{name}: missing {config}"


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
