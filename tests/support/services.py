"""The three services as the integration tests build them: their databases
migrated by each service's own `ttdn-<svc> migrate` command, and their apps from
their own factories and settings classes."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from flask import Flask

SERVICES = ("plans", "approvals", "notifications")


def migrate(databases: dict[str, str]) -> None:
    """Each service's own `migrate` command on its database URL, the three at once."""
    migrations = {
        service: subprocess.Popen(
            [str(Path(sys.executable).with_name(f"ttdn-{service}")), "migrate"],
            env={**os.environ, "DATABASE_URL": url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for service, url in databases.items()
    }
    for service, migration in migrations.items():
        _, errors = migration.communicate(timeout=120)
        assert migration.returncode == 0, f"{service}: {errors}"


def service_app(service: str, **settings: Any) -> Flask:
    """A service's own app factory with its own settings class."""
    app_module = importlib.import_module(f"{service}.entrypoints.app")
    config = importlib.import_module(f"{service}.config")
    settings_class = next(
        value for name, value in vars(config).items() if name.endswith("Settings") and name != "ServiceSettings"
    )
    return app_module.create_app(settings_class(**settings))
