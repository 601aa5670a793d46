"""The organisation registry on PostgreSQL: seeded by the migrate command without overwriting an
administrator's change, every change kept; read by date and name (accents optional) by anyone,
changed by an administrator only; stored codes of before the registry migrated to registry ids."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from plans.adapters.organisations import OrganisationStore, sync_seed
from plans.domain.organisation_seed import seed_data
from servicekit.db import Database, normalise_url
from servicekit.process import upgrade_database

from tests.support.orgs import unit_of

MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "plans" / "migrations"
NOW = datetime(2026, 1, 5, 3, tzinfo=UTC)


@pytest.fixture(scope="module")
def seeded(plans_db: str) -> str:
    sync_seed(Database(plans_db), at=NOW)
    return plans_db


def test_the_seed_is_added_once_and_never_overwrites_an_administrators_change(seeded: str) -> None:
    db = Database(seeded)
    with db.transaction() as session:
        store = OrganisationStore(session)
        assert len(store.data()["organisations"]) == len(seed_data()["organisations"])
        record = dict(store.record("so-ngoai-vu-cao-bang").record)  # type: ignore[union-attr]
        record["agency_code"] = "000.00.31.H12"
        store.put(record, source="admin", by="admin", at=NOW)
    assert sync_seed(db, at=NOW) == (0, 0)  # nothing new in the file: nothing added, nothing replaced
    with db.transaction() as session:
        store = OrganisationStore(session)
        assert store.record("so-ngoai-vu-cao-bang").record["agency_code"] == "000.00.31.H12"  # type: ignore[union-attr]
        kinds = [change["kind"] for change in store.changes("so-ngoai-vu-cao-bang")]
        assert kinds == ["seeded", "updated"]
        assert store.registry().get("so-ngoai-vu-cao-bang").agency_code == "000.00.31.H12"
    db.dispose()


def test_anyone_reads_the_organisations_of_a_date_by_level_and_name(client, tokens, seeded) -> None:  # type: ignore[no-untyped-def]
    before = client.get("/organisations?at=2024-06-01&level=province", headers=tokens("drafter.cb")).get_json()
    names = {item["id"]: item["name"] for item in before["items"]}
    assert names["ubnd-bac-kan"] == "Ủy ban nhân dân tỉnh Bắc Kạn" and "ubnd-thai-nguyen-2025" not in names
    after = client.get("/organisations?at=2026-01-05&level=province", headers=tokens("drafter.tn")).get_json()
    ids = {item["id"] for item in after["items"]}
    assert "ubnd-thai-nguyen-2025" in ids and "ubnd-bac-kan" not in ids and "ubnd-cao-bang" in ids
    found = client.get("/organisations?at=2026-01-05&q=van hoa thai nguyen", headers=tokens("dept.tn")).get_json()
    assert [item["id"] for item in found["items"]] == [unit_of("drafter.tn")]
    assert found["items"][0]["province"] == "ubnd-thai-nguyen-2025" and found["items"][0]["place"] == "Thái Nguyên"


def test_an_organisation_comes_with_its_history(client, tokens, seeded) -> None:  # type: ignore[no-untyped-def]
    answer = client.get("/organisations/svhttdl-thai-nguyen-2025", headers=tokens("ministry.1"))
    assert answer.status_code == 200
    body = answer.get_json()
    assert {s["predecessor"] for s in body["predecessors"]} == {"svhttdl-thai-nguyen", "svhttdl-bac-kan"}
    assert all(s["reason"] == "merger" and s["date"] == "2025-07-01" for s in body["predecessors"])
    assert body["names"][0]["full"] == "Sở Văn hóa, Thể thao và Du lịch tỉnh Thái Nguyên"
    assert body["changes"][0]["kind"] == "seeded"
    missing = client.get("/organisations/no-such-body", headers=tokens("ministry.1"))
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"


def test_only_an_administrator_changes_the_registry(client, tokens, seeded) -> None:  # type: ignore[no-untyped-def]
    record = {
        "id": "bcd-ttdn-thai-nguyen",
        "kind": "other",
        "level": "department",
        "names": [{"full": "Ban Chỉ đạo công tác thông tin đối ngoại tỉnh Thái Nguyên", "abbreviation": "BCĐ"}],
        "parent": None,
        "province": "ubnd-thai-nguyen-2025",
        "valid_from": "2025-07-01",
    }
    refused = client.post("/organisations", json=record, headers=tokens("drafter.tn"))
    assert refused.status_code == 403 and refused.content_type == "application/problem+json"
    created = client.post("/organisations", json=record, headers=tokens("admin"))
    assert created.status_code == 201, created.get_json()
    listed = client.get("/organisations?at=2026-01-05&q=ban chi dao thai nguyen", headers=tokens("drafter.tn"))
    assert [item["id"] for item in listed.get_json()["items"]] == ["bcd-ttdn-thai-nguyen"]
    again = client.post("/organisations", json=record, headers=tokens("admin"))
    assert again.status_code == 422 and "id" in again.get_json()["errors"]


def test_bad_organisations_and_successions_are_refused_naming_every_problem(client, tokens, seeded) -> None:  # type: ignore[no-untyped-def]
    admin = tokens("admin")
    broken = {
        "id": "so-moi-thai-nguyen",
        "kind": "state",
        "level": "nowhere",
        "names": [{"full": "Sở Mới"}],
        "parent": "ubnd-bac-kan",  # ended on 30 June 2025
        "valid_from": "2026-01-01",
        "colour": "blue",
    }
    answer = client.post("/organisations", json=broken, headers=admin)
    assert answer.status_code == 422
    fields = {violation["field"] for violation in answer.get_json()["violations"]}
    assert {"names.0.abbreviation", "colour"} <= fields
    cycle = client.post(
        "/organisations/svhttdl-thai-nguyen-2025/successions",
        json={"successor": "svhttdl-bac-kan", "reason": "merger", "date": "2025-07-01"},
        headers=admin,
    )
    assert cycle.status_code == 422
    assert any(v["rule"] == "acyclic" for v in cycle.get_json()["violations"]), cycle.get_json()
    refused = client.post(
        "/organisations/svhttdl-cao-bang/successions",
        json={"successor": "svhttdl-lang-son", "reason": "transfer_of_duties", "date": "2026-02-01"},
        headers=tokens("dept.cb"),
    )
    assert refused.status_code == 403


def test_a_plan_names_organisations_that_exist_on_its_date(client, tokens, body, seeded) -> None:  # type: ignore[no-untyped-def]
    body["activities"][0]["lead_unit"] = "ubnd-bac-kan"  # dissolved on 30 June 2025
    body["activities"][0]["partner_units"] = ["no-such-body"]
    answer = client.post("/plans", json=body, headers=tokens("drafter.cb"))
    assert answer.status_code == 422
    violations = {v["field"]: v for v in answer.get_json()["violations"]}
    assert violations["activities.0.lead_unit"]["rule"] == "not-in-force"
    vietnamese = client.post("/plans", json=body, headers={**tokens("drafter.cb"), "Accept-Language": "vi"})
    said = {v["field"]: v["message"] for v in vietnamese.get_json()["violations"]}
    assert "30/06/2025" in said["activities.0.lead_unit"]  # which dates it existed
    assert violations["activities.0.partner_units.0"]["rule"] == "unknown-organisation"


def test_the_migration_maps_stored_codes_to_registry_ids(postgres_url: str) -> None:
    """A database of before the registry, with a Bắc Kạn plan issued in 2020 and a Cao Bằng draft:
    the issued plan keeps Bắc Kạn's Sở TTTT; the draft goes to the unit that does that work today."""
    upgrade_database(MIGRATIONS, postgres_url, "0003")
    engine = sa.create_engine(normalise_url(postgres_url))
    content = {"title": "t", "plan_type": "annual", "year": 2020, "org_unit": "BK-STTTT", "summary": ""}
    content["activities"] = [{"lead_unit": "BK-STTTT", "partner_units": ["BK-BTGTU"]}]
    draft = {**content, "org_unit": "CB-STTTT", "activities": [{"lead_unit": "CB-BCB", "partner_units": []}]}
    with engine.begin() as connection:
        for plan_id, unit, province, body, issued_on, issuer in (
            ("p-2020", "BK-STTTT", "BK", content, date(2020, 2, 28), "BK-UBND"),
            ("p-draft", "CB-STTTT", "CB", draft, None, None),
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO plans (id, org_unit, province, year, plan_type, status, title, search_text, content,"
                    " revision, created_by, editors, created_at, updated_at, issued_on, issuer)"
                    " VALUES (:id, :unit, :province, 2020, 'annual', 'draft', 't', 't', CAST(:content AS jsonb), 1,"
                    " 'x', '[]', now(), now(), :issued_on, :issuer)"
                ),
                {
                    "id": plan_id,
                    "unit": unit,
                    "province": province,
                    "content": json.dumps(body),
                    "issued_on": issued_on,
                    "issuer": issuer,
                },
            )
    upgrade_database(MIGRATIONS, postgres_url)
    with engine.begin() as connection:
        rows = {
            row.id: row
            for row in connection.execute(sa.text("SELECT id, org_unit, province, issuer, content FROM plans"))
        }
    issued, current = rows["p-2020"], rows["p-draft"]
    assert (issued.org_unit, issued.province, issued.issuer) == ("stttt-bac-kan", "ubnd-bac-kan", "ubnd-bac-kan")
    assert issued.content["activities"][0]["partner_units"] == ["ban-tuyen-giao-bac-kan"]
    assert (current.org_unit, current.province) == ("svhttdl-cao-bang", "ubnd-cao-bang")
    assert current.content["activities"][0]["lead_unit"] == "bao-cao-bang"
    engine.dispose()


def bac_kan_2020() -> dict:
    """Seed 001: Bắc Kạn's Sở TTTT's plan of 2020, with the units of 2020."""
    from infra.local.sample_plans import BAC_KAN_2020

    return json.loads(json.dumps(BAC_KAN_2020).replace('"svhttdl-thai-nguyen-2025"', '"stttt-bac-kan"'))


def test_an_issued_document_is_imported_as_history_and_its_successor_reads_it(client, tokens, seeded) -> None:  # type: ignore[no-untyped-def]
    imported = {
        "kind": "plan",
        "content": bac_kan_2020(),
        "document_number": "213/KH-STTTT",
        "issued_on": "2020-02-28",
        "issuer": "stttt-bac-kan",
        "signer": {"name": "Nguyễn Văn A", "position": "Giám đốc"},
    }
    assert client.post("/plans/import", json=imported, headers=tokens("drafter.tn")).status_code == 403
    answer = client.post("/plans/import", json=imported, headers=tokens("admin"))
    assert answer.status_code == 201, answer.get_json()
    plan = answer.get_json()
    assert (plan["status"], plan["document_number"], plan["issued_on"], plan["issuer"]) == (
        "approved",
        "213/KH-STTTT",
        "2020-02-28",
        "stttt-bac-kan",
    )
    assert plan["date_line"] == "Bắc Kạn, ngày 28 tháng 02 năm 2020" and plan["province"] == "ubnd-bac-kan"
    assert plan["issuing_body"]["name"] == "Sở Thông tin và Truyền thông tỉnh Bắc Kạn"
    assert plan["signer"]["name"] == "Nguyễn Văn A" and plan["editable"] is False
    # Thái Nguyên's Sở VHTTDL carries on Bắc Kạn's work: it reads the plan, and cannot change it.
    read = client.get(f"/plans/{plan['id']}", headers=tokens("drafter.tn"))
    assert read.status_code == 200 and read.get_json()["document_number"] == "213/KH-STTTT"
    listed = client.get("/plans?status=approved", headers=tokens("drafter.tn")).get_json()["items"]
    assert plan["id"] in {item["id"] for item in listed}
    etag = read.headers["ETag"]
    change = client.put(f"/plans/{plan['id']}", json=bac_kan_2020(), headers={**tokens("drafter.tn"), "If-Match": etag})
    assert change.status_code in (403, 409)
    assert client.get(f"/plans/{plan['id']}", headers=tokens("drafter.cb")).status_code == 404  # another province
    # It took no number from the register.
    engine = sa.create_engine(normalise_url(seeded))
    with engine.connect() as connection:
        taken = connection.execute(
            sa.text("SELECT count(*) FROM issued_numbers WHERE plan_id = :id"), {"id": plan["id"]}
        ).scalar()
    engine.dispose()
    assert taken == 0


def test_an_import_names_every_problem_with_the_organisations_of_its_date(client, tokens, seeded) -> None:  # type: ignore[no-untyped-def]
    content = bac_kan_2020()
    content["org_unit"] = "svhttdl-thai-nguyen-2025"  # formed on 1 July 2025: not in 2020
    wrong = {
        "content": content,
        "document_number": "213/STTTT",
        "issued_on": "2020-02-28",
        "signer": {"name": "Nguyễn Văn A"},
    }
    answer = client.post("/plans/import", json=wrong, headers={**tokens("admin"), "Accept-Language": "vi"})
    assert answer.status_code == 422
    said = {v["field"]: v for v in answer.get_json()["violations"]}
    assert said["content.org_unit"]["rule"] == "not-in-force" and "01/07/2025" in said["content.org_unit"]["message"]
    assert said["document_number"]["rule"] == "document-number"


def test_an_issued_report_is_imported_as_history_on_its_plan_and_bad_imports_write_nothing(
    client, tokens, seeded
) -> None:  # type: ignore[no-untyped-def]
    """Seed 004: Quảng Bình's 2017 year-end report, on its 2017 plan reconstructed from the same seed,
    both imported as history (the seed shows neither number: none is made up)."""
    from infra.local.sample_plans import HISTORY, QUANG_BINH_2017_HISTORY, QUANG_BINH_2017_REPORT, history_report_body

    admin = tokens("admin")
    (planned,) = [item for item in HISTORY if item["content"]["title"] == QUANG_BINH_2017_HISTORY["title"]]
    assert (planned["document_number"], planned["content"]["org_unit"]) == (None, "stttt-quang-binh")
    answer = client.post("/plans/import", json=planned, headers=admin)
    assert answer.status_code == 201, answer.get_json()
    plan = answer.get_json()
    assert (plan["status"], plan["document_number"], plan["issuer"]) == ("approved", None, "ubnd-quang-binh")
    body = history_report_body(plan["id"], plan["activities"], QUANG_BINH_2017_REPORT)
    imported = {
        "kind": "report",
        "content": body,
        "document_number": None,
        "issued_on": "2017-12-14",
        "issuer": "ubnd-quang-binh",
    }
    # Every problem named at once, nothing written.
    wrong = json.loads(json.dumps(imported))
    wrong["document_number"] = "12/BC"
    wrong["content"]["results"][2]["indicators"][1]["actual"] = "72"
    wrong["content"]["results"][0]["status"] = "finished"
    answer = client.post("/plans/import", json=wrong, headers=admin)
    assert answer.status_code == 422, answer.get_json()
    errors = answer.get_json()["errors"]["content"]["results"]
    assert "actual" in errors["2"]["indicators"]["1"] and "status" in errors["0"], errors
    wrong = json.loads(json.dumps(imported))
    wrong["document_number"] = "12/BC"
    wrong["content"]["results"][1]["activity_id"] = "no-such-activity"
    wrong["content"]["results"][0]["status"] = ""
    answer = client.post("/plans/import", json=wrong, headers=admin)
    assert answer.status_code == 422, answer.get_json()
    fields = {violation["field"] for violation in answer.get_json()["violations"]}
    assert {"document_number", "content.results.1.activity_id", "content.results.0.status"} <= fields
    missing = {**imported, "content": {**body, "plan_ref": "no-such-plan"}}
    assert client.post("/plans/import", json=missing, headers=admin).status_code == 404
    assert client.get("/reports?year=2017", headers=admin).get_json()["items"] == []
    assert client.post("/plans/import", json=imported, headers=tokens("drafter.qb")).status_code == 403

    answer = client.post("/plans/import", json=imported, headers=admin)
    assert answer.status_code == 201, answer.get_json()
    report = answer.get_json()
    assert answer.headers["Location"].endswith(f"/reports/{report['id']}")
    assert (report["status"], report["kind"], report["year"], report["plan_ref"], report["editable"]) == (
        "approved",
        "annual",
        2017,
        plan["id"],
        False,
    )
    assert (report["document_number"], report["issued_on"], report["issuer"]) == (None, "2017-12-14", "ubnd-quang-binh")
    assert report["date_line"] == "Quảng Bình, ngày 14 tháng 12 năm 2017"
    assert report["issuing_body"]["name"] == "Ủy ban nhân dân tỉnh Quảng Bình"
    assert report["replies_to"] == "3616/BTTTT-TTĐN ngày 06/10/2017"
    assert report["recipients"] == QUANG_BINH_2017_REPORT["recipients"]
    press = report["results"][2]
    assert [(i["target"], i["actual"], i["completion_pct"]) for i in press["indicators"]] == [
        (7, 7, 100.0),
        (72, 72, 100.0),
    ]
    assert report["results"][-1]["planned"] is False and "APEC" in report["results"][-1]["title"]
    # Quảng Trị's Sở VHTTDL carries on Quảng Bình's work: it reads the report; another province does not.
    read = client.get(f"/reports/{report['id']}", headers=tokens("drafter.qb"))
    assert read.status_code == 200, read.get_json()
    assert client.get(f"/reports/{report['id']}", headers=tokens("drafter.cb")).status_code == 404
    # One report of a kind per unit and period while it stands: a second import is refused.
    assert client.post("/plans/import", json=imported, headers=admin).status_code == 409
    engine = sa.create_engine(normalise_url(seeded))
    with engine.connect() as connection:
        taken = connection.execute(
            sa.text("SELECT count(*) FROM issued_numbers WHERE plan_id = :id"), {"id": report["id"]}
        ).scalar()
    engine.dispose()
    assert taken == 0


def test_a_successor_reports_on_its_predecessors_plan_of_the_year_of_the_merger(client, tokens, seeded) -> None:  # type: ignore[no-untyped-def]
    """Bắc Kạn's Sở TTTT's 2025 plan: Thái Nguyên's Sở VHTTDL, which carries on its work since the
    merger of 01/07/2025, reports on it; on the 2024 plan, before the merger's year, it does not."""

    def imported(year: int, number: str, issued_on: str) -> dict:
        content = json.loads(json.dumps(bac_kan_2020()).replace('"2020-', f'"{year}-'))
        content["year"] = year
        body = {"kind": "plan", "content": content, "document_number": number, "issued_on": issued_on}
        answer = client.post("/plans/import", json={**body, "issuer": "stttt-bac-kan"}, headers=tokens("admin"))
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    of_the_merger = imported(2025, "15/KH-STTTT", "2025-01-20")
    before = imported(2024, "9/KH-STTTT", "2024-01-22")
    assert (
        client.post(
            "/reports", json={"plan_id": of_the_merger["id"], "kind": "annual"}, headers=tokens("drafter.cb")
        ).status_code
        == 404
    )  # another province's plan
    assert (
        client.post(
            "/reports", json={"plan_id": before["id"], "kind": "annual"}, headers=tokens("drafter.tn")
        ).status_code
        == 404
    )  # the predecessor's plan of a year before the merger
    answer = client.post(
        "/reports", json={"plan_id": of_the_merger["id"], "kind": "annual"}, headers=tokens("drafter.tn")
    )
    assert answer.status_code == 201, answer.get_json()
    report = answer.get_json()
    assert (report["org_unit"], report["province"], report["plan_ref"], report["status"]) == (
        unit_of("drafter.tn"),
        "ubnd-thai-nguyen-2025",
        of_the_merger["id"],
        "draft",
    )
    assert report["plan_ref_number"] == "15/KH-STTTT"
    assert len(report["results"]) == len(of_the_merger["activities"])
    # The successor's own draft: its drafters edit it; another province does not see it.
    read = client.get(f"/reports/{report['id']}", headers=tokens("drafter.tn"))
    assert read.status_code == 200 and read.get_json()["editable"] is True
    assert client.get(f"/reports/{report['id']}", headers=tokens("drafter.cb")).status_code == 404
    again = client.post(
        "/reports", json={"plan_id": of_the_merger["id"], "kind": "annual"}, headers=tokens("drafter.tn")
    )
    assert again.status_code == 409


def _registry_events(db: Database, *, after: int = 0) -> list[tuple[str, str, dict]]:
    """The organisation.* events in the plans outbox after outbox row ``after``: (type, subject, data)."""
    from plans.adapters.orm import Outbox

    with db.transaction() as session:
        rows = session.scalars(
            sa.select(Outbox).where(Outbox.routing_key.like("organisation.%"), Outbox.seq > after).order_by(Outbox.seq)
        )
        return [(row.routing_key, row.aggregate_id, json.loads(row.payload)["data"]) for row in rows]


def _last_outbox_row(db: Database) -> int:
    from plans.adapters.orm import Outbox

    with db.transaction() as session:
        return int(session.scalar(sa.select(sa.func.coalesce(sa.func.max(Outbox.seq), 0))) or 0)


def test_seeding_and_every_change_of_the_registry_are_events_in_the_outbox(client, tokens, seeded) -> None:  # type: ignore[no-untyped-def]
    from servicekit.contracts import events as contract

    db = Database(seeded)
    seeded_events = _registry_events(db)
    # (the module's earlier tests added organisations through the API: those were created by admin)
    created = [
        data for kind, _, data in seeded_events if kind == "organisation.created" and data["changed_by"] == "seed"
    ]
    succeeded = [data for kind, _, data in seeded_events if kind == "organisation.succeeded"]
    # The first migrate: one organisation.created per organisation, one organisation.succeeded per
    # predecessor, each a valid payload of the contract, in the same transaction as the rows.
    assert len({data["organisation_id"] for data in created}) == len(seed_data()["organisations"])
    for kind, subject, data in seeded_events:
        parsed = contract.parse(kind, data)
        assert subject == f"organisations/{parsed.organisation_id}"
    bac_kan = next(data for data in succeeded if data["organisation_id"] == "svhttdl-bac-kan")
    assert {(s["successor"], s["reason"], s["date"]) for s in bac_kan["successions"]} == {
        ("svhttdl-thai-nguyen-2025", "merger", "2025-07-01")
    }
    assert sync_seed(db, at=NOW) == (0, 0) and len(_registry_events(db)) == len(seeded_events)  # nothing new

    mark = _last_outbox_row(db)
    record = {
        "id": "bao-thai-nguyen-2025",
        "kind": "other",
        "level": "department",
        "names": [{"full": "Báo Thái Nguyên", "abbreviation": "BTN"}],
        "parent": "ubnd-thai-nguyen-2025",
        "valid_from": "2025-07-01",
    }
    assert client.post("/organisations", json=record, headers=tokens("admin")).status_code == 201
    renamed = {
        **record,
        "names": [
            *record["names"],
            {"since": "2026-01-01", "full": "Báo và Phát thanh, Truyền hình Thái Nguyên", "abbreviation": "BPTTH"},
        ],
    }
    assert client.put("/organisations/bao-thai-nguyen-2025", json=renamed, headers=tokens("admin")).status_code == 200
    succession = {
        "successor": "bao-thai-nguyen-2025",
        "reason": "transfer_of_duties",
        "date": "2025-08-01",  # a day the predecessor already existed
        "duties": ["press"],
    }
    assert (
        client.post(
            "/organisations/svhttdl-thai-nguyen-2025/successions", json=succession, headers=tokens("admin")
        ).status_code
        == 201
    )
    refused = client.put(
        "/organisations/bao-thai-nguyen-2025", json={**record, "level": "nowhere"}, headers=tokens("admin")
    )
    assert refused.status_code == 422

    changes = _registry_events(db, after=mark)
    assert [kind for kind, _, _ in changes] == [
        "organisation.created",
        "organisation.changed",
        "organisation.succeeded",
    ]  # the refused change wrote nothing
    versions = [data["version"] for _, _, data in changes]
    assert versions == sorted(versions) and len(set(versions)) == 3  # the newest change has the highest number
    assert changes[1][2]["names"][-1]["full"] == "Báo và Phát thanh, Truyền hình Thái Nguyên"
    assert changes[1][2]["changed_by"] == "admin"
    assert changes[2][2]["organisation_id"] == "svhttdl-thai-nguyen-2025"
    assert changes[2][2]["successions"][0]["duties"] == ["press"]
    assert max(data["version"] for data in created) < versions[0]
    db.dispose()


def test_publishing_the_registry_again_writes_every_organisation_and_its_successions(seeded: str) -> None:
    from plans.adapters.organisations import publish_registry

    db = Database(seeded)
    mark = _last_outbox_row(db)
    count = publish_registry(db, at=NOW)
    published = _registry_events(db, after=mark)
    assert len(published) == count
    states = {data["organisation_id"]: data for kind, _, data in published if kind == "organisation.changed"}
    with db.transaction() as session:
        stored = OrganisationStore(session).data()
    assert set(states) == {record["id"] for record in stored["organisations"]}
    predecessors = {data["organisation_id"] for kind, _, data in published if kind == "organisation.succeeded"}
    assert predecessors == {succession["predecessor"] for succession in stored["successions"]}
    db.dispose()


def test_the_registrys_messages_follow_the_callers_language(client, tokens, seeded) -> None:  # type: ignore[no-untyped-def]
    def asked(username: str, language: str) -> dict[str, str]:
        return {**tokens(username), "Accept-Language": language}

    record = {
        "id": "so-thu-nghiem",
        "kind": "state",
        "level": "department",
        "names": [{"full": "Sở Thử nghiệm"}],  # no abbreviation
        "colour": "blue",  # not a field of the record
    }
    for language, forbidden, missing, invalid in (
        ("en", "Only an administrator", "no-such-body", "break one or more rules"),
        ("vi", "Chỉ quản trị viên", "no-such-body", "vi phạm"),
    ):
        refused = client.post("/organisations", json=record, headers=asked("drafter.cb", language))
        assert refused.status_code == 403 and forbidden in refused.get_json()["detail"], refused.get_json()
        assert refused.headers["Content-Language"] == language
        unknown = client.get("/organisations/no-such-body", headers=asked("drafter.cb", language))
        assert unknown.status_code == 404 and missing in unknown.get_json()["detail"]
        assert unknown.headers["Content-Language"] == language
        wrong = client.post("/organisations", json=record, headers=asked("admin", language))
        assert wrong.status_code == 422 and invalid in wrong.get_json()["detail"], wrong.get_json()
        assert wrong.headers["Content-Language"] == language
        messages = [violation["message"] for violation in wrong.get_json()["violations"]]
        assert len(messages) == 2  # the missing abbreviation and the unknown field
    english = client.post("/organisations", json=record, headers=asked("admin", "en")).get_json()["violations"]
    vietnamese = client.post("/organisations", json=record, headers=asked("admin", "vi")).get_json()["violations"]
    assert [v["field"] for v in english] == [v["field"] for v in vietnamese]
    assert all(e["message"] != v["message"] for e, v in zip(english, vietnamese, strict=True))
