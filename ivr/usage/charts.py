"""The report's charts as inline SVG, drawn by pygal: no script, no font and nothing else
from elsewhere, so that the page works offline and prints.

A hidden count is drawn as a bar of nothing, with "fewer than 5" (or "not shown") as its
value, so that no bar's length gives it away.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import pygal
from pygal.style import Style

from ivr.usage.disclosure import NOT_SHOWN, Shown, Table, fewer_than
from ivr.usage.figures import STAGES, Figure, Report

# Okabe and Ito's colours, told apart by people with colour blindness, and on paper.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000", "#999999", "#7F3C8D", "#11A579", "#3969AC")
STYLE = Style(background="white", plot_background="white", foreground="#222",
              foreground_strong="#000", foreground_subtle="#888", opacity="1",
              opacity_hover="1", colors=COLOURS, font_family="sans-serif",
              label_font_size=12, major_label_font_size=12, legend_font_size=13,
              value_font_size=12, title_font_size=15, tooltip_font_size=12)


def _no_script(root: Any) -> Any:
    """pygal puts its configuration in a <script> for its tooltips (its `js` option only
    says where the tooltips' code comes from): the report has no script at all."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return root


def _chart(kind: Callable[..., Any], title: str, labels: Sequence[str], **options: Any) -> Any:
    height = options.pop("height", max(260, 90 + 26 * len(labels))
                         if kind in (pygal.HorizontalBar, pygal.HorizontalStackedBar) else 380)
    chart = kind(style=STYLE, js=[], disable_xml_declaration=True,
                 width=900, height=height, title=title, legend_at_bottom=True,
                 truncate_legend=-1, truncate_label=-1, print_zeroes=False,
                 value_formatter=lambda v: f"{v:,.0f}", **options)
    chart.x_labels = list(labels)
    chart.add_xml_filter(_no_script)
    return chart


def _value(shown: Shown) -> int | dict[str, Any]:
    """A count for pygal: a hidden one is a bar of length 0 labelled with its words."""
    if isinstance(shown, int):
        return shown
    return {"value": 0, "formatter": lambda _value, words=shown: words}


def _series(chart: Any, table: Table, rows: Sequence[str]) -> str:
    """One series a column, one bar a row; stacked, the hidden counts of a row whose total
    is shown make one grey piece (the total less the parts shown, which anyone can work
    out), so that a bar is as long as its total."""
    for column in table.columns:
        chart.add(column, [_value(table.cell(row, column)) for row in rows])
    if table.row_totals and any(("cell", r, c) in table.hidden
                                for r in rows for c in table.columns):
        chart.add(NOT_SHOWN, [_rest(table, row) for row in rows])
        # Its legend grey too: pygal colours a series by its place in the style's colours.
        chart.style = copy.copy(STYLE)
        chart.style.colors = (*COLOURS[:len(table.columns)], GREY, *COLOURS[len(table.columns):])
    return str(chart.render(is_unicode=True))


def _rest(table: Table, row: str) -> dict[str, Any]:
    total = table.row_total(row)
    if not isinstance(total, int):
        return {"value": 0, "formatter": lambda _value, words=total: words}
    parts = [table.cell(row, c) for c in table.columns]
    rest = total - sum(p for p in parts if isinstance(p, int))
    return {"value": rest,
            "formatter": lambda v: f"{v:,.0f} {NOT_SHOWN} or {fewer_than(table.minimum)}"
            if v else ""}


GREY = "#bbbbbb"


def calls(report: Report) -> str:
    """A line a language: a hidden count is a gap in its line, not a 0. Dots (and their
    values) up to a month; beyond, the lines alone, which pygal draws ten times faster."""
    table = report.figures["calls"].table
    every = max(1, len(table.rows) // 12)
    chart = _chart(pygal.Line, f"Calls a {report.by} by language", table.rows,
                   x_label_rotation=40, show_minor_x_labels=False,
                   x_labels_major=table.rows[::every], allow_interruptions=True,
                   show_dots=len(table.rows) <= DOTS, dots_size=3, stroke_style={"width": 2})
    for column in table.columns:
        chart.add(column, [n if isinstance(n := table.cell(row, column), int) else None
                           for row in table.rows])
    return str(chart.render(is_unicode=True))


DOTS = 31


def shares(report: Report) -> str:
    table = report.figures["languages"].table
    total = table.column_total("calls")
    chart = _chart(pygal.HorizontalBar, "Share of each language (calls)", table.rows,
                   show_legend=False, print_values=True)
    values: list[int | dict[str, Any]] = []
    for row in table.rows:
        shown = table.cell(row, "calls")
        if isinstance(shown, int) and isinstance(total, int) and total:
            values.append({"value": shown,
                           "formatter": lambda v, t=total: f"{v / t:.0%} ({v:,.0f})"})
        else:
            values.append(_value(shown))
    chart.add("calls", values)
    return str(chart.render(is_unicode=True))


def totals(figure: Figure, of_rows: bool, title: str) -> str:
    """A figure's row totals (or column totals) as bars."""
    table = figure.table
    labels = table.rows if of_rows else table.columns
    total = table.row_total if of_rows else table.column_total
    chart = _chart(pygal.HorizontalBar if of_rows else pygal.Bar, title, labels,
                   show_legend=False, print_values=True)
    chart.add(figure.rows_are if of_rows else figure.columns_are,
              [_value(total(label)) for label in labels])
    return str(chart.render(is_unicode=True))


def stacked(figure: Figure) -> str:
    """Each row a bar, its columns stacked."""
    table = figure.table
    chart = _chart(pygal.HorizontalStackedBar, figure.title, table.rows)
    return _series(chart, table, table.rows)


def funnel(report: Report) -> str:
    """Per language, how many reached each step of a call."""
    stages = [report.figures[f"funnel {stage}"].table for stage in STAGES]
    languages = list(dict.fromkeys(lang for t in stages for lang in t.rows))
    chart = _chart(pygal.Bar, "From the greeting to a person, by language",
                   [*languages, "all"], x_label_rotation=0)
    for stage, table in zip(STAGES, stages, strict=True):
        values = [_value(table.cell(lang, stage) if lang in table.rows else 0)
                  for lang in languages]
        chart.add(stage, [*values, _value(table.column_total(stage))])
    return str(chart.render(is_unicode=True))
