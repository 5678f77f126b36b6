"""The Kubernetes manifests in deploy/k8s, checked offline.

Each overlay (and the base) is rendered with `kubectl kustomize`; every object must validate,
strictly (unknown fields are errors), against the Kubernetes JSON schemas bundled by the
kubernetes-validate package, or against the CRD schemas vendored in deploy/schemas (ServiceMonitor,
PrometheusRule, KafkaTopic, CloudNativePG Cluster). A kind with no schema fails. Then the security and operations
invariants the deployment promises (docs/deploying.md) are asserted on the rendered objects.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SCHEMAS = ROOT / "deploy" / "schemas"
TARGETS = ("base", "overlays/dev", "overlays/prod")
OVERLAYS = ("overlays/dev", "overlays/prod")

# The oldest Kubernetes the manifests support (preStop `sleep` needs 1.30; 1.32 is what we test).
KUBERNETES_VERSION = "1.32"
# API groups of built-in kinds; kubernetes-validate ignores the group's domain, so check it here.
BUILTIN_GROUPS = {"", "apps", "batch", "autoscaling", "policy"}
CRD_SCHEMAS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "monitoring.coreos.com/servicemonitor_v1.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "monitoring.coreos.com/prometheusrule_v1.json",
    ("kafka.strimzi.io/v1beta2", "KafkaTopic"): "kafka.strimzi.io/kafkatopic_v1beta2.json",
    ("kafka.strimzi.io/v1", "KafkaTopic"): "kafka.strimzi.io/kafkatopic_v1.json",
    ("kafka.strimzi.io/v1beta2", "KafkaUser"): "kafka.strimzi.io/kafkauser_v1beta2.json",
    ("kafka.strimzi.io/v1", "KafkaUser"): "kafka.strimzi.io/kafkauser_v1.json",
    ("postgresql.cnpg.io/v1", "Cluster"): "postgresql.cnpg.io/cluster_v1.json",
}
# Values that are secrets: only ever passed as NAME_FILE pointing into a mounted Secret.
SECRET_VARIABLES = {
    "DATABASE_URL",
    "VAULT_TOKENS_DATABASE_URL",
    "VAULT_PERSONAL_DATA_KEKS",
    "VAULT_TOKEN_KEKS",
    "VAULT_TOKENS_CLIENT_SECRET",
}
WORKLOAD_KINDS = {"Deployment", "Job", "CronJob"}
SECRETS_DIR = "/var/run/secrets/customervault/"


# --- rendering and schema validation ----------------------------------------------------------


@cache
def render(target: str) -> tuple[dict[str, Any], ...]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail(
            "kubectl (with its built-in kustomize, 1.27 or newer) is needed to render deploy/k8s"
        )
    out = subprocess.run(
        [kubectl, "kustomize", str(K8S / target)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, f"kubectl kustomize {target} failed:\n{out.stderr}"
    objects = tuple(doc for doc in yaml.safe_load_all(out.stdout) if doc)
    assert objects, f"{target} rendered nothing"
    return objects


def _strict(node: Any) -> Any:
    """An OpenAPI v3 (CRD) schema as a JSON Schema that rejects unknown fields, like the API
    server's structural-schema pruning would drop them (kubectl --validate=strict rejects them)."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties"):
            out[key] = {name: _strict(sub) for name, sub in value.items()}
        elif key in ("enum", "required", "default", "example", "x-kubernetes-validations"):
            out[key] = value
        else:
            out[key] = _strict(value)
    if out.get("nullable") is True and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@cache
def crd_validator(api_version: str, kind: str) -> jsonschema.Draft7Validator:
    raw = json.loads((SCHEMAS / CRD_SCHEMAS[(api_version, kind)]).read_text(encoding="utf-8"))
    schema = _strict(raw)
    schema["properties"]["apiVersion"] = {"const": api_version}
    schema["properties"]["kind"] = {"const": kind}
    schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
    return jsonschema.Draft7Validator(schema)


def schema_errors(obj: dict[str, Any]) -> list[str]:
    """Why `obj` is not a valid object of a known kind; empty when it is."""
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    name = f"{kind}/{obj.get('metadata', {}).get('name', '?')}"
    if (api_version, kind) in CRD_SCHEMAS:
        return [
            f"{name}: {'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in crd_validator(api_version, kind).iter_errors(obj)
        ]
    group = api_version.rpartition("/")[0]
    if not (group in BUILTIN_GROUPS or group.endswith(".k8s.io")):
        return [f"{name}: no schema for {api_version} {kind} (vendor its CRD in deploy/schemas)"]
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError as exc:
        return [f"{name}: {exc.message}"]
    except kubernetes_validate.ValidationError as exc:
        return [f"{name}: {'.'.join(map(str, exc.path)) or '<root>'}: {exc.message}"]
    return []


@pytest.mark.parametrize("target", TARGETS)
def test_every_object_validates_against_its_schema(target: str) -> None:
    errors = [error for obj in render(target) for error in schema_errors(obj)]
    assert not errors, "\n".join(errors)


def _deployment() -> dict[str, Any]:
    return next(o for o in render("base") if o["kind"] == "Deployment")


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(lambda d: d["spec"].__setitem__("replicas", "two"), id="wrong-type"),
        pytest.param(lambda d: d["spec"].__setitem__("replica", 2), id="unknown-field"),
        pytest.param(lambda d: d.__setitem__("kind", "Deploymnet"), id="unknown-kind"),
        pytest.param(
            lambda d: d.__setitem__("apiVersion", "apps.example.com/v1"), id="foreign-group"
        ),
        pytest.param(
            lambda d: d["spec"]["template"]["spec"]["containers"][0].pop("name"), id="missing-name"
        ),
    ],
)
def test_the_validation_rejects_broken_builtin_objects(broken: Any) -> None:
    obj = json.loads(json.dumps(_deployment()))
    broken(obj)
    assert schema_errors(obj)


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        ("KafkaTopic", ("spec", "partitions"), "twelve"),
        ("KafkaTopic", ("spec", "replication"), 3),
        ("Cluster", ("spec", "instances"), "3"),
        ("Cluster", ("spec", "postgresql", "synchronus"), {}),
        ("ServiceMonitor", ("spec", "endpoints"), {"port": "metrics"}),
    ],
)
def test_the_validation_rejects_broken_custom_resources(
    kind: str, path: tuple[str, ...], value: Any
) -> None:
    obj = json.loads(json.dumps(next(o for o in render("overlays/prod") if o["kind"] == kind)))
    node = obj
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert schema_errors(obj)


# --- invariants -------------------------------------------------------------------------------


def pod_specs(objects: tuple[dict[str, Any], ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    for obj in objects:
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        if obj["kind"] in ("Deployment", "Job"):
            yield name, obj["spec"]["template"]["spec"]
        elif obj["kind"] == "CronJob":
            yield name, obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def of_kind(objects: tuple[dict[str, Any], ...], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def config(objects: tuple[dict[str, Any], ...]) -> dict[str, str]:
    (cm,) = [
        o for o in of_kind(objects, "ConfigMap") if o["metadata"]["name"].startswith("vault-config")
    ]
    data: dict[str, str] = cm["data"]
    return data


@pytest.mark.parametrize("target", TARGETS)
def test_every_container_is_locked_down(target: str) -> None:
    specs = list(pod_specs(render(target)))
    assert {name.split("/")[0] for name, _ in specs} == WORKLOAD_KINDS
    for name, spec in specs:
        assert spec.get("automountServiceAccountToken") is False, name
        pod_sc = spec.get("securityContext", {})
        assert pod_sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", name
        tmp_volumes = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
        for container in spec.get("initContainers", []) + spec["containers"]:
            where = f"{name} container {container['name']}"
            sc = container.get("securityContext", {})
            assert sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, where
            assert sc.get("runAsUser", pod_sc.get("runAsUser", 0)) != 0, where
            assert sc.get("readOnlyRootFilesystem") is True, where
            assert sc.get("allowPrivilegeEscalation") is False, where
            assert not sc.get("privileged", False), where
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], where
            assert not sc.get("capabilities", {}).get("add"), where
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container.get("resources", {}).get(kind, {})), (
                    f"{where}: resources.{kind}"
                )
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert mounts.get("/tmp") in tmp_volumes, f"{where}: /tmp must be an emptyDir"


@pytest.mark.parametrize("target", TARGETS)
def test_secrets_are_only_referenced(target: str) -> None:
    objects = render(target)
    for secret in of_kind(objects, "Secret"):
        assert not secret.get("data") and not secret.get("stringData"), (
            f"Secret/{secret['metadata']['name']} carries values: reference Secrets, never commit them"
        )
    assert not SECRET_VARIABLES & set(config(objects)), "a secret in the ConfigMap"
    for name, spec in pod_specs(objects):
        secret_volumes = {v["name"] for v in spec["volumes"] if "secret" in v}
        for container in spec["containers"]:
            mounts = {m["name"]: m for m in container.get("volumeMounts", [])}
            for var in container.get("env", []):
                assert var["name"] not in SECRET_VARIABLES, f"{name}: {var['name']} in plain env"
                if var["name"].endswith("_FILE") or var["name"] == "VAULT_TOKEN_KEYRING_DIR":
                    assert var["value"].startswith(SECRETS_DIR), f"{name}: {var['name']}"
            for volume in secret_volumes:
                assert mounts[volume].get("readOnly") is True, f"{name}: {volume} writable"
                assert mounts[volume]["mountPath"].startswith(SECRETS_DIR), name
                assert "subPath" not in mounts[volume], f"{name}: subPath stops Secret updates"


@pytest.mark.parametrize("target", TARGETS)
def test_long_running_processes_have_probes_and_a_graceful_shutdown(target: str) -> None:
    objects = render(target)
    grace = float(config(objects)["VAULT_SHUTDOWN_GRACE_SECONDS"])
    deployments = of_kind(objects, "Deployment")
    assert {d["metadata"]["name"] for d in deployments} == {
        "vault-api",
        "vault-tokens",
        "vault-relay",
        "vault-projector",
    }
    for deployment in deployments:
        name = deployment["metadata"]["name"]
        spec = deployment["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["metrics"] == 9100, name
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            assert container[probe]["httpGet"]["port"] == "metrics", f"{name} {probe}"
        pre_stop = (
            container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        )
        serves_http = name in ("vault-api", "vault-tokens")
        # Only processes with an HTTP site drain (infra.lifecycle); the kubelet's grace period
        # runs from the preStop hook.
        drain = float(config(objects)["VAULT_SHUTDOWN_DRAIN_SECONDS"]) if serves_http else 0.0
        assert spec["terminationGracePeriodSeconds"] > pre_stop + drain + grace, name
        if serves_http:
            assert pre_stop > 0, f"{name}: a preStop sleep lets endpoints go before accepting stops"
            # A container stopped without its pod being deleted leaves the endpoints only when
            # readiness fails: the drain must last that long.
            readiness = container["readinessProbe"]
            removal = readiness["periodSeconds"] * readiness["failureThreshold"]
            assert removal <= drain, f"{name}: endpoint removal ({removal} s) outlasts the drain"


@pytest.mark.parametrize("target", TARGETS)
def test_processes_bind_and_run_as_expected(target: str) -> None:
    objects = render(target)
    cfg = config(objects)
    assert cfg["VAULT_API_HOST"] == "0.0.0.0"
    assert cfg["VAULT_TOKENS_HOST"] == "0.0.0.0"
    assert cfg["VAULT_METRICS_PORT"] == "9100"
    assert cfg["VAULT_METRICS_HOST"] == "0.0.0.0"
    args = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["args"][0]
        for d in of_kind(objects, "Deployment")
    }
    assert args == {
        "vault-api": "api",
        "vault-tokens": "tokens",
        "vault-relay": "relay",
        "vault-projector": "project",
    }
    (job,) = of_kind(objects, "Job")
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    services = {s["metadata"]["name"]: s for s in of_kind(objects, "Service")}
    assert {p["port"] for p in services["vault-api"]["spec"]["ports"]} == {8080, 9100}
    assert {p["port"] for p in services["vault-tokens"]["spec"]["ports"]} == {8081, 9100}


@pytest.mark.parametrize("target", TARGETS)
def test_scaling_and_disruption(target: str) -> None:
    objects = render(target)
    deployments = {d["metadata"]["name"] for d in of_kind(objects, "Deployment")}
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(objects, "HorizontalPodAutoscaler")
    }
    assert set(hpas) == {"vault-api", "vault-tokens"}
    assert all(h["apiVersion"] == "autoscaling/v2" for h in hpas.values())
    pdb_selectors = [
        p["spec"]["selector"]["matchLabels"] for p in of_kind(objects, "PodDisruptionBudget")
    ]
    for deployment in of_kind(objects, "Deployment"):
        name = deployment["metadata"]["name"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert any(sel.items() <= labels.items() for sel in pdb_selectors), f"{name}: no PDB"
    assert deployments >= set(hpas)


# --- network policy ----------------------------------------------------------------------------


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if selector.get("matchLabels", {}).items() - labels.items():
        return False
    for expr in selector.get("matchExpressions", []):
        value, op = labels.get(expr["key"]), expr["operator"]
        if (op == "In" and value not in expr["values"]) or (
            op == "NotIn" and value in expr["values"]
        ):
            return False
        if (op == "Exists" and value is None) or (op == "DoesNotExist" and value is not None):
            return False
    return True


def policies_for(
    objects: tuple[dict[str, Any], ...], labels: dict[str, str], kind: str
) -> list[dict[str, Any]]:
    return [
        p
        for p in of_kind(objects, "NetworkPolicy")
        if selects(p["spec"]["podSelector"], labels) and kind in p["spec"]["policyTypes"]
    ]


def pod_labels(objects: tuple[dict[str, Any], ...]) -> dict[str, dict[str, str]]:
    out = {}
    for obj in objects:
        if obj["kind"] in ("Deployment", "Job"):
            out[obj["metadata"]["name"]] = obj["spec"]["template"]["metadata"]["labels"]
        elif obj["kind"] == "CronJob":
            template = obj["spec"]["jobTemplate"]["spec"]["template"]
            out[obj["metadata"]["name"]] = template["metadata"]["labels"]
    return out


API_PEER = {
    "podSelector": {
        "matchLabels": {
            "app.kubernetes.io/name": "customer-vault",
            "app.kubernetes.io/component": "api",
        }
    }
}
PAYMENT_PEER = {
    "namespaceSelector": {},
    "podSelector": {"matchLabels": {"customervault.io/payment-service": "true"}},
}


@pytest.mark.parametrize("target", TARGETS)
def test_every_vault_pod_is_default_deny(target: str) -> None:
    objects = render(target)
    for name, labels in pod_labels(objects).items():
        for kind in ("Ingress", "Egress"):
            assert any(
                not p["spec"].get(kind.lower()) for p in policies_for(objects, labels, kind)
            ), f"{name}: no default-deny {kind} policy"


@pytest.mark.parametrize("target", TARGETS)
def test_token_service_ingress_only_from_the_api_and_payment_services(target: str) -> None:
    objects = render(target)
    tokens = pod_labels(objects)["vault-tokens"]
    rules = [
        r for p in policies_for(objects, tokens, "Ingress") for r in p["spec"].get("ingress", [])
    ]
    for rule in rules:
        assert rule.get("from"), f"an ingress rule open to every source: {rule}"
        ports = {p["port"] for p in rule["ports"]}
        if 8081 in ports:
            assert ports == {8081}
            assert rule["from"] == [API_PEER, PAYMENT_PEER], rule["from"]
        else:
            assert ports == {9100}, f"the token service is open on {ports}"
    assert any(8081 in {p["port"] for p in r["ports"]} for r in rules), "nobody can reach tokens"
    # and the API can reach it
    api = pod_labels(objects)["vault-api"]
    egress = [r for p in policies_for(objects, api, "Egress") for r in p["spec"].get("egress", [])]
    assert any(
        {p["port"] for p in r["ports"]} == {8081} and selects(r["to"][0]["podSelector"], tokens)
        for r in egress
    )


@pytest.mark.parametrize("target", TARGETS)
def test_egress_only_to_dns_postgres_kafka_and_the_token_service(target: str) -> None:
    objects = render(target)
    allowed = {53: "kube-dns", 5432: "postgres", 9092: "kafka", 9093: "kafka (TLS)", 8081: "tokens"}
    for name, labels in pod_labels(objects).items():
        for policy in policies_for(objects, labels, "Egress"):
            for rule in policy["spec"].get("egress", []):
                assert rule.get("to"), f"{name}: egress to anywhere in {policy['metadata']['name']}"
                assert all("ipBlock" not in peer for peer in rule["to"]), name
                ports = {p["port"] for p in rule["ports"]}
                assert ports <= set(allowed), f"{name}: egress on {ports}"
                if 8081 in ports:
                    assert labels["app.kubernetes.io/component"] == "api", f"{name} -> tokens"
                if ports & {9092, 9093}:
                    assert labels["app.kubernetes.io/component"] in ("relay", "projector", "tokens")


# --- production specifics ------------------------------------------------------------------


def test_prod_topics_keep_the_log_and_survive_a_broker() -> None:
    topics = {
        t["spec"]["topicName"]: t["spec"] for t in of_kind(render("overlays/prod"), "KafkaTopic")
    }
    assert set(topics) == {"customervault.profile-events.v1", "customervault.token-access.v1"}
    for spec in topics.values():
        assert spec["replicas"] == 3
        assert spec["config"]["min.insync.replicas"] == 2
        assert spec["config"]["cleanup.policy"] == "delete"
    events = topics["customervault.profile-events.v1"]
    assert events["partitions"] == 12
    assert events["config"]["retention.ms"] == -1
    audit = topics["customervault.token-access.v1"]
    assert audit["config"]["retention.ms"] >= 400 * 24 * 3600 * 1000
    cfg = config(render("overlays/prod"))
    assert cfg["VAULT_TOPIC_PARTITIONS"] == str(events["partitions"])
    assert cfg["VAULT_TOPIC_REPLICATION_FACTOR"] == "3"


def test_prod_postgres_and_workloads_are_highly_available() -> None:
    objects = render("overlays/prod")
    (cluster,) = of_kind(objects, "Cluster")
    assert cluster["spec"]["instances"] == 3
    assert cluster["spec"]["imageCatalogRef"]["major"] == 15
    assert {r["name"] for r in cluster["spec"]["managed"]["roles"]} == {
        "vault_owner",
        "vault_app",
        "vault_tokens",
    }
    assert all(
        "passwordSecret" in r
        for r in cluster["spec"]["managed"]["roles"]
        if r["name"] != "vault_owner"
    )
    for deployment in of_kind(objects, "Deployment"):
        name = deployment["metadata"]["name"]
        assert deployment["spec"]["replicas"] >= 2, name
        keys = {
            c["topologyKey"]
            for c in deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        }
        assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}, name
        image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        assert not image.endswith(":latest") and ":" in image, f"{name}: unpinned image {image}"
    for hpa in of_kind(objects, "HorizontalPodAutoscaler"):
        assert hpa["spec"]["minReplicas"] >= 3
        assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    (namespace,) = of_kind(objects, "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_prod_talks_tls_to_postgres_and_sasl_ssl_to_kafka() -> None:
    objects = render("overlays/prod")
    cfg = config(objects)
    assert cfg["VAULT_DB_SSLMODE"] == "verify-full"
    assert cfg["VAULT_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert cfg["KAFKA_BOOTSTRAP_SERVERS"].endswith(":9093")
    for name, spec in pod_specs(objects):
        mounts = {m["mountPath"] for c in spec["containers"] for m in c.get("volumeMounts", [])}
        assert cfg["VAULT_DB_SSLROOTCERT"].rsplit("/", 1)[0] in mounts, name
        if name in (
            "Deployment/vault-tokens",
            "Deployment/vault-relay",
            "Deployment/vault-projector",
        ):
            assert cfg["VAULT_KAFKA_SSL_CAFILE"].rsplit("/", 1)[0] in mounts, name
            env = {v["name"]: v["value"] for c in spec["containers"] for v in c.get("env", [])}
            assert env["VAULT_KAFKA_SASL_PASSWORD_FILE"].rsplit("/", 1)[0] in mounts, name
