"""The whole suite as real processes, for end-to-end tests and benchmarks.

It starts the very processes of ``infra/Procfile`` (the same commands
``make run`` starts) with their own PostgreSQL databases, a throwaway
RabbitMQ virtual host and free ports, and drives them only over HTTP.

Any process can run several times (``replicas``), as replicas of one
Deployment would: ``plans`` and ``plans.2`` run the same command on the same
database and queues; each HTTP replica listens on a port of its own, and the
gateway ``gateway.N`` calls the services' replicas ``.N`` where they exist.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from devidp.testing import free_port
from keycloak import KeycloakOpenID

from tests.conftest import create_postgres_database, create_vhost, delete_vhost, drop_postgres_database

ROOT = Path(__file__).resolve().parents[2]
PROCFILE = ROOT / "infra" / "Procfile"
REALM_FILE = ROOT / "infra" / "keycloak" / "realm-ttdn.json"
PASSWORD = "ttdn2024"
SERVICES = ("plans", "approvals", "notifications", "gateway")
HTTP_PROCESSES = ("gateway", "plans", "approvals", "notifications")


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
        replicas: dict[str, int] | None = None,
        amqp_url: str | None = None,
    ) -> None:
        self.workdir = workdir
        self.extra_env = extra_env or {}
        self.process_env = process_env or {}
        self.commands = procfile()
        self.names = list(processes) if processes is not None else list(self.commands)
        self.replicas = replicas or {}
        # A broker of the caller's (a cluster's nodes); else a throwaway vhost on this machine's.
        self.amqp_url = amqp_url
        self.processes: dict[str, subprocess.Popen] = {}
        self.databases: dict[str, str] = {}
        self.vhost: str | None = None
        self.env: dict[str, str] = {}

    # -- lifecycle
    def start(self) -> Stack:
        """Prepare and launch; a start that fails stops what it started (a fixture whose setup
        raises is never torn down, and its processes would hold ports for the rest of the run)."""
        try:
            self.prepare()
            return self.launch()
        except BaseException:
            self.close()
            raise

    def prepare(self) -> None:
        """Databases, ports, environment and migrations: everything before the first process."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        # The throwaway vhost is made while the databases are created and migrated
        # (rabbitmqctl boots an Erlang VM per call: seconds each).
        with ThreadPoolExecutor(1) as pool:
            vhost = None if self.amqp_url is not None else pool.submit(create_vhost, "ttdn-e2e")
            try:
                self._prepare(self.amqp_url or "")
            finally:
                if vhost is not None:
                    self.vhost, amqp_url = vhost.result()  # kept for close() even when preparing failed
                    if not self.env.get("AMQP_URL"):  # unless extra_env named a broker of its own
                        self.env["AMQP_URL"] = amqp_url

    def _prepare(self, amqp_url: str) -> None:
        for service in SERVICES:
            self.databases[service] = create_postgres_database(f"ttdn_e2e_{service}")
        ports = {name: free_port() for name in ("idp", *HTTP_PROCESSES)}
        for name in HTTP_PROCESSES:
            for replica in self.instances(name)[1:]:
                ports[replica] = free_port()
        idp = f"http://127.0.0.1:{ports['idp']}"
        bin_dir = str(Path(sys.executable).parent)
        realm_file = self.write_realm(*(f"http://127.0.0.1:{ports[gateway]}" for gateway in self.instances("gateway")))
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
        self._migrate()

    def _migrate(self) -> None:
        """Every service's own ``migrate`` command on its database, all at once (each is a
        process that spends most of its time importing; the machine has cores to spare)."""
        migrations = {
            service: subprocess.Popen(
                [f"ttdn-{service}", "migrate"],
                env={**self.env, "DATABASE_URL": self.databases[service]},
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for service in SERVICES
        }
        failures = []
        for service, migration in migrations.items():
            try:
                output, _ = migration.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                migration.kill()
                output, _ = migration.communicate()
            if migration.returncode != 0:
                failures.append(f"ttdn-{service} migrate failed:\n{output}")
        if failures:
            raise RuntimeError("\n".join(failures))

    def launch(self) -> Stack:
        """Start every process (and its replicas) and wait until each answers."""
        for name in self.names:
            for instance in self.instances(name):
                self.start_process(instance)
        self.wait_healthy()
        return self

    def instances(self, name: str) -> list[str]:
        """The running copies of one Procfile process: ``name``, then ``name.2``, ``name.3``…"""
        return [name] + [f"{name}.{n}" for n in range(2, self.replicas.get(name, 1) + 1)]

    def instance_env(self, instance: str) -> dict[str, str]:
        """What differs between replicas of one process: its port, its own directory (gunicorn
        empties its metrics directory at start), and for a gateway the services it calls."""
        name, _, number = instance.partition(".")
        if not number:
            return {}
        env = {"VAR_DIR": str(self.workdir / instance)}
        if name in HTTP_PROCESSES:
            env[f"{name.upper()}_PORT"] = str(self.ports[instance])
        if name == "gateway":
            for service in ("plans", "approvals", "notifications"):
                if f"{service}.{number}" in self.ports:
                    env[f"{service.upper()}_URL"] = self.url(f"{service}.{number}")
        return env

    def write_realm(self, *gateway_urls: str) -> Path:
        """The realm as Keycloak imports it, plus this run's gateways as browser redirect targets."""
        realm = json.loads(REALM_FILE.read_text(encoding="utf-8"))
        for client in realm.get("clients", []):
            if client.get("clientId") == "ttdn-web":
                client["redirectUris"] = [*client.get("redirectUris", []), *(f"{url}/*" for url in gateway_urls)]
                client["webOrigins"] = [*client.get("webOrigins", []), *gateway_urls]
                client.setdefault("attributes", {})["post.logout.redirect.uris"] = "##".join(
                    f"{url}/*" for url in gateway_urls
                )
        path = self.workdir / "realm-ttdn.json"
        path.write_text(json.dumps(realm, ensure_ascii=False), encoding="utf-8")
        return path

    def start_process(self, name: str) -> None:
        """Start one process of the Procfile, or one replica of it (``gateway.2``)."""
        command = name.partition(".")[0]
        env = {**self.env, **self.instance_env(name), **self.process_env.get(command, {})}
        if name != command:
            Path(env["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
            env.update(self.process_env.get(name, {}))
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.processes[name] = subprocess.Popen(
            ["sh", "-c", f"exec {self.commands[command]}"],
            env=env,
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
        # Every process is told at once and given the same grace, as a pod's are: stopping
        # them one after the other would cost each one's shutdown in turn.
        processes = [p for p in self.processes.values() if p.poll() is None]
        self.processes.clear()
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
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
        checks = {"idp": self.url("idp") + "/realms/ttdn/.well-known/openid-configuration"}
        for name in ("plans", "approvals", "notifications", "gateway"):
            if name in self.names:
                checks.update({instance: self.url(instance) + "/healthz" for instance in self.instances(name)})
        deadline = time.monotonic() + timeout
        for name, url in checks.items():
            if name.partition(".")[0] not in self.names:
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

    def session(self, username: str, *, pool_maxsize: int = 32) -> requests.Session:
        """An HTTP client for one person, with a token obtained as a client would (python-keycloak)
        and obtained again before it expires, as a client would (people live for the whole session)."""
        session = self.http_client(
            TokenSession(lambda: self.openid().token(username, PASSWORD)), pool_maxsize=pool_maxsize
        )
        # Their tokens say locale vi; the end-to-end tests read the API's English problems.
        session.headers["Accept-Language"] = "en"
        return session

    def integrator_session(self) -> requests.Session:
        client = self.openid("ttdn-integrator-dashboard", "dashboard-secret")
        return self.http_client(TokenSession(lambda: client.token(grant_type="client_credentials")))

    def http_client(self, session: requests.Session | None = None, *, pool_maxsize: int = 32) -> requests.Session:
        """A client of the gateway that waits as asked while the services catch up (:class:`Patient`);
        with gateway replicas, each request goes to the next one."""
        session = session or requests.Session()
        gateways = [self.url(instance) for instance in self.instances("gateway")]
        adapter = RoundRobin(gateways) if len(gateways) > 1 else Patient(pool_maxsize=pool_maxsize)
        session.mount(gateways[0] + "/", adapter)
        return session


class TokenSession(requests.Session):
    """A session whose bearer token is obtained again a minute before it expires (the realm's
    tokens live five minutes; the shared stack's people live for the whole test session). The
    token stays in ``headers``, so a copy of them is a valid credential when it is taken."""

    def __init__(self, obtain: Callable[[], dict[str, Any]]) -> None:
        super().__init__()
        self._obtain = obtain
        self._renew_at = 0.0
        self._renew()

    def _renew(self) -> None:
        token = self._obtain()
        self.headers["Authorization"] = f"Bearer {token['access_token']}"
        self._renew_at = time.monotonic() + max(int(token.get("expires_in", 300)) - 60, 5)

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if time.monotonic() >= self._renew_at:
            self._renew()
        return super().request(*args, **kwargs)


CATCHING_UP = "urn:ttdn:problem:catching-up"


def catching_up(status: int, content_type: str | None, body: bytes) -> bool:
    """Whether an answer is a service's refusal while its consumers catch up (servicekit.backpressure):
    nothing was done, and the same request may be sent again after its ``Retry-After``."""
    if status != 503 or not (content_type or "").startswith("application/problem+json"):
        return False
    try:
        return json.loads(body).get("type") == CATCHING_UP
    except ValueError:
        return False


class Patient(requests.adapters.HTTPAdapter):
    """Sends a command again after the pause a service asks for while it catches up (``503`` with
    ``Retry-After``), as a well-behaved client does, for at most ``PATIENCE_SECONDS``; any other
    answer comes back as it came (a stopped service's ``503`` included)."""

    PATIENCE_SECONDS = 120.0

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        deadline = time.monotonic() + self.PATIENCE_SECONDS
        while True:
            response = super().send(request, **kwargs)
            if response.status_code != 503 or time.monotonic() > deadline:  # a body streamed stays unread
                return response
            if not catching_up(response.status_code, response.headers.get("Content-Type"), response.content):
                return response
            time.sleep(float(response.headers.get("Retry-After") or 1))


class RoundRobin(Patient):
    """Sends each request addressed to the first gateway to the next gateway in turn, as a
    load balancer in front of the replicas would."""

    def __init__(self, origins: list[str], **kwargs: Any) -> None:
        super().__init__(pool_maxsize=32, **kwargs)
        self.origins = origins
        self._turns = itertools.cycle(origins)
        self._lock = threading.Lock()

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:  # type: ignore[override]
        with self._lock:
            origin = next(self._turns)
        assert request.url is not None
        request.url = origin + request.url[len(self.origins[0]) :]
        return super().send(request, **kwargs)  # type: ignore[arg-type]
