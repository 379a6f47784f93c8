"""The report's figures, added up from the usage counts: each a table of counts with small
ones hidden (ivr.usage.disclosure), the same for the HTML, JSON and CSV forms."""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from ivr.twiml import events
from ivr.usage.disclosure import MINIMUM_SHOWN, Table
from ivr.usage.rows import Count, HourCount

DAYS_BY_DAY = 92  # a longer period is counted by the week (Monday to Sunday)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOURS = tuple(f"{hour:02d}" for hour in range(24))
STAGES = ("greeting", "language chosen", "topic heard", "contact offered", "put through")
NONE = "none"  # a count without the field, such as a call ended before a language


class UsageStore(Protocol):
    """Where the counts are kept, as the report reads them."""

    def read(self, since: date, until: date) -> list[Count]: ...

    def hours(self) -> list[HourCount]: ...


@dataclass(frozen=True)
class Figure:
    """One figure of the report: a table and what its rows and columns are."""

    name: str
    title: str
    rows_are: str
    columns_are: str
    table: Table


@dataclass(frozen=True)
class Report:
    since: date
    until: date
    by: str  # "day" or "week"
    minimum: int
    figures: dict[str, Figure]


def period_of(day: date, by: str) -> str:
    return (day if by == "day" else day - timedelta(days=day.weekday())).isoformat()


def periods(since: date, until: date, by: str) -> list[str]:
    step = 1 if by == "day" else 7
    first = date.fromisoformat(period_of(since, by))
    return [(first + timedelta(days=d)).isoformat()
            for d in range(0, (until - first).days + 1, step)]


def build(counts: Iterable[Count], hours: Iterable[HourCount], since: date, until: date,
          main_node: str = "main", minimum: int = MINIMUM_SHOWN) -> Report:
    """The figures of the days from `since` to `until`, both included; the hours of the week
    are over every day kept."""
    by = "day" if (until - since).days < DAYS_BY_DAY else "week"
    sums: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    period = functools.cache(lambda day: period_of(day, by))
    for row in counts:
        key = row.key
        if not since <= key.day <= until:
            continue
        kind, language = key.kind, key.language or NONE
        if kind == events.LANGUAGE or (kind == events.CALL and key.language):
            sums["calls"][period(key.day), language] += row.count
        if kind == events.CALL:
            sums["greeting"][language, STAGES[0]] += row.count
        elif kind == events.CHOICE and key.node == main_node:
            sums["choices"][key.outcome or NONE, language] += row.count
        elif kind == events.OFFERED:
            sums["offered"][language, STAGES[3]] += row.count
        elif kind == events.FORWARD:
            sums["put through"][language, STAGES[4]] += row.count
        elif kind == events.ENDED:
            sums["ended"][key.node or NONE, key.outcome or NONE] += row.count
        elif kind in (events.DIALLED, events.CLOSED):
            outcome = "closed" if kind == events.CLOSED else key.outcome or NONE
            sums["forwards"][key.contact or NONE, outcome] += row.count
        elif kind == events.SMS_TOPIC:
            sums["texts"][key.node or NONE, language] += row.count
    for hour in hours:
        if hour.channel == "voice" and hour.kind == events.CALL and 0 <= hour.hour < 168:
            sums["hours"][WEEKDAYS[hour.hour // 24], HOURS[hour.hour % 24]] += hour.count
    return Report(since, until, by, minimum, _figures(sums, periods(since, until, by), minimum))


def _figures(sums: dict[str, Counter[tuple[str, str]]], period_list: list[str],
             minimum: int) -> dict[str, Figure]:
    def table(name: str, rows: list[str] | None = None, columns: list[str] | None = None,
              **margins: bool) -> Table:
        cells = sums[name]
        return Table(rows or _by_size(cells, 0), columns or _by_size(cells, 1), cells,
                     minimum, **margins)

    calls = table("calls", rows=period_list)
    choices = table("choices")
    ended = table("ended", columns=sorted({c for _, c in sums["ended"]}, key=_bucket_order))
    figures = [
        Figure("calls", "Calls by language", "period", "language", calls),
        Figure("languages", "Share of each language", "language", "calls",
               calls.column_totals_table("calls")),
        Figure("choices", "Main-menu choices", "choice", "language", choices),
        Figure("ended", "Where calls ended", "node", "length", ended),
        Figure("forwards", "Forwards by contact and how they ended", "contact", "outcome",
               table("forwards")),
        Figure("texts", "Texts by topic and language", "topic", "language", table("texts")),
        Figure("hours", "Calls by hour of the week (all days kept)", "day", "hour",
               table("hours", rows=list(WEEKDAYS), columns=list(HOURS),
                     row_totals=False, column_totals=False)),
    ]
    sources: tuple[str | Table, ...] = ("greeting", calls, choices, "offered", "put through")
    for stage, source in zip(STAGES, sources, strict=True):
        column = (table(source, columns=[stage], row_totals=False, total=False)
                  if isinstance(source, str) else source.column_totals_table(stage))
        figures.append(Figure(f"funnel {stage}", f"Funnel: {stage}", "language", stage, column))
    return {figure.name: figure for figure in figures}


def _by_size(cells: Counter[tuple[str, str]], axis: int) -> list[str]:
    """A field's values, the most counted first (then by name, so that it stays put)."""
    sizes: Counter[str] = Counter()
    for key, count in cells.items():
        sizes[key[axis]] += count
    return sorted(sizes, key=lambda value: (-sizes[value], value))


def _bucket_order(bucket: str) -> tuple[float, str]:
    """Call lengths in order of the seconds they begin with ("0-30s", "30-60s", "10m+")."""
    match = re.match(r"(\d+(?:\.\d+)?)\s*([a-z]*)", bucket)
    if not match:
        return (float("inf"), bucket)
    scale = 60 if match.group(2).startswith("m") else 1
    return (float(match.group(1)) * scale, bucket)
