"""The command line on the embedded default (SQLite): migrate, then load the sample data once
(infra/local/sample_plans.py, outside the product package)."""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner
from plans.__main__ import cli

from infra.local.sample_plans import cli as load_sample_plans


def test_migrate_and_demo_data_on_sqlite(tmp_path, monkeypatch):
    database = tmp_path / "plans.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("LOG_FORMAT", "text")
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    first = runner.invoke(load_sample_plans, [])
    assert first.exit_code == 0 and first.output.strip().splitlines() == [
        "loaded 6 sample plans",
        "loaded 1 sample report (submitted up the report chain)",
        "imported 4 issued documents of the seeds as history",
    ]
    second = runner.invoke(load_sample_plans, [])
    assert second.exit_code == 0 and "no sample data loaded" in second.output
    with sqlite3.connect(database) as connection:
        rows = dict(
            connection.execute("SELECT org_unit || ' ' || year, status FROM plans WHERE kind = 'plan'").fetchall()
        )
        numbers = connection.execute(
            "SELECT kind, document_number FROM plans WHERE status = 'approved' ORDER BY kind, document_number"
        ).fetchall()
        reports = connection.execute(
            "SELECT org_unit || ' ' || year, status FROM plans WHERE kind = 'report'"
        ).fetchall()
        outbox = connection.execute("SELECT routing_key, count(*) FROM outbox GROUP BY routing_key").fetchall()
    assert (
        rows["svhttdl-cao-bang 2024"] == "approved"
        and rows["svhttdl-lang-son 2018"] == "returned"
        and rows["svhttdl-cao-bang 2025"] == "draft"
    )
    # The one plan approved here, and the seeds' issued documents imported as history (taking no number;
    # seed 004's Quảng Bình plan and report show none).
    assert sorted(numbers, key=lambda row: (row[0], row[1] or "")) == [
        ("plan", None),
        ("plan", "01/KH-UBND"),
        ("plan", "213/KH-STTTT"),
        ("plan", "371/KH-UBND"),
        ("report", None),
    ]
    documents = {key: count for key, count in outbox if not key.startswith("organisation.")}
    assert documents == {"plan.submitted": 5, "plan.approved": 1, "report.submitted": 1}  # history sends nothing
    # The first migrate sent the seeded registry to the copies in approvals and notifications.
    registry = {key: count for key, count in outbox if key.startswith("organisation.")}
    assert set(registry) == {"organisation.created", "organisation.succeeded"}
    assert sorted(reports) == [("stttt-quang-binh 2017", "approved"), ("svhttdl-cao-bang 2024", "submitted")]


def test_the_registry_is_published_again_on_request(tmp_path, monkeypatch):
    database = tmp_path / "plans.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("LOG_FORMAT", "text")
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    with sqlite3.connect(database) as connection:
        organisations = connection.execute("SELECT count(*) FROM organisations").fetchone()[0]
        predecessors = connection.execute(
            "SELECT count(DISTINCT predecessor) FROM organisation_successions"
        ).fetchone()[0]
        seeded = dict(connection.execute("SELECT routing_key, count(*) FROM outbox GROUP BY routing_key").fetchall())
    assert seeded == {"organisation.created": organisations, "organisation.succeeded": predecessors}
    assert runner.invoke(cli, ["migrate"]).exit_code == 0  # nothing new in the files: no event
    published = runner.invoke(cli, ["organisations-publish"])
    assert published.exit_code == 0, published.output
    assert (
        published.output.strip()
        == f"organisation registry: {organisations + predecessors} events written to the outbox"
    )
    with sqlite3.connect(database) as connection:
        rows = dict(connection.execute("SELECT routing_key, count(*) FROM outbox GROUP BY routing_key").fetchall())
    assert rows == {**seeded, "organisation.changed": organisations, "organisation.succeeded": 2 * predecessors}
