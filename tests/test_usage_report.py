"""The usage report: its figures from the counts, small counts hidden in every form, and
`flask report` and GET /report."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import create_app
from ivr.usage import exports, figures, page
from ivr.usage.disclosure import NOT_SHOWN, Table, add_up
from ivr.web.state import line_state

from .helpers import MENUS_PATH, METRICS_TOKEN, TOKEN, examples
from .usage_rows import FIRST, LAST, MemoryStore, two_weeks

FEWER = "fewer than 5"


def made(store: MemoryStore | None = None, **options):
    store = store or two_weeks()
    return figures.build(store.read(FIRST, LAST), store.hours(), FIRST, LAST, **options)


def test_the_figures_are_the_counts_made():
    shown = exports.as_dict(made())["figures"]
    assert shown["calls"]["cells"]["2026-03-02"] == {"nl": 12, "pl": 6, "ro": 0}
    assert shown["calls"]["total"] == 254
    assert shown["languages"]["cells"]["nl"] == {"calls": 168}
    assert shown["funnel language chosen"]["cells"]["nl"] == {"language chosen": 168}
    assert shown["choices"]["row_totals"]["what"] == 98
    assert shown["funnel greeting"]["column_totals"] == {"greeting": 254}
    assert shown["funnel put through"]["cells"] == {"nl": {"put through": 70}}
    assert shown["ended"]["row_totals"] == {"what": 140, "main": 112}
    assert shown["ended"]["column_totals"] == {"60-120s": 140, "0-30s": 112}
    assert shown["hours"]["cells"]["Wed"]["10"] == 40
    assert shown["hours"]["cells"]["Fri"]["09"] == 187
    assert shown["texts"]["cells"]["help"]["pl"] == 126


def test_a_small_count_is_fewer_than_5_in_every_form():
    report = made()
    shown = exports.as_dict(report)["figures"]
    assert shown["calls"]["cells"]["2026-03-05"]["ro"] == FEWER
    assert shown["hours"]["cells"]["Sun"]["03"] == FEWER
    assert shown["texts"]["cells"]["what"]["en"] == FEWER
    assert shown["forwards"]["cells"]["comensha"] == {"completed": 0, "busy": FEWER,
                                                     "closed": FEWER}
    rows = list(csv.reader(io.StringIO(exports.as_csv(report))))
    assert ["calls", "2026-03-05", "ro", FEWER] in rows
    assert ["hours", "Sun", "03", FEWER] in rows
    html = page.html(report)
    assert '<td class="hidden">fewer than 5</td>' in html
    assert "<td>2</td>" not in html
    assert re.search(r'<desc class="value">fewer than 5</desc>', html)
    assert not re.search(r'<desc class="value">[1-4]</desc>', html)  # no bar says 1 to 4


def test_no_total_gives_a_small_count_away():
    """Romanian's 2 calls on day 3: the day's total less Dutch and Polish would say 2, so
    Polish that day is not shown either, nor Polish's total (all calls less Dutch's and
    Polish's), wherever it appears; the forwards' totals likewise."""
    shown = exports.as_dict(made())["figures"]
    assert shown["calls"]["column_totals"] == {"nl": 168, "pl": NOT_SHOWN, "ro": FEWER}
    assert shown["languages"]["cells"]["pl"] == {"calls": NOT_SHOWN}
    assert shown["funnel language chosen"]["cells"]["pl"] == {"language chosen": NOT_SHOWN}
    day = shown["calls"]["cells"]["2026-03-05"]
    assert (day, shown["calls"]["row_totals"]["2026-03-05"]) == (
        {"nl": 12, "pl": NOT_SHOWN, "ro": FEWER}, 20)
    assert shown["forwards"]["row_totals"] == {"police": 70, "comensha": FEWER}
    assert shown["forwards"]["total"] == NOT_SHOWN  # 70 + 4
    assert shown["hours"]["cells"]["Wed"]["11"] == NOT_SHOWN  # beside Sunday 03:00's 2


def test_the_smallest_shown_count_is_a_setting():
    shown = exports.as_dict(made(minimum=3))["figures"]
    assert shown["calls"]["column_totals"]["ro"] == "fewer than 3"
    assert shown["texts"]["cells"]["what"]["en"] == 4


def readings(table: Table):
    """Every table a reader cannot tell from the one shown: each hidden cell 1 to 4 where
    it says "fewer than 5" (0 to 4 when no table fits otherwise), else 5 or more (up to the
    sum of all), and every total the same or hidden as shown. Returns the values each count
    can have, or None when there are too many tables to try."""
    shown = {cell: table.shown(cell) for cell in table.counts}
    hidden = [("cell", r, c) for r in table.rows for c in table.columns
              if isinstance(shown["cell", r, c], str)]
    most = sum(table.cells.values()) + 5
    for least in (1, 0):
        ranges = [range(least, 5) if shown[cell] == FEWER else range(5, most + 1)
                  for cell in hidden]
        if math.prod(len(r) for r in ranges) > 20_000:
            return None
        possible: dict[tuple, set[int]] = {cell: set() for cell in table.counts}
        for guess in itertools.product(*ranges):
            cells = {(r, c): table.cells.get((r, c), 0)
                     for r in table.rows for c in table.columns}
            cells.update({(cell[1], cell[2]): n for cell, n in zip(hidden, guess, strict=True)})
            counts = add_up(table.rows, table.columns, cells)
            if all(counts[cell] == shown[cell] if isinstance(shown[cell], int) else
                   (counts[cell] < 5) == (shown[cell] == FEWER) for cell in counts):
                for cell, value in counts.items():
                    possible[cell].add(value)
        if any(possible.values()):
            return possible
    raise AssertionError("no table gives what the report shows")


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.lists(st.integers(0, 9), min_size=3, max_size=3), min_size=1, max_size=2))
def test_no_small_count_can_be_worked_out_whatever_the_table(grid):
    table = Table([f"r{i}" for i in range(len(grid))], ["a", "b", "c"],
                  {(f"r{i}", c): n for i, row in enumerate(grid)
                   for c, n in zip("abc", row, strict=True)})
    for cell, value in table.counts.items():
        assert table.shown(cell) == value or (value < 5) == (table.shown(cell) == FEWER)
    possible = readings(table)
    if possible is not None:
        for cell in table.counts:
            if table.shown(cell) == FEWER:
                # Pinned to a wrong value (a 0 hidden among them) gives nothing away.
                assert possible[cell] != {table.counts[cell]}, (cell, possible[cell])


@pytest.fixture
def reporting():
    app = create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_AUTH_TOKEN": TOKEN,
                      "METRICS_TOKEN": METRICS_TOKEN})
    line_state(app).usage = two_weeks()  # type: ignore[assignment]
    return app


def test_flask_report_writes_json_and_csv(reporting, tmp_path):
    runner = reporting.test_cli_runner()
    result = runner.invoke(args=["report", "--since", "2026-03-02", "--until", "2026-03-15",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert (shown["since"], shown["until"], shown["counted_by"]) == (
        "2026-03-02", "2026-03-15", "day")
    assert shown == exports.as_dict(made())
    out = tmp_path / "usage.csv"
    result = runner.invoke(args=["report", "--since", "2026-03-02", "--until", "2026-03-15",
                                 "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("figure,row,column,count\ncalls,2026-03-02,nl,12\n")


def test_flask_report_says_what_is_wrong(reporting):
    runner = reporting.test_cli_runner()
    result = runner.invoke(args=["report", "--since", "2026-03-15", "--until", "2026-03-02"])
    assert result.exit_code == 2
    assert ("Invalid value for --since/--until: since 2026-03-15 is after until 2026-03-02: "
            "swap them") in result.output
    line_state(reporting).usage = None
    result = runner.invoke(args=["report"])
    assert result.exit_code == 1
    assert "Error: the app keeps no usage counts: no usage store is configured" in result.output


def test_the_report_page_needs_the_metrics_token(reporting):
    client = reporting.test_client()
    assert client.get("/report").status_code == 401
    assert client.get("/report", headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = client.get("/report?since=2026-03-02&until=2026-03-15",
                          headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    assert same_page(response.get_data(as_text=True), page.html(made()))
    response = client.get("/report?since=March", headers={
        "Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 400


def same_page(one: str, other: str) -> bool:
    """pygal names each chart with a random id: the same pages but for those."""
    return re.sub(CHART_ID, "chart", one) == re.sub(CHART_ID, "chart", other)


CHART_ID = r"chart-[0-9a-f-]{36}"


def test_the_report_page_is_off_without_a_token(app):
    line_state(app).usage = two_weeks()  # type: ignore[assignment]
    try:
        assert app.test_client().get("/report").status_code == 404
    finally:
        line_state(app).usage = None
