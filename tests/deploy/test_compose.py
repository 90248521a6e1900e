"""docker-compose files: every reference resolves (services, volumes, secrets, env files, mounted files),
apps wait for `migrate`, Kafka runs 3 KRaft nodes with RF 3 / min ISR 2, PostgreSQL has a replica behind
HAProxy's read/write backends, Grafana is provisioned, the ELK services are a `logging` profile."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.deploy.helpers import DEPLOY

MAIN = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
SPLIT = yaml.safe_load((DEPLOY / "docker-compose.split.yml").read_text())
APP_SERVICES = ("web", "worker", "beat", "relay")


def depends_on(service: dict) -> dict:
    value = service.get("depends_on") or {}
    return {name: {"condition": "service_started"} for name in value} if isinstance(value, list) else value


@pytest.mark.parametrize("compose", [MAIN, SPLIT], ids=["main", "split"])
def test_every_dependency_volume_and_secret_referenced_is_defined(compose):
    services = {**MAIN["services"], **compose["services"]}
    volumes = {**(MAIN.get("volumes") or {}), **(compose.get("volumes") or {})}
    secrets = {**(MAIN.get("secrets") or {}), **(compose.get("secrets") or {})}
    for name, service in compose["services"].items():
        for dependency in depends_on(service):
            assert dependency in services, f"{name} depends on unknown service {dependency}"
        for secret in service.get("secrets") or []:
            assert (secret if isinstance(secret, str) else secret["source"]) in secrets, f"{name}: secret {secret}"
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume["source"]
            if source.startswith(("./", "../")):
                if source.startswith(("./secrets/", "./certs")):
                    continue  # git-ignored, made from the examples (checked below)
                assert (DEPLOY / source).exists(), f"{name} mounts {source}, which does not exist"
            elif not source.startswith("/"):
                assert source in volumes, f"{name} uses undefined volume {source}"
        for env_file in [service["env_file"]] if isinstance(service.get("env_file"), str) else service.get("env_file") or []:
            assert env_file == ".env" and (DEPLOY / ".env.example").exists()


def test_every_secret_file_has_a_documented_example_and_the_real_ones_are_ignored_by_git():
    for name, secret in MAIN["secrets"].items():
        assert secret["file"] == f"./secrets/{name}"
        assert (DEPLOY / "secrets.example" / name).exists(), f"no example for secret {name}"
        assert name in (DEPLOY / "secrets.example" / "README.md").read_text()
    gitignore = (DEPLOY.parent / ".gitignore").read_text().splitlines()
    assert "deploy/secrets/" in gitignore and "deploy/.env" in gitignore


def test_application_services_wait_for_migrate_to_finish():
    for name in (*APP_SERVICES, ):
        assert depends_on(MAIN["services"][name])["migrate"] == {"condition": "service_completed_successfully"}
    assert MAIN["services"]["migrate"]["restart"] == "no"
    assert MAIN["services"]["web"]["deploy"]["replicas"] >= 2 and MAIN["services"]["worker"]["deploy"]["replicas"] >= 2


def test_kafka_is_three_kraft_nodes_with_replication_three_and_min_insync_two():
    nodes = {name: s for name, s in MAIN["services"].items() if re.fullmatch(r"kafka-\d", name)}
    assert len(nodes) == 3
    voters = {s["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"] for s in nodes.values()}
    assert voters == {"1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"}
    assert {s["environment"]["KAFKA_NODE_ID"] for s in nodes.values()} == {1, 2, 3}
    for service in nodes.values():
        env = service["environment"]
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == 3 and env["KAFKA_MIN_INSYNC_REPLICAS"] == 2
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == 3
        assert "controller" in env["KAFKA_PROCESS_ROLES"]
    example = (DEPLOY / ".env.example").read_text()
    assert "KAFKA_TOPIC_REPLICATION=3" in example
    assert "KAFKA_BOOTSTRAP_SERVERS=kafka-1:9092,kafka-2:9092,kafka-3:9092" in example


def test_postgresql_has_a_streaming_replica_behind_haproxys_read_and_write_backends():
    replica = MAIN["services"]["postgres-replica"]
    assert "postgres-primary" in depends_on(replica)
    entrypoint = (DEPLOY / "postgres" / "replica-entrypoint.sh").read_text()
    assert "pg_basebackup" in entrypoint and " -R " in entrypoint
    haproxy = (DEPLOY / "haproxy.cfg").read_text()
    assert re.search(r"listen postgres_write\n(?:    .*\n)*?    server pg-primary postgres-primary:5432", haproxy)
    assert re.search(r"listen postgres_read\n(?:    .*\n)*?    server-template pg-read \d+ postgres-replica:5432", haproxy)
    example = (DEPLOY / ".env.example").read_text()
    assert "DATABASE_URL=postgres://prs1:prs1_password@haproxy:5432/prs1" in example
    assert "DATABASE_REPLICA_URL=postgres://prs1:prs1_password@haproxy:5433/prs1" in example


def test_the_proxies_forward_the_client_address_and_scheme_and_the_app_counts_them():
    haproxy = (DEPLOY / "haproxy.cfg").read_text()
    assert "option forwardfor" in haproxy
    assert "http-request set-header X-Forwarded-Proto https if { ssl_fc }" in haproxy
    assert MAIN["services"]["kong"]["environment"]["KONG_REAL_IP_HEADER"] == "X-Forwarded-For"
    assert re.search(r"^NUM_PROXIES=2$", (DEPLOY / ".env.example").read_text(), re.M)


def test_grafana_is_provisioned_and_its_password_is_a_secret():
    grafana = MAIN["services"]["grafana"]
    assert grafana["environment"]["GF_SECURITY_ADMIN_PASSWORD__FILE"] == "/run/secrets/grafana_admin_password"
    assert "grafana_admin_password" in grafana["secrets"]
    mounts = {v.split(":")[1] for v in grafana["volumes"] if v.startswith("./")}
    assert {"/etc/grafana/provisioning", "/var/lib/grafana/dashboards"} <= mounts


def test_the_elk_services_are_the_logging_profile_and_logstash_has_its_pipeline():
    for name in ("elasticsearch", "logstash", "kibana"):
        assert MAIN["services"][name]["profiles"] == ["logging"]
    pipeline = (DEPLOY / "logstash" / "pipeline" / "prs1.conf").read_text()
    for field in ("correlation_id", "request_id", "context", "event_id"):
        assert f'"[app][{field}]" => "{field}"' in pipeline
    assert "elasticsearch {" in pipeline
