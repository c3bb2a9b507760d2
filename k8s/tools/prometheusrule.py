#!/usr/bin/env python3
"""Writes k8s/base/monitoring/prometheusrule.yaml from deploy/prometheus/alerts.yml, so the two stay
equal (ManifestInvariantsTest compares them). Run after every change to alerts.yml."""
import os

import yaml

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
rules = yaml.safe_load(open(os.path.join(root, "deploy/prometheus/alerts.yml")))


def text(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


yaml.SafeDumper.add_representer(str, text)
header = """# The rules of deploy/prometheus/alerts.yml for prometheus-operator, written from it by
# k8s/tools/prometheusrule.py (do not edit by hand; the k8s tests compare the two). What each
# alert means: docs/runbook.md, "Alerts".
"""
rule = {
    "apiVersion": "monitoring.coreos.com/v1",
    "kind": "PrometheusRule",
    "metadata": {
        "name": "doppel",
        "labels": {
            "app.kubernetes.io/name": "doppel",
            # kube-prometheus-stack's Prometheus selects rules by its Helm release name
            # (ruleSelector: release=<name>); see k8s/README.md.
            "release": "kube-prometheus-stack",
        },
    },
    "spec": {"groups": rules["groups"]},
}
with open(os.path.join(root, "k8s/base/monitoring/prometheusrule.yaml"), "w") as out:
    out.write(header)
    yaml.safe_dump(rule, out, sort_keys=False, width=200)
