"""docs/grafana-dashboard.json: it parses, and every counter it queries is one the line
exports (ivr/web/counters.py), with the labels it has."""

from __future__ import annotations

import json
import re

from prometheus_client import Counter

from ivr.web import counters

from .helpers import ROOT

DASHBOARD = ROOT / "docs" / "grafana-dashboard.json"


def exported() -> dict[str, tuple[str, ...]]:
    """Each counter of ivr.web.counters by its name, with its labels. prometheus_client
    has no public reader of a counter's label names (describe() and collect() give them
    only for series already counted), so its attributes are read: a test, not the line."""
    found = {c._name: tuple(c._labelnames) for c in vars(counters).values()
             if isinstance(c, Counter)}
    return found


def queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]


def test_the_dashboard_queries_only_counters_the_line_exports():
    names = exported()
    used = {m for expr in queries() for m in re.findall(r"\b(line_[a-z_]+?)_total\b", expr)}
    assert used - names.keys() == set()
    assert {"line_calls", "line_languages_chosen", "line_node_visits", "line_forwards",
            "line_texts", "line_texts_sent", "line_errors", "line_miss_limits",
            "line_texts_not_sent", "line_closed_contacts"} <= used


def test_each_query_groups_and_filters_by_labels_its_counter_has():
    names = exported()
    for expr in queries():
        counter = re.search(r"\b(line_[a-z_]+?)_total\b", expr)
        assert counter, expr
        labels = set(names[counter.group(1)])
        grouped = {label.strip() for group in re.findall(r"by \(([^)]*)\)", expr)
                   for label in group.split(",")}
        filtered = set(re.findall(r"(\w+)=\"", expr))
        assert grouped | filtered <= labels, (expr, labels)
        assert re.search(r"\bincrease\(", expr), f"{expr}: counters restart at a deploy"
