"""deploy/kubernetes/ is accepted by `kubectl apply --dry-run=client`, and its objects fit together: one beat that an
update never doubles, workers without beat, the same settings in every pod, settings envadmin knows, the web Service
reaching the web pods, and KEDA scaling the workers on the depth of the queue they consume.

kubectl needs an API server even for a client dry run: it maps each kind to its resource through the server's
discovery, and reads the object it would patch. A stand-in server answers that here (the built-in kinds and KEDA's,
as on a cluster with KEDA installed; every object absent). It serves no OpenAPI document, which this machine cannot
download, so kubectl runs with --validate=false and the fields are checked by the tests below instead.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from config.settings import Settings
from producers.cli.main import app as envadmin

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
KEDA = MANIFESTS / "keda"
PREFIX = Settings.model_config["env_prefix"]

# group/version -> [(resource, kind, namespaced)], as a cluster's discovery lists them.
RESOURCES = {
    "v1": [("configmaps", "ConfigMap", True), ("secrets", "Secret", True), ("services", "Service", True),
           ("namespaces", "Namespace", False)],
    "apps/v1": [("deployments", "Deployment", True)],
    "autoscaling/v2": [("horizontalpodautoscalers", "HorizontalPodAutoscaler", True)],
    "keda.sh/v1alpha1": [("scaledobjects", "ScaledObject", True),
                         ("triggerauthentications", "TriggerAuthentication", True)],
}


class Discovery(BaseHTTPRequestHandler):
    """Discovery of RESOURCES; 404 for everything else (no object exists, no OpenAPI document)."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/api":
            self._send(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
        elif path == "/apis":
            groups = [gv.split("/") for gv in RESOURCES if "/" in gv]
            self._send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": group, "versions": [{"groupVersion": f"{group}/{version}", "version": version}],
                 "preferredVersion": {"groupVersion": f"{group}/{version}", "version": version}}
                for group, version in groups]})
        elif path.removeprefix("/api/").removeprefix("/apis/") in RESOURCES:
            group_version = path.removeprefix("/api/").removeprefix("/apis/")
            self._send(200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
                             "resources": [{"name": name, "singularName": kind.lower(), "namespaced": namespaced,
                                            "kind": kind, "verbs": ["create", "get", "list", "patch", "update"]}
                                           for name, kind, namespaced in RESOURCES[group_version]]})
        else:
            self._send(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                             "message": f"{path} not found", "code": 404})

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def api_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Discovery)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("kubectl is not installed: CI must check deploy/kubernetes/")
        pytest.skip("SKIPPED LOUDLY: kubectl is not installed; deploy/kubernetes/ is not checked")
    return found


def dry_run(kubectl: str, server: str, folder: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    config = tmp_path / "kubeconfig"
    config.write_text("apiVersion: v1\nkind: Config\n")
    return subprocess.run(
        [kubectl, "apply", "--dry-run=client", "--validate=false", "-f", str(folder), "--server", server,
         "--kubeconfig", str(config), "--cache-dir", str(tmp_path / "cache"), "-n", "envadmin", "-o", "name"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})


def objects(folder: Path) -> list[dict]:
    return [document for path in sorted(folder.glob("*.yaml"))
            for document in yaml.safe_load_all(path.read_text()) if document]


def named(kind: str, name: str, folder: Path = MANIFESTS) -> dict:
    [found] = [o for o in objects(folder) if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def kubectl_name(document: dict) -> str:
    """How `kubectl -o name` names the object: kind.group/name."""
    group = document["apiVersion"].rpartition("/")[0]
    return f"{document['kind'].lower()}{'.' + group if group else ''}/{document['metadata']['name']}"


@pytest.mark.parametrize("folder", [MANIFESTS, KEDA], ids=["core", "keda"])
def test_kubectl_accepts_every_object_of_the_folder(kubectl, api_server, tmp_path, folder):
    applied = dry_run(kubectl, api_server, folder, tmp_path)
    assert applied.returncode == 0, applied.stderr
    assert sorted(applied.stdout.split()) == sorted(kubectl_name(o) for o in objects(folder))


def test_kubectl_rejects_a_file_it_cannot_read(kubectl, api_server, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(MANIFESTS, broken, ignore=shutil.ignore_patterns("keda"))
    (broken / "worker.yaml").write_text((broken / "worker.yaml").read_text().replace("apps/v1", "apps/v9"))
    applied = dry_run(kubectl, api_server, broken, tmp_path)
    assert applied.returncode != 0 and "worker.yaml" in applied.stderr


def pods(kind: str = "Deployment") -> dict[str, dict]:
    return {o["metadata"]["name"]: o["spec"]["template"]["spec"] for o in objects(MANIFESTS) if o["kind"] == kind}


def test_beat_runs_once_and_an_update_stops_it_before_starting_another():
    beat = named("Deployment", "envadmin-beat")
    assert beat["spec"]["replicas"] == 1 and beat["spec"]["strategy"] == {"type": "Recreate"}
    [container] = beat["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["envadmin", "beat"]
    others = [c["command"] for name, spec in pods().items() if name != "envadmin-beat" for c in spec["containers"]]
    assert all("beat" not in command for command in others)
    [worker] = pods()["envadmin-worker"]["containers"]
    assert worker["command"][:2] == ["envadmin", "worker"] and "--no-relay" in worker["command"]


def test_every_pod_reads_the_same_settings_and_only_settings_envadmin_has():
    for name, spec in pods().items():
        for container in spec["containers"]:
            assert container["envFrom"] == [{"configMapRef": {"name": "envadmin-settings"}},
                                            {"secretRef": {"name": "envadmin-secrets"}}], name
            assert "env" not in container, f"{name}: a setting of its own would differ from the other pods'"
    known = {PREFIX + field.upper() for field in Settings.model_fields}
    config = named("ConfigMap", "envadmin-settings")["data"]
    secret = named("Secret", "envadmin-secrets")["stringData"]
    assert set(config) | set(secret) <= known, (set(config) | set(secret)) - known
    assert not set(config) & set(secret)
    assert {"ENVADMIN_MASTER_KEY", "ENVADMIN_DATABASE_URL", "ENVADMIN_BROKER_URL"} <= set(secret)
    Settings(**{key.removeprefix(PREFIX).lower(): value for key, value in config.items()})  # each value is valid
    assert config["ENVADMIN_RABBITMQ_QUEUE_TYPE"] == "quorum"


def test_the_commands_and_health_checks_exist():
    for name, spec in pods().items():
        for container in spec["containers"]:
            program, *arguments = container["command"]
            assert program == "envadmin", name
            shown = CliRunner().invoke(envadmin, [*arguments, "--help"])
            assert shown.exit_code == 0, (name, shown.output)
            probe = container.get("livenessProbe", {}).get("exec")
            if probe:
                program, *arguments = probe["command"]
                assert CliRunner().invoke(envadmin, [*arguments, "--help"]).exit_code == 0, (name, probe)


def test_the_web_service_reaches_the_web_pods_on_their_port():
    service = named("Service", "envadmin-web")
    web = named("Deployment", "envadmin-web")
    labels = web["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert web["spec"]["selector"]["matchLabels"].items() <= labels.items()
    [container] = web["spec"]["template"]["spec"]["containers"]
    [port] = container["ports"]
    assert str(port["containerPort"]) == container["command"][container["command"].index("--port") + 1]
    assert service["spec"]["ports"][0]["targetPort"] == port["name"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"


def test_keda_scales_the_workers_on_the_depth_of_their_queue():
    scaled = named("ScaledObject", "envadmin-worker", KEDA)
    assert scaled["spec"]["scaleTargetRef"] == {"name": "envadmin-worker"}
    named("Deployment", scaled["spec"]["scaleTargetRef"]["name"])
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["type"] == "rabbitmq" and trigger["metadata"]["mode"] == "QueueLength"
    assert trigger["metadata"]["queueName"] == named("ConfigMap", "envadmin-settings")["data"]["ENVADMIN_QUEUE"]
    auth = named("TriggerAuthentication", trigger["authenticationRef"]["name"], KEDA)
    [reference] = auth["spec"]["secretTargetRef"]
    assert (reference["parameter"], reference["name"], reference["key"]) == (
        "host", "envadmin-secrets", "ENVADMIN_BROKER_URL")
    assert 1 <= scaled["spec"]["minReplicaCount"] <= scaled["spec"]["maxReplicaCount"]
