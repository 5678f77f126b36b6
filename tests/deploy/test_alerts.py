"""The PrometheusRule shipped with the manifests, unit-tested with `promtool test rules`.

The rule is rendered with kustomize (as deployed), its groups written as a Prometheus rule file,
and tests/deploy/alerts_test.yaml run against it. promtool is the one on PATH or the one `make test`
unpacked from Debian's `prometheus` package into the cache (`make tools`, devstack/tools.py).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack import tools
from tests.deploy.test_manifests import render

CASES = Path(__file__).with_name("alerts_test.yaml")


def rule_groups() -> list[dict[str, Any]]:
    (rule,) = [o for o in render("overlays/prod") if o["kind"] == "PrometheusRule"]
    groups: list[dict[str, Any]] = rule["spec"]["groups"]
    return groups


def descriptions(groups: list[dict[str, Any]]) -> dict[str, str]:
    return {r["alert"]: r["annotations"]["description"] for g in groups for r in g["rules"]}


def test_every_alert_is_unit_tested() -> None:
    cases = yaml.safe_load(CASES.read_text())
    tested = {check["alertname"] for t in cases["tests"] for check in t["alert_rule_test"]}
    assert tested == set(descriptions(rule_groups()))


def test_the_alerting_rules_pass_their_promtool_unit_tests(tmp_path: Path) -> None:
    promtool = tools.promtool()
    if promtool is None:
        pytest.fail("promtool is needed: `make tools` obtains it (devstack/tools.py)")
    groups = rule_groups()
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": groups}))
    cases = yaml.safe_load(CASES.read_text())
    cases["rule_files"] = [str(rules)]
    described = descriptions(groups)
    for test in cases["tests"]:
        for check in test["alert_rule_test"]:
            for alert in check["exp_alerts"]:
                alert["exp_annotations"]["description"] = described[check["alertname"]]
    tests = tmp_path / "tests.yaml"
    tests.write_text(yaml.safe_dump(cases))
    out = subprocess.run(
        [promtool, "test", "rules", str(tests)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
