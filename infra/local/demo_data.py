"""Sample plans for a running suite, made as people would make them.

One plan per sample province (the bodies in ``sample_plans.py`` beside this
script), created and submitted by its drafter through the gateway,
then carried by the real approvers to varied states: Cao Bằng 2024 approved
with its number, Bắc Kạn 2020 at the provincial committee, Kon Tum 2023 at
the ministry, Lạng Sơn 2018 returned with a comment, Quảng Bình 2017 waiting
for its department, and a Cao Bằng 2025 draft. Every step goes through the
services' own use cases, so plans, approvals and notifications agree.

Does nothing when the Cao Bằng drafter already sees plans.

    python infra/local/demo_data.py [--gateway http://localhost:8000] [--keycloak http://localhost:8080]
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import requests
from keycloak import KeycloakOpenID
from sample_plans import (  # beside this script
    BAC_KAN_2020,
    CAO_BANG_2024,
    CAO_BANG_2024_REPORT,
    CAO_BANG_2025_BAN_GIOC,
    HISTORY,
    KON_TUM_2023,
    LANG_SON_2018,
    QUANG_BINH_2017,
    REPORT_HISTORY,
    history_report_body,
    report_edit,
)

PASSWORD = "ttdn2024"
APPROVERS = {1: "dept.{p}", 2: "province.{p}", 3: "ministry.1"}
RETURN_COMMENT = "Đề nghị bổ sung số liệu đợt tập huấn và kinh phí hội nghị báo cáo viên trước khi trình ban hành."

# (province, body, approving levels, last decision) — last decision None leaves the plan waiting.
JOURNEYS: list[tuple[str, dict[str, Any], int, str | None]] = [
    ("cb", CAO_BANG_2024, 3, "approve"),
    ("bk", BAC_KAN_2020, 1, None),
    ("kt", KON_TUM_2023, 2, None),
    ("ls", LANG_SON_2018, 1, "return"),
    ("qb", QUANG_BINH_2017, 0, None),
]


class Client:
    def __init__(self, gateway: str, keycloak: str, username: str) -> None:
        openid = KeycloakOpenID(server_url=keycloak, realm_name="ttdn", client_id="ttdn-cli")
        self.api = gateway.rstrip("/") + "/api/v1"
        self.http = requests.Session()
        self.http.headers["Authorization"] = "Bearer " + openid.token(username, PASSWORD)["access_token"]

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, self.api + path, timeout=15, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    def task_for(self, plan_id: str, level: int, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for task in self.call("GET", "/approvals/tasks", params={"limit": 200})["items"]:
                if task["plan_id"] == plan_id and task["level"] == level:
                    return task
            time.sleep(0.2)
        raise RuntimeError(f"no level-{level} task for plan {plan_id} after {timeout}s")


def load(gateway: str, keycloak: str) -> int:
    if Client(gateway, keycloak, "drafter.cb").call("GET", "/plans", params={"limit": 1})["items"]:
        print("sample plans already present; nothing loaded")
        return 0
    for province, body, approving_levels, last in JOURNEYS:
        drafter = Client(gateway, keycloak, f"drafter.{province}")
        plan = drafter.call("POST", "/plans", json=body)
        drafter.call("POST", f"/plans/{plan['id']}/submit")
        levels = approving_levels + (1 if last == "return" else 0)
        for level in range(1, levels + 1):
            approver = Client(gateway, keycloak, APPROVERS[level].format(p=province))
            task = approver.task_for(plan["id"], level)
            returning = last == "return" and level == levels
            decision = {"decision": "return", "comment": RETURN_COMMENT} if returning else {"decision": "approve"}
            approver.call("POST", f"/approvals/tasks/{task['id']}/decision", json=decision)
        print(f"  {body['title'][:70]} ({province.upper()}): {describe(approving_levels, last)}", flush=True)
    admin = Client(gateway, keycloak, "admin")
    imported = {}
    for item in HISTORY:  # the seeds' issued documents, imported as history with their real numbers
        imported[item["content"]["title"]] = admin.call("POST", "/plans/import", json=item)
        number = item["document_number"] or "unnumbered " + item["content"]["title"][:50]
        print(f"  {number} of {item['issued_on']}: imported as history", flush=True)
    for item in REPORT_HISTORY:  # and their reports, on the plans just imported
        plan = imported[item["plan_title"]]
        body = {
            "kind": "report",
            "content": history_report_body(plan["id"], plan["activities"], item["sample"]),
            **{key: item[key] for key in ("document_number", "issued_on", "issuer")},
        }
        report = admin.call("POST", "/plans/import", json=body)
        print(f"  {report['title'][:70]}: imported as history on {plan['title'][:40]}", flush=True)
    draft = Client(gateway, keycloak, "drafter.cb").call("POST", "/plans", json=CAO_BANG_2025_BAN_GIOC)
    print(f"  {draft['title'][:70]} (CB): draft")
    load_report(gateway, keycloak)
    return 0


def load_report(gateway: str, keycloak: str, timeout: float = 30.0) -> None:
    """Cao Bằng's 2024 year-end report on its approved plan, with the seed's figures, submitted up the
    report chain; where the approvals service offers that chain, its department and provincial
    committee approve it (NN/BC-UBND)."""
    drafter = Client(gateway, keycloak, "drafter.cb")
    deadline = time.monotonic() + timeout
    plan = None
    while plan is None and time.monotonic() < deadline:
        approved = drafter.call("GET", "/plans", params={"status": "approved", "year": 2024, "limit": 50})["items"]
        plan = next((item for item in approved if item["title"] == CAO_BANG_2024["title"]), None)
        time.sleep(0.2)
    if plan is None:
        print("  the Cao Bằng 2024 plan is not approved yet: no report loaded")
        return
    report = drafter.call("POST", "/reports", json={"plan_id": plan["id"], "kind": "annual"})
    response = drafter.http.get(f"{drafter.api}/reports/{report['id']}", timeout=15)
    drafter.call(
        "PUT",
        f"/reports/{report['id']}",
        json=report_edit(response.json(), CAO_BANG_2024_REPORT),
        headers={"If-Match": response.headers["ETag"]},
    )
    drafter.call("POST", f"/reports/{report['id']}/submit")
    try:
        for level in (1, 2):
            approver = Client(gateway, keycloak, APPROVERS[level].format(p="cb"))
            task = approver.task_for(report["id"], level, timeout=15)
            approver.call("POST", f"/approvals/tasks/{task['id']}/decision", json={"decision": "approve"})
    except RuntimeError:
        print(f"  {report['title'][:70]} (CB): submitted (no report chain answered)")
        return
    print(f"  {report['title'][:70]} (CB): issued by the provincial committee (the number follows in a moment)")


def describe(levels: int, last: str | None) -> str:
    if last == "approve":
        return "approved (the number follows in a moment)"
    if last == "return":
        return "returned by the provincial committee"
    return ("waiting for the department", "at the provincial committee", "at the ministry")[levels]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", default="http://localhost:8000")
    parser.add_argument("--keycloak", default="http://localhost:8080")
    args = parser.parse_args()
    print("loading sample plans through the gateway")
    return load(args.gateway, args.keycloak)


if __name__ == "__main__":
    sys.exit(main())
