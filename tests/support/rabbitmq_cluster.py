"""A RabbitMQ cluster of our own on spare loopback ports, for tests that lose a node.

Each node is this machine's rabbitmq-server run with its own node name, ports,
data and log directories, configuration and Erlang cookie (through ``HOME``),
so it never touches the machine's broker (``rabbit@…`` on 5672) nor its
files. The nodes find each other at boot through classic peer discovery (the
node list in their configuration, as the RabbitMQ Cluster Operator's nodes do
through Kubernetes): no ``rabbitmqctl join_cluster`` round, which costs a
stop, a join and a start of two nodes. Every node runs in a process group of
its own, and :meth:`close` kills them all and removes their directories.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pika
import pika.exceptions

from tests.support.stack import free_port

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"


def available() -> bool:
    return os.access(SERVER, os.X_OK) and os.access(CTL, os.X_OK)


class Node:
    def __init__(self, root: Path, name: str, cookie: str) -> None:
        self.name = name
        self.dir = root / name.split("@")[0]
        self.port = free_port()
        self.dist_port = free_port()
        self.cookie = cookie
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(self.dir / "home"),  # the cookie, for the server and for rabbitmqctl
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(self.dir / "rabbitmq-env.conf"),  # not the machine's
            "RABBITMQ_PID_FILE": str(self.dir / "pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def write_files(self, peers: list[str]) -> None:
        for sub in ("home", "mnesia", "log"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        cookie = self.dir / "home" / ".erlang.cookie"
        cookie.write_text(self.cookie, encoding="ascii")
        cookie.chmod(0o400)
        (self.dir / "enabled_plugins").write_text("[].\n", encoding="ascii")  # no management listener
        (self.dir / "rabbitmq-env.conf").write_text("", encoding="ascii")
        config = [
            f"listeners.tcp.1 = 127.0.0.1:{self.port}",
            "cluster_formation.peer_discovery_backend = classic_config",
            *(f"cluster_formation.classic_config.nodes.{n} = {peer}" for n, peer in enumerate(peers, 1)),
            "log.console = false",
        ]
        (self.dir / "rabbitmq.conf").write_text("\n".join(config) + "\n", encoding="ascii")

    def start(self) -> None:
        log = open(self.dir / "stdout.log", "ab")  # noqa: SIM115 - lives as long as the node
        # In its own directory: a node that crashes writes its MnesiaCore dump into the working directory.
        self.process = subprocess.Popen(
            [SERVER], env=self.env(), cwd=self.dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def accepts_amqp(self) -> bool:
        parameters = pika.URLParameters(self.url)
        parameters.socket_timeout = 1
        parameters.connection_attempts = 1
        try:
            pika.BlockingConnection(parameters).close()
        except (pika.exceptions.AMQPError, OSError):
            return False
        return True

    def kill(self) -> None:
        """The node is lost: no goodbye to its peers or its clients."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(20)

    def ctl(self, *args: str, timeout: float = 60) -> str:
        result = subprocess.run(
            [CTL, "-n", self.name, *args], env=self.env(), capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} on {self.name}: {result.stdout}{result.stderr}")
        return result.stdout


class RabbitCluster:
    def __init__(self, root: Path, size: int = 3) -> None:
        self.root = root
        prefix = f"ttdn-qq-{uuid.uuid4().hex[:6]}"
        host = "localhost"
        cookie = uuid.uuid4().hex.upper()
        self.nodes = [Node(root, f"{prefix}-{n}@{host}", cookie) for n in range(1, size + 1)]
        self.timings: dict[str, float] = {}

    @property
    def amqp_url(self) -> str:
        """Every node, in order: the suite's AMQP_URL for this cluster."""
        return ",".join(node.url for node in self.nodes)

    def start(self) -> None:
        self._started = time.monotonic()
        peers = [node.name for node in self.nodes]
        for node in self.nodes:
            node.write_files(peers)
            node.start()

    def wait_ready(self, timeout: float = 120) -> None:
        """Until every node accepts AMQP connections and all are running in one cluster."""
        deadline = time.monotonic() + timeout
        waiting = list(self.nodes)
        while waiting:
            for node in list(waiting):
                if node.process is not None and node.process.poll() is not None:
                    raise RuntimeError(f"{node.name} exited:\n{self.log(node)[-3000:]}")
                if node.accepts_amqp():
                    waiting.remove(node)
                    self.timings[f"{node.name.split('@')[0]} accepting"] = round(time.monotonic() - self._started, 1)
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(f"{[n.name for n in waiting]} did not start in {timeout}s")
            time.sleep(0.3)
        running = self.nodes[0].ctl("eval", "rabbit_nodes:all_running().")
        missing = [node.name for node in self.nodes if node.name not in running]
        if missing:
            raise RuntimeError(f"the nodes did not form one cluster: {missing} missing from {running}")
        self.timings["cluster formed"] = round(time.monotonic() - self._started, 1)

    def log(self, node: Node) -> str:
        path = node.dir / "log" / f"{node.name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def memory_mb(self) -> dict[str, int]:
        """Resident memory of each node's Erlang VM (its process group), in MiB."""
        used = {}
        for node in self.nodes:
            if node.process is None or node.process.poll() is not None:
                continue
            total = 0
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                        fields = stat.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[2]) == node.process.pid:
                    total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            used[node.name.split("@")[0]] = total // 2**20
        return used

    def close(self) -> None:
        for node in self.nodes:
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                node.kill()
        shutil.rmtree(self.root, ignore_errors=True)
