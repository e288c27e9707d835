"""docker-compose.yml, deploy/prometheus.yml, deploy/grafana/ and .env.example fit together: Prometheus scrapes the
web service's /metrics as user ops with the web service's ENVADMIN_OPS_PASSWORD, Grafana reads that Prometheus, the
health checks run commands that exist, and .env.example lists every variable compose reads.

No Docker here: the files are read as Compose, Prometheus and Grafana read them."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from config.settings import Settings
from producers.api.paths import HEALTH_PATH
from producers.cli.main import app as envadmin
from producers.web.ops_auth import OPS_USER

ROOT = Path(__file__).resolve().parents[2]
OPS_PASSWORD_VARIABLE = Settings.model_config["env_prefix"] + "OPS_PASSWORD"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def mounts(service: dict) -> dict[str, str]:
    """Bind mounts of a service: path in the container -> path in the repository (volumes by name left out)."""
    found = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            found[target] = source
    return found


def option(command: list[str], name: str) -> str:
    [value] = [part.split("=", 1)[1] for part in command if part.startswith(f"--{name}=")]
    return value


def test_prometheus_scrapes_the_web_service_metrics_as_ops_with_its_password(compose):
    services = compose["services"]
    prometheus = services["prometheus"]
    config_path = option(prometheus["command"], "config.file")
    config = yaml.safe_load((ROOT / mounts(prometheus)[config_path]).read_text())
    [job] = [job for job in config["scrape_configs"] if job["job_name"] == "envadmin"]

    web = services["web"]
    port = re.search(r"--port (\d+)", web["command"]).group(1)
    assert job["static_configs"] == [{"targets": [f"web:{port}"]}]
    assert any(mapping.endswith(f":{port}") for mapping in web["ports"])
    assert job.get("metrics_path", "/metrics") == "/metrics" and job.get("scheme", "http") == "http"

    assert job["basic_auth"]["username"] == OPS_USER
    secret = job["basic_auth"]["password_file"].removeprefix("/run/secrets/")
    assert secret in prometheus["secrets"]
    assert compose["secrets"][secret] == {"environment": OPS_PASSWORD_VARIABLE}
    assert re.fullmatch(r"\$\{" + OPS_PASSWORD_VARIABLE + r"(:[?-].*)?\}", web["environment"][OPS_PASSWORD_VARIABLE])


def test_grafana_is_provisioned_with_that_prometheus_and_the_dashboard(compose):
    grafana = compose["services"]["grafana"]
    bound = mounts(grafana)
    provisioning = ROOT / bound["/etc/grafana/provisioning"]
    [source] = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert source["type"] == "prometheus"
    assert source["url"] == "http://prometheus:9090"
    assert "prometheus" in compose["services"]
    [provider] = yaml.safe_load((provisioning / "dashboards" / "envadmin.yml").read_text())["providers"]
    dashboards = [target for target in bound if target.startswith(provider["options"]["path"] + "/")]
    assert [bound[target] for target in dashboards] == ["./deploy/grafana/envadmin-dashboard.json"]


def test_the_dashboard_is_importable_json_whose_panels_ask_the_chosen_prometheus():
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "envadmin-dashboard.json").read_text())
    [variable] = dashboard["templating"]["list"]
    assert (variable["name"], variable["type"], variable["query"]) == ("datasource", "datasource", "prometheus")
    assert dashboard["uid"] and dashboard["title"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            assert target["expr"].count("(") == target["expr"].count(")"), target["expr"]


def test_the_web_worker_and_beat_services_have_health_checks_whose_commands_exist(compose):
    services = compose["services"]
    for name in ("worker", "relay"):
        kind, program, *arguments = services[name]["healthcheck"]["test"]
        assert (kind, program) == ("CMD", "envadmin"), name
        shown = CliRunner().invoke(envadmin, [*arguments, "--help"])
        assert shown.exit_code == 0, (name, shown.output)

    web = services["web"]
    kind, program, flag, snippet = web["healthcheck"]["test"]
    assert (kind, program, flag) == ("CMD", "python", "-c")
    compile(snippet, "healthcheck", "exec")
    port = re.search(r"--port (\d+)", web["command"]).group(1)
    assert f"'http://127.0.0.1:{port}{HEALTH_PATH}'" in snippet  # tests/e2e/test_health_cli.py runs it


def test_prometheus_waits_until_the_web_service_is_healthy(compose):
    assert compose["services"]["prometheus"]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_env_example_lists_every_variable_compose_reads_and_the_required_ones_unset():
    read = set(re.findall(r"\$\{(\w+)(?::[?-][^}]*)?\}", (ROOT / "docker-compose.yml").read_text()))
    required = set(re.findall(r"\$\{(\w+):\?", (ROOT / "docker-compose.yml").read_text()))
    listed = dict(line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
                  if line and not line.startswith("#"))
    assert required and required <= read
    assert set(listed) == read
    # Empty until filled in: compose refuses to start with a required one missing, never with a shared example.
    assert all(value == "" for value in listed.values()), listed


def test_workers_are_replicated_and_beat_runs_once(compose):
    services = compose["services"]
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert "--no-relay" in services["worker"]["command"]
    beats = [name for name, service in services.items() if "beat" in str(service.get("command", "")).split()]
    assert beats == ["relay"] and services["relay"]["deploy"]["replicas"] == 1
