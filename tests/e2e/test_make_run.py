"""`make run` as a newcomer meets it: the whole suite on embedded defaults
(SQLite files, the development identity provider), sample plans made through
the gateway by the demo people, and one clear line when no broker answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from keycloak import KeycloakOpenID

from tests.conftest import create_vhost, delete_vhost
from tests.support.stack import ROOT, free_port

RUN = [sys.executable, str(ROOT / "infra" / "local" / "run.py")]


def test_without_a_broker_it_says_how_to_start_one() -> None:
    env = {**os.environ, "AMQP_URL": f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F"}
    result = subprocess.run(RUN, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "rabbitmq-server -detached" in lines[0], result.stderr


def test_make_run_starts_the_suite_with_sample_plans(tmp_path: Path) -> None:
    vhost, amqp_url = create_vhost("ttdn-make-run")
    ports: dict[str, int] = {}
    for name in ("GATEWAY", "PLANS", "APPROVALS", "NOTIFICATIONS", "DEVIDP", "SMTP"):
        ports[name] = next(port for port in iter(free_port, None) if port not in ports.values())
    env = {
        **os.environ,
        **{f"{name}_PORT": str(port) for name, port in ports.items()},
        **{f"{name}_DATABASE_URL": f"sqlite:///{tmp_path}/{name.lower()}.db" for name in ("PLANS", "APPROVALS",
                                                                                         "NOTIFICATIONS", "GATEWAY")},
        "AMQP_URL": amqp_url,
        "KEYCLOAK_URL": f"http://localhost:{ports['DEVIDP']}",
        "VAR_DIR": str(tmp_path),
        "DEVIDP_KEY_FILE": str(tmp_path / "devidp-keys.json"),
    }  # fmt: skip
    log_path = tmp_path / "make-run.log"
    output = open(log_path, "w")  # noqa: SIM115 - the children write it; we read it by path

    suite = subprocess.Popen(RUN, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    gateway = f"http://127.0.0.1:{ports['GATEWAY']}/api/v1"
    try:
        token = None
        deadline = time.monotonic() + 150
        approved = None
        while time.monotonic() < deadline and suite.poll() is None:
            try:
                token = (
                    token
                    or KeycloakOpenID(
                        server_url=f"http://localhost:{ports['DEVIDP']}", realm_name="ttdn", client_id="ttdn-cli"
                    ).token("drafter.cb", "ttdn2024")["access_token"]
                )
                plans = requests.get(gateway + "/plans", headers={"Authorization": f"Bearer {token}"}, timeout=5)
                approved = next((p for p in plans.json()["items"] if p["status"] == "approved"), None)
            except (requests.RequestException, ValueError, KeyError, Exception):
                approved = None
            if approved and "(CB): draft" in log_path.read_text(encoding="utf-8"):  # every sample plan made
                break
            time.sleep(1)
        log = log_path.read_text(encoding="utf-8")
        assert approved is not None, log[-4000:]
        assert approved["document_number"] == "01/KH-UBND"
        assert "Demo logins" in log and "drafter.cb" in log and f":{ports['GATEWAY']}/api/v1" in log
        assert "returned by the provincial committee" in log
    finally:
        os.killpg(suite.pid, signal.SIGINT)
        try:
            suite.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(suite.pid, signal.SIGKILL)
        delete_vhost(vhost)
