"""Fixtures every layer of tests shares: throwaway PostgreSQL databases and
RabbitMQ virtual hosts on this machine's real servers, so test runs (and
engineers working at once) never see each other's data or queues."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import psycopg
import pytest

PG_ADMIN_DSN = os.environ.get("TEST_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_BASE = os.environ.get("TEST_AMQP_BASE", "amqp://guest:guest@127.0.0.1:5672")


def create_postgres_database(prefix: str = "ttdn_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_vhost(prefix: str = "ttdn-test") -> tuple[str, str]:
    vhost = f"{prefix}-{uuid.uuid4().hex[:10]}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(
        ["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
        check=True,
        capture_output=True,
    )
    return vhost, f"{AMQP_BASE}/{quote(vhost, safe='')}"


def delete_vhost(vhost: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=False, capture_output=True)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture
def amqp_url() -> Iterator[str]:
    vhost, url = create_vhost()
    yield url
    delete_vhost(vhost)


@pytest.fixture(scope="module")
def module_amqp_url() -> Iterator[str]:
    vhost, url = create_vhost()
    yield url
    delete_vhost(vhost)


# The groups `make test` runs side by side on pytest-xdist workers (tests/support/parallel.py).
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from tests.support.parallel import assign_groups

    assign_groups(config, items)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # type: ignore[no-untyped-def]
    from tests.support.parallel import configure_worker

    configure_worker(node)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # type: ignore[no-untyped-def]
    from tests.support.parallel import make_scheduler

    return make_scheduler(config, log)
