"""The whole suite as real processes, for end-to-end tests and benchmarks.

It starts the very processes of ``infra/Procfile`` (the same commands
``make run`` starts) with their own PostgreSQL databases, a throwaway
RabbitMQ virtual host and free ports, and drives them only over HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import requests
from keycloak import KeycloakOpenID

from tests.conftest import create_postgres_database, create_vhost, delete_vhost, drop_postgres_database

ROOT = Path(__file__).resolve().parents[2]
PROCFILE = ROOT / "infra" / "Procfile"
REALM_FILE = ROOT / "infra" / "keycloak" / "realm-ttdn.json"
PASSWORD = "ttdn2024"
SERVICES = ("plans", "approvals", "notifications", "gateway")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile() -> dict[str, str]:
    entries = {}
    for line in PROCFILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


class Stack:
    def __init__(
        self,
        workdir: Path,
        *,
        extra_env: dict[str, str] | None = None,
        process_env: dict[str, dict[str, str]] | None = None,
        processes: Iterable[str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.extra_env = extra_env or {}
        self.process_env = process_env or {}
        self.commands = procfile()
        self.names = list(processes) if processes is not None else list(self.commands)
        self.processes: dict[str, subprocess.Popen] = {}
        self.databases: dict[str, str] = {}
        self.vhost: str | None = None
        self.env: dict[str, str] = {}

    # -- lifecycle
    def start(self) -> Stack:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for service in SERVICES:
            self.databases[service] = create_postgres_database(f"ttdn_e2e_{service}")
        self.vhost, amqp_url = create_vhost("ttdn-e2e")
        ports = {name: free_port() for name in ("idp", "gateway", "plans", "approvals", "notifications")}
        idp = f"http://127.0.0.1:{ports['idp']}"
        bin_dir = str(Path(sys.executable).parent)
        realm_file = self.write_realm(f"http://127.0.0.1:{ports['gateway']}")
        self.env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "BIND_HOST": "127.0.0.1",
            "VAR_DIR": str(self.workdir),
            "AMQP_URL": amqp_url,
            "KEYCLOAK_URL": idp,
            "DEVIDP_HOST": "127.0.0.1",
            "DEVIDP_PORT": str(ports["idp"]),
            "DEVIDP_KEY_FILE": str(self.workdir / "devidp-keys.json"),
            "DEVIDP_REALM_FILE": str(realm_file),
            "GATEWAY_PORT": str(ports["gateway"]),
            "PLANS_PORT": str(ports["plans"]),
            "APPROVALS_PORT": str(ports["approvals"]),
            "NOTIFICATIONS_PORT": str(ports["notifications"]),
            "PLANS_URL": f"http://127.0.0.1:{ports['plans']}",
            "APPROVALS_URL": f"http://127.0.0.1:{ports['approvals']}",
            "NOTIFICATIONS_URL": f"http://127.0.0.1:{ports['notifications']}",
            "PUBLIC_URL": f"http://127.0.0.1:{ports['gateway']}",
            "LOG_FORMAT": "json",
            "WEB_CONCURRENCY": "2",
            # The renderer signs with a development CA of this run's own (FOR DEVELOPMENT ONLY).
            "DOCUMENT_PKI_DIR": str(self.workdir / "pki"),
            "DOCUMENT_DEVELOPMENT_PKI": "true",
            "RENDERER_POLL_SECONDS": "0.5",
            **{f"{service.upper()}_DATABASE_URL": url for service, url in self.databases.items()},
            **self.extra_env,
        }
        self.ports = ports
        for service in SERVICES:
            self._run([f"ttdn-{service}", "migrate"], {"DATABASE_URL": self.databases[service]})
        for name in self.names:
            self.start_process(name)
        self.wait_healthy()
        return self

    def write_realm(self, gateway_url: str) -> Path:
        """The realm as Keycloak imports it, plus this run's gateway as a browser redirect target."""
        realm = json.loads(REALM_FILE.read_text(encoding="utf-8"))
        for client in realm.get("clients", []):
            if client.get("clientId") == "ttdn-web":
                client["redirectUris"] = [*client.get("redirectUris", []), f"{gateway_url}/*"]
                client["webOrigins"] = [*client.get("webOrigins", []), gateway_url]
                client.setdefault("attributes", {})["post.logout.redirect.uris"] = f"{gateway_url}/*"
        path = self.workdir / "realm-ttdn.json"
        path.write_text(json.dumps(realm, ensure_ascii=False), encoding="utf-8")
        return path

    def _run(self, argv: list[str], env: dict[str, str]) -> None:
        result = subprocess.run(argv, env={**self.env, **env}, cwd=ROOT, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")

    def start_process(self, name: str) -> None:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.processes[name] = subprocess.Popen(
            ["sh", "-c", f"exec {self.commands[name]}"],
            env={**self.env, **self.process_env.get(name, {})},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop_process(self, name: str, *, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def restart_process(self, name: str, env: dict[str, str] | None = None) -> None:
        """Stop a process gracefully and start it again, with ``env`` on top of its own (or as before)."""
        self.stop_process(name)
        if env is not None:
            self.process_env[name] = env
        self.start_process(name)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by each process of the suite, its children (gunicorn workers) included."""
        tick = os.sysconf("SC_CLK_TCK")
        groups = {process.pid: name for name, process in self.processes.items()}
        used = dict.fromkeys(self.processes, 0.0)
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            name = groups.get(int(fields[2]))  # the process group each started process leads
            if name is not None:
                used[name] += (int(fields[11]) + int(fields[12])) / tick
        return used

    def kill_process(self, name: str) -> None:
        self.stop_process(name, sig=signal.SIGKILL)

    def close(self) -> None:
        for name in list(self.processes):
            self.stop_process(name)
        for url in self.databases.values():
            drop_postgres_database(url)
        if self.vhost:
            delete_vhost(self.vhost)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reaching it
    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def api(self) -> str:
        return self.url("gateway") + "/api/v1"

    @property
    def idp(self) -> str:
        return self.url("idp")

    def wait_healthy(self, timeout: float = 60) -> None:
        checks = {
            "idp": self.url("idp") + "/realms/ttdn/.well-known/openid-configuration",
            "plans": self.url("plans") + "/healthz",
            "approvals": self.url("approvals") + "/healthz",
            "notifications": self.url("notifications") + "/healthz",
            "gateway": self.url("gateway") + "/healthz",
        }
        deadline = time.monotonic() + timeout
        for name, url in checks.items():
            if name not in self.names:
                continue
            while True:
                dead = [n for n, p in self.processes.items() if p.poll() is not None]
                if dead:
                    raise RuntimeError(f"processes exited: {dead}\n{self.logs(dead[0])[-3000:]}")
                try:
                    if requests.get(url, timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not become healthy\n{self.logs(name)[-3000:]}")
                time.sleep(0.1)

    def logs(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def openid(self, client_id: str = "ttdn-cli", secret: str | None = None) -> KeycloakOpenID:
        return KeycloakOpenID(server_url=self.idp, realm_name="ttdn", client_id=client_id, client_secret_key=secret)

    def token(self, username: str) -> str:
        return self.openid().token(username, PASSWORD)["access_token"]

    def session(self, username: str) -> requests.Session:
        """An HTTP client for one person, with a token obtained as a client would (python-keycloak)."""
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token(username)}"
        return session

    def integrator_session(self) -> requests.Session:
        token = self.openid("ttdn-integrator-dashboard", "dashboard-secret").token(grant_type="client_credentials")
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token['access_token']}"
        return session
