"""`make run`: the whole suite on this machine, on embedded defaults.

Checks the broker, migrates every service, loads the sample plans into an
empty database, prints the URLs and demo logins, then hands over to honcho,
which runs infra/Procfile until Ctrl-C.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests
from servicekit.broker import broker_reachable

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var"
PROCFILE = ROOT / "infra" / "Procfile"

DEFAULTS = {
    "BIND_HOST": "127.0.0.1",
    "VAR_DIR": str(VAR),
    "AMQP_URL": "amqp://guest:guest@localhost:5672/%2F",
    "KEYCLOAK_URL": "http://localhost:8080",
    "DEVIDP_PORT": "8080",
    "DEVIDP_KEY_FILE": str(VAR / "devidp-keys.json"),
    "GATEWAY_PORT": "8000",
    "PLANS_PORT": "8001",
    "APPROVALS_PORT": "8002",
    "NOTIFICATIONS_PORT": "8003",
    "PLANS_DATABASE_URL": f"sqlite:///{VAR}/plans.db",
    "APPROVALS_DATABASE_URL": f"sqlite:///{VAR}/approvals.db",
    "NOTIFICATIONS_DATABASE_URL": f"sqlite:///{VAR}/notifications.db",
    "GATEWAY_DATABASE_URL": f"sqlite:///{VAR}/gateway.db",
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": "1025",
    "WEBHOOK_ALLOWED_HOSTS": "",
    "LOG_FORMAT": "text",
    # Issued documents are signed with a development CA made under var/pki on first start
    # (FOR DEVELOPMENT ONLY; a deployment sets DOCUMENT_PKCS11_* for its HSM instead).
    "DOCUMENT_PKI_DIR": str(VAR / "pki"),
    "DOCUMENT_DEVELOPMENT_PKI": "true",
}

DEMO_LOGINS = """\
Demo logins (password for every one: ttdn2024)
  drafters               drafter.cb  drafter.bk  drafter.kt  drafter.ls  drafter.qb  drafter2.cb
  department approvers   dept.cb  dept.bk  dept.kt  dept.ls  dept.qb
  provincial approvers   province.cb  province.bk  province.kt  province.ls  province.qb
  ministry approvers     ministry.1  ministry.2
  administrator          admin
  drafter + approver     dual.cb   (for separation-of-duties checks)
  integrator client      ttdn-integrator-dashboard / dashboard-secret (client credentials)"""


def environment() -> dict[str, str]:
    env = {**DEFAULTS, **os.environ}
    env.setdefault("PUBLIC_URL", f"http://localhost:{env['GATEWAY_PORT']}")
    env["PLANS_URL"] = env.get("PLANS_URL", f"http://127.0.0.1:{env['PLANS_PORT']}")
    env["APPROVALS_URL"] = env.get("APPROVALS_URL", f"http://127.0.0.1:{env['APPROVALS_PORT']}")
    env["NOTIFICATIONS_URL"] = env.get("NOTIFICATIONS_URL", f"http://127.0.0.1:{env['NOTIFICATIONS_PORT']}")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def uses_devidp(env: dict[str, str]) -> bool:
    return (
        "KEYCLOAK_URL" not in os.environ or env["KEYCLOAK_URL"].rstrip("/") == f"http://localhost:{env['DEVIDP_PORT']}"
    )


def procfile_names() -> list[str]:
    names = []
    for line in PROCFILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and ":" in line:
            names.append(line.split(":", 1)[0].strip())
    return names


def wait_for(url: str, suite: subprocess.Popen, timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and suite.poll() is None:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False


def main() -> int:
    env = environment()
    VAR.mkdir(exist_ok=True)
    if not broker_reachable(env["AMQP_URL"]):
        print(
            f"No RabbitMQ answers at {env['AMQP_URL']}: start one with `rabbitmq-server -detached` "
            "(or `make up` for the compose stack), or set AMQP_URL.",
            file=sys.stderr,
        )
        return 1
    for service in ("plans", "approvals", "notifications", "gateway"):
        database = env[f"{service.upper()}_DATABASE_URL"]
        subprocess.run([f"ttdn-{service}", "migrate"], env={**env, "DATABASE_URL": database}, check=True, cwd=ROOT)

    development_pki = env.get("DOCUMENT_DEVELOPMENT_PKI", "").lower() in ("1", "true", "yes")
    if development_pki and not env.get("DOCUMENT_PKCS11_MODULE"):
        subprocess.run(
            ["ttdn-plans", "dev-pki", "--realm-file", str(ROOT / "infra" / "keycloak" / "realm-ttdn.json")],
            env={**env, "DATABASE_URL": env["PLANS_DATABASE_URL"]},
            check=True,
            cwd=ROOT,
        )

    names = [name for name in procfile_names() if name != "idp" or uses_devidp(env)]
    gateway = f"http://localhost:{env['GATEWAY_PORT']}"
    print(
        f"""
TTĐN Plan Approval Suite
  web interface      {gateway}/
  API                {gateway}/api/v1
  API documentation  {gateway}/api/v1/docs
  OpenAPI document   {gateway}/api/v1/openapi.json
  identity provider  {env["KEYCLOAK_URL"]}/realms/ttdn{"   (development identity provider)" if uses_devidp(env) else ""}
  services           plans {env["PLANS_URL"]}  approvals {env["APPROVALS_URL"]}
                     notifications {env["NOTIFICATIONS_URL"]}
  mail               SMTP {env["SMTP_HOST"]}:{env["SMTP_PORT"]}

{DEMO_LOGINS}

  token for scripts: curl -s -d grant_type=password -d client_id=ttdn-cli -d username=drafter.cb -d password=ttdn2024 \\
    {env["KEYCLOAK_URL"]}/realms/ttdn/protocol/openid-connect/token
""",
        flush=True,
    )
    suite = subprocess.Popen(
        ["honcho", "-f", str(PROCFILE), "-d", str(ROOT), "-e", "/dev/null", "start", *names], env=env
    )
    try:
        if wait_for(f"{gateway}/readyz", suite):
            # Sample plans made by the demo people through the gateway, once, on an empty suite.
            subprocess.run(
                [sys.executable, str(ROOT / "infra" / "local" / "demo_data.py"), "--gateway", gateway,
                 "--keycloak", env["KEYCLOAK_URL"]],
                env=env,
                check=False,
            )  # fmt: skip
        return suite.wait()
    except KeyboardInterrupt:  # Ctrl-C reaches honcho too; let it stop the processes
        return suite.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
