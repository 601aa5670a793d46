"""What the deployment descriptions (docker-compose, the Kubernetes manifests) may name,
read from the code itself: the commands that exist and the variables each package reads."""

from __future__ import annotations

import ast
import importlib
import re
import shlex
from importlib.metadata import entry_points
from pathlib import Path

from approvals.config import ApprovalsSettings
from gateway.config import GatewaySettings
from notifications.config import NotificationsSettings
from plans.config import PlansSettings
from pydantic_settings import BaseSettings
from servicekit import heartbeat

ROOT = Path(__file__).resolve().parents[3]
SETTINGS: dict[str, tuple[type[BaseSettings], ...]] = {
    "plans": (PlansSettings,),
    "approvals": (ApprovalsSettings,),
    "notifications": (NotificationsSettings,),
    "gateway": (GatewaySettings,),  # the web interface's settings are the gateway's
}
# Read outside the settings objects: by prometheus_client, by servicekit's process loops
# (the heartbeat), and by libpq (the database password, kept out of DATABASE_URL).
OUTSIDE_SETTINGS = {"PROMETHEUS_MULTIPROC_DIR", "LOG_LEVEL", heartbeat.ENVIRONMENT_VARIABLE, "PGPASSWORD"}


def variables_of(settings: type[BaseSettings]) -> set[str]:
    names = {name.upper() for name in settings.model_fields}
    for field in settings.model_fields.values():
        alias = field.validation_alias
        for choice in getattr(alias, "choices", [alias] if isinstance(alias, str) else []):
            names.add(str(choice).upper())
    return names


def variables_of_gunicorn_configs() -> set[str]:
    """Every ``os.environ.get("NAME", …)`` / ``os.environ["NAME"]`` in infra/gunicorn."""
    names: set[str] = set()
    for config in (ROOT / "infra" / "gunicorn").glob("*.py"):
        for node in ast.walk(ast.parse(config.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "os.environ.get":
                names.add(ast.literal_eval(node.args[0]))
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                names.add(ast.literal_eval(node.slice))
    return names


def variables_read_by(package: str) -> set[str]:
    names = set().union(*(variables_of(settings) for settings in SETTINGS[package]))
    return names | OUTSIDE_SETTINGS | variables_of_gunicorn_configs()


def argv_of(command: str | list[str]) -> list[str]:
    """A command as words, with ``sh -c "…"`` unwrapped."""
    words = shlex.split(command) if isinstance(command, str) else list(command)
    if len(words) >= 3 and words[0] in {"sh", "/bin/sh"} and words[1] == "-c":
        return argv_of(words[2]) + words[3:]
    return words


def command_problems(command: str | list[str]) -> list[str]:
    """What a command names that the code does not have: console scripts and their
    subcommands, app factories, ``python -m`` modules, and the repository files it reads."""
    words = argv_of(command)
    scripts = {entry.name: entry for entry in entry_points(group="console_scripts")}
    problems: list[str] = []
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if re.fullmatch(r"ttdn-\w+", word):
            if word not in scripts:
                problems.append(f"no console script {word}")
            elif following not in scripts[word].load().commands:
                problems.append(f"{word} has no command {following!r}")
        elif factory := re.fullmatch(r"([\w.]+):(\w+)\(\)", word):
            if not callable(getattr(_module(factory.group(1)), factory.group(2), None)):
                problems.append(f"no factory {word}")
        elif word == "-m" and words[:1] == ["python"]:
            if not callable(getattr(_module(following), "main", None)):
                problems.append(f"python -m {following}: no main()")
        elif re.match(r"(infra|services|libs|gateway)/", word) and not (ROOT / word).exists():
            problems.append(f"missing {word}")
    return problems


def _module(name: str) -> object:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None
