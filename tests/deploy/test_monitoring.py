"""Alert rules and dashboards read metrics that exist: exported by PRS1's code (apps/ common/ events/ prs1/),
by django-prometheus, by Prometheus itself (`up`), or listed as pending; every alert has a firing and a
quiet unit test (promtool runs them in make test)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import django_prometheus
import yaml

from tests.deploy.helpers import DEPLOY, ROOT, base_metric, metric_names

MONITORING = DEPLOY / "monitoring"
ALERTS = yaml.safe_load((MONITORING / "alerts.yml").read_text())
RULES = [rule for group in ALERTS["groups"] for rule in group["rules"]]
PENDING = {line.strip() for line in (MONITORING / "pending_metrics.txt").read_text().splitlines()
           if line.strip() and not line.startswith("#")}


def source_text(*roots: Path) -> str:
    return "\n".join(path.read_text() for root in roots for path in root.rglob("*.py"))


CODE = source_text(*(ROOT / package for package in ("apps", "common", "events", "prs1")))
LIBRARY = source_text(Path(django_prometheus.__file__).parent)


def exported(name: str) -> bool:
    base = base_metric(name)
    quoted = re.compile(rf'["\']{re.escape(base)}(?:_total)?["\']')
    if quoted.search(CODE) or quoted.search(LIBRARY):
        return True
    # families built from a prefix (events.metrics.ConsumerStatsCollector: f"prs1_consumer_{field}")
    prefix = re.match(r"(prs1_consumer)_(\w+)$", base)
    return bool(prefix and f'"{prefix.group(2)}"' in CODE and 'f"prs1_consumer_{' in CODE)


def dashboard_expressions() -> list[str]:
    expressions = []
    for path in sorted((MONITORING / "grafana" / "dashboards").glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            expressions.extend(target["expr"] for target in panel.get("targets", []))
    return expressions


def test_every_metric_an_alert_reads_is_exported_or_pending():
    unknown = {name for rule in RULES for name in metric_names(rule["expr"])
               if name != "up" and not exported(name) and base_metric(name) not in PENDING and name not in PENDING}
    assert not unknown, f"alerts read metrics nobody exports (add them to pending_metrics.txt?): {unknown}"


def test_every_metric_a_dashboard_reads_is_exported_or_pending():
    expressions = dashboard_expressions()
    assert len(expressions) >= 20
    unknown = {name for expr in expressions for name in metric_names(expr)
               if name != "up" and not exported(name) and base_metric(name) not in PENDING and name not in PENDING}
    assert not unknown, unknown


def test_a_pending_metric_is_not_exported_yet():
    # when the code starts exporting one, pending_metrics.txt must forget it
    assert not {name for name in PENDING if exported(name)}


def test_the_seed_alerts_and_the_event_alerts_exist_with_the_issue_thresholds():
    by_name = {rule["alert"]: rule for rule in RULES}
    assert {"ServiceDown", "HighResponseTime", "DatabaseConnectionFailure", "KafkaConsumerLag", "OutboxBacklog",
            "DeadLetters", "SagaFailures", "CircuitBreakerOpen", "NotificationDeliveryRateLow"} <= set(by_name)
    assert by_name["HighResponseTime"]["expr"].strip().endswith("> 2")
    assert "histogram_quantile(0.95" in by_name["HighResponseTime"]["expr"]
    assert by_name["KafkaConsumerLag"]["expr"].strip().endswith("> 1000")
    assert by_name["CircuitBreakerOpen"]["expr"].strip().endswith("== 2")
    assert "prs1_notifications_delivery_rate_target" in by_name["NotificationDeliveryRateLow"]["expr"]


def test_the_delivery_targets_the_alert_compares_with_are_the_seeds():
    from apps.notifications.metrics import KPI_TARGETS

    assert KPI_TARGETS == {"EMAIL": 0.95, "SMS": 0.98}


def test_every_alert_has_a_firing_and_a_quiet_unit_test():
    tests = yaml.safe_load((MONITORING / "alerts_test.yml").read_text())
    assert tests["rule_files"] == ["alerts.yml"]
    firing, quiet = set(), set()
    for case in tests["tests"]:
        for check in case["alert_rule_test"]:
            (firing if check["exp_alerts"] else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in RULES}
    assert names - firing == set(), f"never tested firing: {names - firing}"
    assert names - quiet == set(), f"never tested quiet: {names - quiet}"


def test_prometheus_loads_the_alerts_and_scrapes_every_process_type():
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    for rule_file in config["rule_files"]:
        assert (MONITORING / rule_file).exists()
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert {"prs1-web", "prs1-worker", "prs1-beat", "prs1-relay", "prs1-consumer"} <= jobs


def test_grafana_datasource_and_dashboards_are_provisioned():
    datasource = yaml.safe_load((MONITORING / "grafana/provisioning/datasources/prometheus.yml").read_text())
    assert datasource["datasources"][0]["url"] == "http://prometheus:9090"
    provider = yaml.safe_load((MONITORING / "grafana/provisioning/dashboards/prs1.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    titles = " ".join(json.loads(p.read_text())["title"] for p in (MONITORING / "grafana/dashboards").glob("*.json"))
    panels = " ".join(panel["title"] for p in (MONITORING / "grafana/dashboards").glob("*.json")
                      for panel in json.loads(p.read_text())["panels"])
    assert "API" in titles
    for topic in ("latency", "5xx", "Outbox backlog", "consumer lag", "Sagas by state", "Delivery rate", "breakers"):
        assert topic.lower() in panels.lower(), topic
