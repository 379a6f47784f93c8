"""The report as one HTML page: each figure a chart (inline SVG) and its table, with no
script and nothing fetched from elsewhere, so that it opens offline and prints."""

from __future__ import annotations

from html import escape

from ivr.usage import charts
from ivr.usage.disclosure import NOT_SHOWN, Shown, Table, fewer_than
from ivr.usage.figures import STAGES, Report
from ivr.usage.heatmap import heatmap

STYLE = """
body { font-family: sans-serif; color: #111; background: #fff; margin: 1.5em auto;
       max-width: 60em; padding: 0 1em; }
section { margin: 2em 0; break-inside: avoid; page-break-inside: avoid; }
svg { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; font-size: 0.85em; margin-top: 0.5em; }
th, td { border: 1px solid #bbb; padding: 0.15em 0.5em; text-align: right; }
th { background: #eee; } th:first-child { text-align: left; }
td.hidden { color: #555; font-style: italic; }
@media print { body { max-width: none; margin: 0; } }
"""


def _td(shown: Shown) -> str:
    if isinstance(shown, int):
        return f"<td>{shown:,}</td>"
    return f'<td class="hidden">{escape(shown)}</td>'


def _table(table: Table, rows_are: str) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    body = []
    for row in table.rows:
        cells = "".join(_td(table.cell(row, c)) for c in table.columns)
        total = _td(table.row_total(row)) if table.row_totals else ""
        body.append(f"<tr><th>{escape(row)}</th>{cells}{total}</tr>")
    if table.column_totals:
        cells = "".join(_td(table.column_total(c)) for c in table.columns)
        total = _td(table.grand_total()) if table.row_totals and table.total else ""
        body.append(f"<tr><th>all</th>{cells}{total}</tr>")
    total_head = "<th>all</th>" if table.row_totals else ""
    return (f'<table><thead><tr><th>{escape(rows_are)}</th>{head}{total_head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _funnel_table(report: Report) -> str:
    stages = [report.figures[f"funnel {stage}"].table for stage in STAGES]
    languages = list(dict.fromkeys(lang for t in stages for lang in t.rows))
    head = "".join(f"<th>{escape(stage)}</th>" for stage in STAGES)
    rows = ["<tr><th>" + escape(lang) + "</th>" + "".join(
        _td(t.cell(lang, stage) if lang in t.rows else 0)
        for stage, t in zip(STAGES, stages, strict=True)) + "</tr>" for lang in languages]
    rows.append("<tr><th>all</th>" + "".join(
        _td(t.column_total(stage)) for stage, t in zip(STAGES, stages, strict=True)) + "</tr>")
    return (f'<table><thead><tr><th>language</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _section(name: str, heading: str, svgs: list[str], table: str, note: str = "") -> str:
    note_html = f"<p>{escape(note)}</p>" if note else ""
    return (f'<section id="{name}"><h2>{escape(heading)}</h2>{note_html}{"".join(svgs)}'
            f"{table}</section>")


def html(report: Report, title: str = "How the line is used") -> str:
    f = report.figures
    sections = [
        _section("calls", f"Calls a {report.by} by language", [charts.calls(report)],
                 _table(f["calls"].table, report.by),
                 "A call counts once for the language chosen, or its number's language."),
        _section("languages", "Share of each language", [charts.shares(report)],
                 _table(f["languages"].table, "language")),
        _section("choices", "Main-menu choices", [charts.stacked(f["choices"])],
                 _table(f["choices"].table, "choice")),
        _section("funnel", "From the greeting to a person", [charts.funnel(report)],
                 _funnel_table(report),
                 "Each step counts what happened, so a call that heard two topics counts "
                 "twice there; the greeting is by the language of the number called."),
        _section("ended", "Where calls ended, and how long they lasted",
                 [charts.totals(f["ended"], True, "The node a caller hung up in"),
                  charts.totals(f["ended"], False, "How long calls lasted")],
                 _table(f["ended"].table, "node")),
        _section("forwards", "Forwards by contact and how they ended",
                 [charts.stacked(f["forwards"])], _table(f["forwards"].table, "contact")),
        _section("texts", "Texts by topic and language", [charts.stacked(f["texts"])],
                 _table(f["texts"].table, "topic")),
        _section("hours", "When calls come: the hour of the week",
                 [heatmap(f["hours"].table, f["hours"].title)], _table(f["hours"].table, "day"),
                 "Over every day kept, in Amsterdam time: when to staff the phone."),
    ]
    period = f"{report.since.isoformat()} to {report.until.isoformat()}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}, {period}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
        f"<p>From {period}, both days included. A count from 1 to {report.minimum - 1} is "
        f"shown as &ldquo;{fewer_than(report.minimum)}&rdquo;, and a count beside it as "
        f"&ldquo;{NOT_SHOWN}&rdquo; where a total would give it away: no single caller can "
        "be picked out.</p>"
        f'{"".join(sections)}</body></html>\n'
    )
