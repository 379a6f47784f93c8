"""The report's figures as JSON and CSV, hidden counts as words, as in the HTML."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from ivr.usage.disclosure import Shown, fewer_than
from ivr.usage.figures import Figure, Report

TOTAL = "(total)"  # a row or column's total in the CSV


def as_dict(report: Report) -> dict[str, Any]:
    return {
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "counted_by": report.by,
        "minimum_shown": report.minimum,
        "hidden": {"small": fewer_than(report.minimum), "beside a small one": "not shown"},
        "figures": {name: _figure(figure) for name, figure in report.figures.items()},
    }


def _figure(figure: Figure) -> dict[str, Any]:
    table = figure.table
    shown: dict[str, Any] = {
        "title": figure.title, "rows": figure.rows_are, "columns": figure.columns_are,
        "cells": {row: {column: table.cell(row, column) for column in table.columns}
                  for row in table.rows},
    }
    if table.row_totals:
        shown["row_totals"] = {row: table.row_total(row) for row in table.rows}
    if table.column_totals:
        shown["column_totals"] = {c: table.column_total(c) for c in table.columns}
    if table.total:
        shown["total"] = table.grand_total()
    return shown


def as_json(report: Report) -> str:
    return json.dumps(as_dict(report), indent=1, ensure_ascii=False) + "\n"


def _lines(report: Report) -> Iterator[tuple[str, str, str, Shown]]:
    for name, figure in report.figures.items():
        table = figure.table
        for row in table.rows:
            for column in table.columns:
                yield name, row, column, table.cell(row, column)
            if table.row_totals:
                yield name, row, TOTAL, table.row_total(row)
        if table.column_totals:
            for column in table.columns:
                yield name, TOTAL, column, table.column_total(column)
        if table.total:
            yield name, TOTAL, TOTAL, table.grand_total()


def as_csv(report: Report) -> str:
    """One count a line: figure, row, column, count; zeros left out."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["figure", "row", "column", "count"])
    writer.writerows(line for line in _lines(report) if line[3] != 0)
    return out.getvalue()
