"""Every plans endpoint over HTTP (Flask test client, PostgreSQL, real tokens from devidp),
with the bad-input catalogue: each answered with precise problem+json and no partial write."""

from __future__ import annotations

import json
import unicodedata

import pytest
from openapi_spec_validator import validate
from plans.adapters.repository import PlanQuery, SqlAlchemyPlanRepository
from plans.domain.access import Actor, visibility_of
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from tests.support.hostile import HOSTILE_JSON, HOSTILE_TEXT

PROBLEM = "application/problem+json"


def count_plans(settings) -> int:
    engine = create_engine(settings.database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM plans")).scalar_one()
    finally:
        engine.dispose()


def create(client, tokens, body, user="drafter.cb"):
    response = client.post("/plans", json=body, headers=tokens(user))
    assert response.status_code == 201, response.json
    return response


def problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    document = response.json
    assert document["type"] == f"urn:ttdn:problem:{slug}" and document["status"] == status
    return document


# -- the happy path of every endpoint
def test_create_get_replace_submit_withdraw_versions_timeline(client, tokens, body):
    body["title"] = unicodedata.normalize("NFD", "  " + body["title"] + " ")
    created = create(client, tokens, body)
    plan = created.json
    assert created.headers["Location"].endswith(f"/plans/{plan['id']}")
    assert created.headers["ETag"] == f'"{plan["id"]}-r1"'
    assert plan["title"] == "Kế hoạch hoạt động thông tin đối ngoại năm 2024"  # NFC and trimmed
    assert (plan["status"], plan["stage"], plan["province"], plan["current_version"]) == (
        "draft",
        None,
        "ubnd-cao-bang",
        None,
    )
    assert plan["total_budget_vnd"] == 792_000_000 and plan["activities"][0]["start_date"] == "2024-03-01"

    got = client.get(f"/plans/{plan['id']}", headers=tokens("drafter.cb"))
    assert got.status_code == 200 and got.headers["ETag"] == created.headers["ETag"] and got.json == plan
    fresh = client.get(
        f"/plans/{plan['id']}", headers={**tokens("drafter.cb"), "If-None-Match": created.headers["ETag"]}
    )
    assert fresh.status_code == 304 and fresh.get_data() == b""

    body["summary"] += " Bổ sung nhiệm vụ tuyên truyền về Khu kinh tế cửa khẩu."
    replaced = client.put(
        f"/plans/{plan['id']}", json=body, headers={**tokens("drafter2.cb"), "If-Match": created.headers["ETag"]}
    )
    assert replaced.status_code == 200 and replaced.headers["ETag"] == f'"{plan["id"]}-r2"'

    submitted = client.post(
        f"/plans/{plan['id']}/submit", headers={**tokens("drafter.cb"), "If-Match": replaced.headers["ETag"]}
    )
    assert (
        submitted.status_code == 200
        and submitted.json["status"] == "submitted"
        and submitted.json["current_version"] == 1
    )

    versions = client.get(f"/plans/{plan['id']}/versions", headers=tokens("dept.cb")).json["items"]
    assert [(v["number"], v["submitted_by"], v["edited_by"]) for v in versions] == [(1, "drafter.cb", ["drafter2.cb"])]
    version = client.get(f"/plans/{plan['id']}/versions/1", headers=tokens("dept.cb")).json
    assert version["content"]["summary"] == body["summary"] and len(version["content_sha256"]) == 64
    problem(client.get(f"/plans/{plan['id']}/versions/2", headers=tokens("drafter.cb")), 404, "not-found")

    withdrawn = client.post(f"/plans/{plan['id']}/withdraw", headers=tokens("drafter.cb"))
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    timeline = client.get(f"/plans/{plan['id']}/timeline", headers=tokens("drafter.cb")).json["items"]
    assert [(e["kind"], e["version"], e["actor"]) for e in timeline] == [
        ("created", 1, "drafter.cb"),
        ("edited", 1, "drafter2.cb"),
        ("submitted", 1, "drafter.cb"),
        ("withdrawn", 1, "drafter.cb"),
    ]


def test_list_filters_search_and_cursor(client, tokens, body):
    for number in range(3):
        create(client, tokens, {**body, "title": f"Kế hoạch tập huấn biên giới đợt {number + 1} năm 2024"})
    create(
        client,
        tokens,
        {
            **body,
            "org_unit": "svhttdl-thai-nguyen-2025",
            "title": "Kế hoạch hoạt động thông tin đối ngoại năm 2020",
            "year": 2020,
            "activities": [],
        },
        user="drafter.bk",
    )
    seen, cursor = [], None
    while True:
        query = {"q": "tap huan bien gioi dot", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/plans", query_string=query, headers=tokens("drafter.cb")).json
        seen += [item["title"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Kế hoạch tập huấn biên giới đợt {n} năm 2024" for n in (3, 2, 1)]
    others = client.get(
        "/plans", query_string={"org_unit": "svhttdl-thai-nguyen-2025"}, headers=tokens("drafter.cb")
    ).json["items"]
    assert others == []  # another unit's drafts are invisible
    mine = client.get(
        "/plans",
        query_string={"province": "ubnd-thai-nguyen-2025", "year": 2020, "status": "draft"},
        headers=tokens("drafter.bk"),
    ).json
    assert [item["org_unit"] for item in mine["items"]] == ["svhttdl-thai-nguyen-2025"] and mine["next_cursor"] is None
    assert client.get("/plans", query_string={"status": "draft"}, headers=tokens("ministry.1")).json["items"] == []
    problem(
        client.get("/plans", query_string={"cursor": "not-a-cursor"}, headers=tokens("drafter.cb")),
        422,
        "validation-error",
    )
    problem(client.get("/plans", query_string={"limit": 101}, headers=tokens("drafter.cb")), 422, "validation-error")
    problem(
        client.get("/plans", query_string={"status": "archived"}, headers=tokens("drafter.cb")), 422, "validation-error"
    )


def test_a_repeated_search_is_planned_for_its_words_every_time(app, client, tokens, body):
    """psycopg prepares a statement on the server after its fifth run, and PostgreSQL may then keep
    a generic plan, which cannot know how many versions the words match (at 100,000 plans it read
    and sorted every version the reader may read: 60 ms instead of 3). The search keeps a plan made
    for its words, and a serial one, in its own transaction only."""
    for number in range(3):
        plan = create(client, tokens, {**body, "title": f"Kế hoạch tập huấn biên giới vòng {number + 1}"}).json
        assert client.post(f"/plans/{plan['id']}/submit", headers=tokens("drafter.cb")).status_code == 200
    approver = Actor("dept.cb", frozenset({"dept_approver"}), org_unit="svhttdl-cao-bang", province="ubnd-cao-bang")
    query = PlanQuery(visibility=visibility_of(approver), q="tập huấn biên giới vòng", limit=2)
    settings = text("SELECT current_setting('plan_cache_mode'), current_setting('max_parallel_workers_per_gather')")
    pages, during = [], set()
    with app.extensions["plans_db"].engine.connect() as connection:
        default = connection.execute(settings).one()
        connection.rollback()
        for _ in range(12):  # past psycopg's five runs before preparing, and PostgreSQL's five custom plans
            with connection.begin(), Session(bind=connection) as session:
                pages.append([summary.title for summary in SqlAlchemyPlanRepository(session).search(query)])
                during.add(tuple(connection.execute(settings).one()))
        after = connection.execute(settings).one()
        plans_of_the_search = connection.execute(
            text("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%clause_0%'")
        ).one()
    assert pages == [["Kế hoạch tập huấn biên giới vòng 3", "Kế hoạch tập huấn biên giới vòng 2"]] * 12
    assert during == {("force_custom_plan", "0")} and after == default and default not in during
    assert plans_of_the_search.generic_plans == 0 and plans_of_the_search.custom_plans >= 7


# -- access
def test_access_rules(client, tokens, body):
    plan = create(client, tokens, body).json
    url = f"/plans/{plan['id']}"
    for outsider in ("drafter.bk", "dept.cb", "province.cb", "ministry.1"):  # approvers see no drafts
        problem(client.get(url, headers=tokens(outsider)), 404, "not-found")
    assert client.get(url, headers=tokens("admin")).status_code == 200
    problem(
        client.put(url, json=body, headers={**tokens("drafter.bk"), "If-Match": f'"{plan["id"]}-r1"'}), 404, "not-found"
    )
    client.post(f"{url}/submit", headers=tokens("drafter.cb"))
    assert client.get(url, headers=tokens("dept.cb")).status_code == 200
    problem(client.post(f"{url}/withdraw", headers=tokens("dept.cb")), 403, "forbidden")
    problem(client.get(url, headers=tokens("province.bk")), 404, "not-found")
    problem(client.post("/plans", json=body, headers=tokens("dept.cb")), 403, "forbidden")
    problem(client.get(url), 401, "unauthorized")


# -- preconditions and states
def test_if_match_rules(client, tokens, body):
    plan = create(client, tokens, body).json
    other = create(client, tokens, body).json
    url = f"/plans/{plan['id']}"
    problem(client.put(url, json=body, headers=tokens("drafter.cb")), 428, "precondition-required")
    problem(
        client.put(url, json=body, headers={**tokens("drafter.cb"), "If-Match": f'"{plan["id"]}-r7"'}),
        412,
        "precondition-failed",
    )
    problem(
        client.put(url, json=body, headers={**tokens("drafter.cb"), "If-Match": f'"{other["id"]}-r1"'}),
        412,
        "precondition-failed",
    )
    problem(
        client.put(url, json=body, headers={**tokens("drafter.cb"), "If-Match": f'W/"{plan["id"]}-r1"'}),
        412,
        "precondition-failed",
    )
    problem(
        client.post(f"{url}/submit", headers={**tokens("drafter.cb"), "If-Match": f'"{plan["id"]}-r9"'}),
        412,
        "precondition-failed",
    )
    assert client.get(url, headers=tokens("drafter.cb")).json["revision"] == 1  # nothing was written
    client.post(f"{url}/submit", headers=tokens("drafter.cb"))
    document = problem(
        client.put(url, json=body, headers={**tokens("drafter.cb"), "If-Match": "*"}), 409, "plan-not-editable"
    )
    assert "submitted" in document["detail"]
    problem(client.post(f"{url}/submit", headers=tokens("drafter.cb")), 409, "transition-not-allowed")


def test_submitting_without_activities(client, tokens, body):
    plan = create(client, tokens, {**body, "activities": []}).json
    document = problem(
        client.post(f"/plans/{plan['id']}/submit", headers=tokens("drafter.cb")), 422, "validation-error"
    )
    assert document["errors"] == {"activities": ["A plan needs at least one activity to be submitted."]}


# -- the bad-input catalogue
def _raw(client, tokens, data: bytes | str, content_type: str = "application/json"):
    return client.post("/plans", data=data, headers={**tokens("drafter.cb"), "Content-Type": content_type})


BAD_BODIES = {
    "wrong types": (
        lambda b: {**b, "year": "2024", "activities": [{**b["activities"][0], "budget_vnd": "150 triệu"}]},
        {"year": ["Not a valid integer."], "activities": {"0": {"budget_vnd": ["Not a valid integer."]}}},
    ),
    "unknown field": (lambda b: {**b, "approved": True}, {"approved": ["Unknown field."]}),
    "missing fields": (
        lambda b: {k: v for k, v in b.items() if k not in ("title", "plan_type")},
        {"title": ["Missing data for required field."], "plan_type": ["Missing data for required field."]},
    ),
    "too-long title": (lambda b: {**b, "title": "Kế hoạch " * 100}, {"title": ["Length must be between 1 and 500."]}),
    "blank title": (lambda b: {**b, "title": "   "}, {"title": ["Length must be between 1 and 500."]}),
    "negative budget": (
        lambda b: {**b, "activities": [{**b["activities"][0], "budget_vnd": -150_000_000}]},
        {"activities": {"0": {"budget_vnd": ["A budget cannot be negative."]}}},
    ),
    "dates outside the period": (
        lambda b: {**b, "activities": [{**b["activities"][0], "end_date": "2025-03-31"}]},
        {"activities": {"0": {"end_date": ["Outside the plan's period (2024-01-01 – 2024-12-31)."]}}},
    ),
    "not an object": (lambda b: [b], {"_schema": ["Invalid input type."]}),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bad_bodies_are_422_with_field_errors_and_write_nothing(client, tokens, body, settings, case):
    make, expected = BAD_BODIES[case]
    before = count_plans(settings)
    document = problem(client.post("/plans", json=make(body), headers=tokens("drafter.cb")), 422, "validation-error")
    assert document["errors"] == expected
    assert count_plans(settings) == before


def test_an_empty_title_a_negative_budget_and_reversed_dates_come_back_in_one_problem(client, tokens, body, settings):
    body["title"] = ""
    body["activities"][0]["budget_vnd"] = -150_000_000
    body["activities"][1]["start_date"], body["activities"][1]["end_date"] = "2024-06-30", "2024-06-01"
    before = count_plans(settings)
    english = problem(client.post("/plans", json=body, headers=tokens("drafter.cb")), 422, "validation-error")
    assert english["errors"] == {
        "title": ["Length must be between 1 and 500."],
        "activities": {
            "0": {"budget_vnd": ["A budget cannot be negative."]},
            "1": {"end_date": ["Ends before it starts."]},
        },
    }
    body["title"] = "Kế hoạch hoạt động thông tin đối ngoại năm 2024"
    response = client.post("/plans", json=body, headers={**tokens("drafter.cb"), "Accept-Language": "vi-VN,vi;q=0.9"})
    vietnamese = problem(response, 422, "validation-error")
    assert response.headers["Content-Language"] == "vi"
    assert vietnamese["violations"] == [
        {"field": "activities.0.budget_vnd", "rule": "not-negative", "message": "Kinh phí không được âm."},
        {"field": "activities.1.end_date", "rule": "date-order", "message": "Ngày kết thúc trước ngày bắt đầu."},
    ]
    assert count_plans(settings) == before


def test_malformed_json_is_400(client, tokens, settings):
    before = count_plans(settings)
    problem(_raw(client, tokens, '{"title": "Kế hoạch", '), 400, "malformed-json")
    assert count_plans(settings) == before


def test_a_2mb_body_is_413(client, tokens, body, settings):
    before = count_plans(settings)
    huge = json.dumps({**body, "summary": "Thông tin đối ngoại " * 110_000})
    assert len(huge.encode()) > 2_000_000
    problem(_raw(client, tokens, huge), 413, "payload-too-large")
    assert count_plans(settings) == before


def test_a_bad_put_changes_nothing(client, tokens, body):
    plan = create(client, tokens, body).json
    url = f"/plans/{plan['id']}"
    bad = {**body, "activities": [{**body["activities"][0], "category": "karaoke"}]}
    document = problem(
        client.put(url, json=bad, headers={**tokens("drafter.cb"), "If-Match": f'"{plan["id"]}-r1"'}),
        422,
        "validation-error",
    )
    assert document["errors"] == {"activities": {"0": {"category": ["Not a category of the catalogue."]}}}
    assert client.get(url, headers=tokens("drafter.cb")).json == plan


def test_unknown_plan_and_method(client, tokens):
    problem(client.get("/plans/3f0e1b9c-0000-4000-8000-000000000000", headers=tokens("admin")), 404, "not-found")
    problem(client.delete("/plans", headers=tokens("admin")), 405, "method-not-allowed")


def test_openapi_document_is_generated_from_the_schemas(client):
    document = client.get("/openapi.json").json
    validate(document)
    assert {
        "/plans",
        "/plans/{plan_id}",
        "/plans/{plan_id}/submit",
        "/plans/{plan_id}/withdraw",
        "/plans/{plan_id}/versions",
        "/plans/{plan_id}/versions/{number}",
        "/plans/{plan_id}/timeline",
    } <= set(document["paths"])
    body_schema = document["components"]["schemas"]["PlanBody"]
    assert body_schema["additionalProperties"] is False and "title" in body_schema["required"]


def test_health_and_readiness_name_each_dependency(client):
    assert client.get("/healthz").json == {"status": "ok", "service": "plans"}
    ready = client.get("/readyz")  # these tests give the service no broker
    assert ready.status_code == 503
    assert ready.json["checks"] == {"database": "ok", "broker": "failing", "jwks": "ok"}


def test_the_catalogue_offers_what_the_rules_accept(client, tokens):  # type: ignore[no-untyped-def]
    response = client.get("/plans/catalogue", headers=tokens("drafter.cb"))
    assert response.status_code == 200
    catalogue = response.get_json()
    assert catalogue["categories"]["training"] == {"vi": "Tập huấn, bồi dưỡng", "en": "Training"}
    assert set(catalogue["plan_types"]) == {"annual", "multi_year", "thematic"}
    assert catalogue["budget_sources"]["provincial"]["vi"] == "Ngân sách tỉnh"
    assert {"lượt phóng viên", "tin, bài", "cụm"} <= set(catalogue["indicator_units"])
    assert client.get("/plans/catalogue").status_code == 401


# -- hostile input (issue 12: items 5 and 10)
@pytest.mark.parametrize("payload", sorted(HOSTILE_JSON))
def test_hostile_json_is_a_400_on_every_write_endpoint_and_writes_nothing(client, tokens, body, settings, payload):
    plan = create(client, tokens, body).json
    url = f"/plans/{plan['id']}"
    before = count_plans(settings)
    headers = {**tokens("drafter.cb"), "Content-Type": "application/json", "If-Match": f'"{plan["id"]}-r1"'}
    for method, path in (("POST", "/plans"), ("PUT", url), ("POST", f"{url}/submit"), ("POST", f"{url}/withdraw")):
        response = client.open(path, method=method, data=HOSTILE_JSON[payload], headers=headers)
        assert response.status_code == 400 and response.mimetype == "application/problem+json", (method, path)
        assert response.json["type"] == "urn:ttdn:problem:malformed-json"
    assert count_plans(settings) == before
    assert client.get(url, headers=tokens("drafter.cb")).json == plan


@pytest.mark.parametrize("kind", sorted(HOSTILE_TEXT))
def test_text_fields_refuse_control_bidi_and_invisible_characters(client, tokens, body, settings, kind):
    text = HOSTILE_TEXT[kind]
    before = count_plans(settings)
    bad = {
        **body,
        "title": text,
        "activities": [{**body["activities"][0], "title": text}],
        "recipients": ["UBND tỉnh Cao Bằng", text],
    }
    document = problem(client.post("/plans", json=bad, headers=tokens("drafter.cb")), 422, "validation-error")
    assert set(document["errors"]) == {"title", "activities", "recipients"}
    assert "title" in document["errors"]["activities"]["0"] and "1" in document["errors"]["recipients"]
    assert count_plans(settings) == before


def test_an_edit_must_name_the_etag_it_read(client, tokens, body):
    plan = create(client, tokens, body).json
    url = f"/plans/{plan['id']}"
    edited = {**body, "summary": "Bản sửa không nói đã đọc phiên bản nào."}
    problem(
        client.put(url, json=edited, headers={**tokens("drafter.cb"), "If-Match": "*"}), 428, "precondition-required"
    )
    assert client.get(url, headers=tokens("drafter.cb")).json == plan


def test_a_text_plain_body_is_415(client, tokens, body, settings):
    plan = create(client, tokens, body).json
    before = count_plans(settings)
    sent = json.dumps(body)
    problem(_raw(client, tokens, sent, "text/plain"), 415, "unsupported-media-type")
    put = client.put(
        f"/plans/{plan['id']}",
        data=sent,
        headers={**tokens("drafter.cb"), "Content-Type": "text/plain", "If-Match": f'"{plan["id"]}-r1"'},
    )
    problem(put, 415, "unsupported-media-type")
    assert count_plans(settings) == before


def test_the_catalogue_does_not_advertise_put(client, tokens):
    allowed = client.open("/plans/catalogue", method="OPTIONS", headers=tokens("drafter.cb")).headers["Allow"]
    assert "PUT" not in allowed and "GET" in allowed
    problem(client.put("/plans/catalogue", json={}, headers=tokens("drafter.cb")), 405, "method-not-allowed")


def test_the_document_names_the_precondition_and_not_found_answers(client):
    paths = client.get("/openapi.json").json["paths"]
    for path, method in (
        ("/plans/{plan_id}", "put"),
        ("/plans/{plan_id}/submit", "post"),
        ("/plans/{plan_id}/withdraw", "post"),
    ):
        assert {"412", "428"} <= set(paths[path][method]["responses"]), (path, method)
    assert "404" in paths["/plans/{plan_id}"]["get"]["responses"]


# -- what the web interface shows, said by the API
def test_list_items_carry_the_open_tasks_due_date_and_an_issued_plan_its_body_and_signer(app, client, tokens, body):
    from plans.entrypoints.consumer import build_consumer

    from tests.integration.plans.test_plans_events import approval_events

    plan_id = create(client, tokens, body).json["id"]
    assert client.post(f"/plans/{plan_id}/submit", headers=tokens("drafter.cb")).status_code == 200
    # The approvals service's events, through the consumer's own inbox and handler (no broker needed here).
    consumer = build_consumer(app.extensions["settings"], app.extensions["plans_db"], app.extensions["plans"])
    events = approval_events(plan_id)
    assert consumer.process(events[0].to_json().encode(), {}) == "handled"  # level 1 opens

    listed = client.get("/plans?status=submitted&limit=100", headers=tokens("drafter.cb")).json["items"]
    item = next(item for item in listed if item["id"] == plan_id)
    assert item["due_at"] == events[0].data["due_at"]
    plan = client.get(f"/plans/{plan_id}", headers=tokens("drafter.cb")).json
    assert (plan["due_at"], plan["editable"], plan["issuing_body"], plan["signer"]) == (
        events[0].data["due_at"],
        False,
        None,
        None,
    )

    for event in events[1:]:
        assert consumer.process(event.to_json().encode(), {}) == "handled"
    plan = client.get(f"/plans/{plan_id}", headers=tokens("drafter.cb")).json
    assert plan["status"] == "approved" and plan["due_at"] is None
    assert plan["issuing_body"] == {
        "code": "ubnd-cao-bang",
        "name": "Ủy ban nhân dân tỉnh Cao Bằng",
        "parent": None,
        "place": "Cao Bằng",
        "signing_level": 2,
    }
    # The provincial committee's approver, named as the identity provider's directory names them.
    assert plan["signer"] == {"username": "province.cb", "name": "Bế Đức Thắng", "level": 2}


def test_the_catalogue_lists_the_fields_of_a_plans_content(client, tokens):
    fields = client.get("/plans/catalogue", headers=tokens("drafter.cb")).json["content_fields"]
    assert {"title", "year", "summary", "activities", "legal_bases", "recipients"} <= set(fields["plan"])
    assert {"id", "title", "budget_vnd", "budget_source", "indicators"} <= set(fields["activity"])
    # content model v2: an indicator may name its code in the indicator catalogue
    assert set(fields["indicator"]) == {"code", "name", "unit", "target"}


def test_a_submission_carries_the_drafters_reply_and_answers_in_the_callers_language(client, tokens, body, settings):
    plan = create(client, tokens, body).json
    reply = "Đã bổ sung ấn phẩm song ngữ và giảm kinh phí tập huấn như ý kiến của Ủy ban."
    submitted = client.post(f"/plans/{plan['id']}/submit", json={"reply": reply}, headers=tokens("drafter.cb"))
    assert submitted.status_code == 200, submitted.json
    (version,) = client.get(f"/plans/{plan['id']}/versions", headers=tokens("drafter.cb")).json["items"]
    assert version["reply"] == reply
    # People by full name, family name first, with their position (the directory's `position`).
    assert version["submitted_by_name"] == "Nông Thị Hoa, Chuyên viên"
    timeline = client.get(f"/plans/{plan['id']}/timeline", headers=tokens("drafter.cb")).json["items"]
    (entry,) = [e for e in timeline if e["kind"] == "submitted"]
    assert entry["details"]["reply"] == reply and entry["actor_name"] == "Nông Thị Hoa, Chuyên viên"
    # plan.submitted takes the reply to the approvals service (an additive field).
    with create_engine(settings.database_url).connect() as connection:
        payloads = connection.execute(
            text("SELECT payload FROM outbox WHERE routing_key = 'plan.submitted' AND aggregate_id = :id"),
            {"id": f"plans/{plan['id']}"},
        ).scalars()
        (event,) = [json.loads(payload) for payload in payloads]
    assert event["data"]["reply"] == reply
    assert event["data"]["reply_activity_id"] == ""
    assert event["data"]["activity_ids"] == [activity["id"] for activity in plan["activities"]]
    # A second submission is refused in the caller's language: Accept-Language first …
    again = client.post(f"/plans/{plan['id']}/submit", headers={**tokens("drafter.cb"), "Accept-Language": "vi"})
    assert again.status_code == 409 and again.headers["Content-Language"] == "vi"
    assert again.json["detail"] == "Không thể trình duyệt kế hoạch đang ở trạng thái “Đang trình duyệt”."
    # … so English when it asks for English (its token's locale claim, vi, decides only without one).
    english = client.post(f"/plans/{plan['id']}/submit", headers={**tokens("drafter.cb"), "Accept-Language": "en"})
    assert english.json["detail"] == "Cannot submit a plan in status 'submitted'."
    # Field errors too: marshmallow's own messages in Vietnamese.
    bad = client.post(
        "/plans", json={**body, "title": "", "year": "x"}, headers={**tokens("drafter.cb"), "Accept-Language": "vi"}
    )
    assert bad.status_code == 422
    assert bad.json["errors"]["year"] == ["Cần nhập một số nguyên."]


def test_a_reply_may_name_one_activity_of_its_version(client, tokens, body, settings):
    plan = create(client, tokens, body).json
    activity = plan["activities"][1]["id"]
    url, vi = f"/plans/{plan['id']}/submit", {**tokens("drafter.cb"), "Accept-Language": "vi"}
    reply = "Đã giảm kinh phí tập huấn theo ý kiến của Sở."
    unknown = client.post(url, json={"reply": reply, "activity_id": "khong-co"}, headers=vi)
    assert problem(unknown, 422, "validation-error")["errors"] == {
        "activity_id": ["không phải là một hoạt động của phiên bản này"]
    }
    alone = client.post(url, json={"activity_id": activity}, headers=vi)
    assert list(problem(alone, 422, "validation-error")["errors"]) == ["activity_id"]
    assert client.get(f"/plans/{plan['id']}", headers=tokens("drafter.cb")).json["status"] == "draft"
    submitted = client.post(url, json={"reply": reply, "activity_id": activity}, headers=tokens("drafter.cb"))
    assert submitted.status_code == 200, submitted.json
    (version,) = client.get(f"/plans/{plan['id']}/versions", headers=tokens("drafter.cb")).json["items"]
    assert (version["reply"], version["reply_activity_id"]) == (reply, activity)
    timeline = client.get(f"/plans/{plan['id']}/timeline", headers=tokens("drafter.cb")).json["items"]
    assert [e["details"]["reply_activity_id"] for e in timeline if e["kind"] == "submitted"] == [activity]
    with create_engine(settings.database_url).connect() as connection:
        (payload,) = connection.execute(
            text("SELECT payload FROM outbox WHERE routing_key = 'plan.submitted' AND aggregate_id = :id"),
            {"id": f"plans/{plan['id']}"},
        ).scalars()
    assert json.loads(payload)["data"]["reply_activity_id"] == activity
