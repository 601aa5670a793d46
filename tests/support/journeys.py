"""What people do with the suite, through the gateway, as a client would."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], *, timeout: float = 20.0, what: str = "a condition") -> T:
    """Poll ``probe`` until it returns something truthy (events travel asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


class Person:
    """One user of the suite with their own token."""

    def __init__(self, api: str, username: str, session: requests.Session) -> None:
        self.api = api
        self.username = username
        self.http = session

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.api + path, timeout=10, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.post(self.api + path, timeout=10, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.put(self.api + path, timeout=10, **kwargs)

    # -- drafters
    def create_plan(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.post("/plans", json=body)
        assert response.status_code == 201, response.text
        return response.json() | {"etag": response.headers["ETag"]}

    def submit(self, plan_id: str) -> dict[str, Any]:
        response = self.post(f"/plans/{plan_id}/submit")
        assert response.status_code == 200, response.text
        return response.json()

    def plan(self, plan_id: str) -> dict[str, Any]:
        response = self.get(f"/plans/{plan_id}")
        assert response.status_code == 200, response.text
        return response.json() | {"etag": response.headers["ETag"]}

    def wait_for_status(self, plan_id: str, status: str, timeout: float = 20.0) -> dict[str, Any]:
        return eventually(
            lambda: (plan := self.plan(plan_id))["status"] == status and plan,
            timeout=timeout,
            what=f"plan {plan_id} to be {status}",
        )

    def timeline(self, plan_id: str) -> list[dict[str, Any]]:
        response = self.get(f"/plans/{plan_id}/timeline")
        assert response.status_code == 200, response.text
        return response.json()["items"]

    # -- approvers
    def tasks(self, **params: Any) -> list[dict[str, Any]]:
        response = self.get("/approvals/tasks", params={"limit": 200, **params})
        assert response.status_code == 200, response.text
        return response.json()["items"]

    def wait_for_task(self, plan_id: str, level: int, version: int = 1, timeout: float = 20.0) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            for task in self.tasks():
                if task["plan_id"] == plan_id and task["level"] == level and task["version"] == version:
                    return task
            return None

        return eventually(probe, timeout=timeout, what=f"{self.username}'s level-{level} task on {plan_id}")

    def decide(self, task_id: str, decision: str, comment: str = "") -> requests.Response:
        return self.post(f"/approvals/tasks/{task_id}/decision", json={"decision": decision, "comment": comment})

    def approve_level(self, plan_id: str, level: int, version: int = 1, comment: str = "Đồng ý") -> dict[str, Any]:
        task = self.wait_for_task(plan_id, level, version)
        response = self.decide(task["id"], "approve", comment)
        assert response.status_code == 201, response.text
        return task

    # -- everyone
    def inbox(self) -> list[dict[str, Any]]:
        response = self.get("/notifications", params={"limit": 100})
        assert response.status_code == 200, response.text
        return response.json()["items"]

    def wait_for_message(self, predicate: Callable[[dict[str, Any]], bool], what: str, timeout: float = 20.0) -> dict:
        return eventually(
            lambda: next((m for m in self.inbox() if predicate(m)), None),
            timeout=timeout,
            what=f"{self.username}: {what}",
        )


def plan_body(template: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(template)
    body.update(changes)
    return body
