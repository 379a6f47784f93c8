"""`make bench-report`: a year of a busy line's usage counts, made up, and the time the
report takes to read them and write its JSON and its HTML (issue: under 2 s).

1,000 calls a day, spread over the languages of menus.yaml as a poster campaign might
spread them (Dutch most, then English, Polish, Romanian, Bulgarian...), each taking the main
menu's choices, reaching nodes, being offered and put through to contacts with Twilio's
outcomes, and ending in a node after a length; texts by topic; a day's calls over the
hours of the week. The counts are drawn at random around those shares (a fixed seed). The
busy line's times are the median of 5 runs; a quiet line's (60 calls a day, once) show
what protecting many small counts costs. A measurement, not a test: nothing fails.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from ivr.content.model import Menus
from ivr.lines import DEFAULT_MENUS_PATH, load_menus
from ivr.twiml import events as ev
from ivr.usage import exports, figures, page
from ivr.usage.rows import Count, HourCount, Key

CALLS_A_DAY = 1000
DAYS = 365
# The share of calls in each language, in the order of menus.yaml's languages.
SHARES = (0.40, 0.15, 0.10, 0.08, 0.06, 0.05, 0.05, 0.04, 0.03, 0.02, 0.02)
OUTCOMES = {"completed": 0.7, "busy": 0.1, "no-answer": 0.12, "failed": 0.05,
            "canceled": 0.03}
LENGTHS = {"0-30s": 0.25, "30-60s": 0.2, "60-120s": 0.2, "120-300s": 0.2, "300-600s": 0.1,
           "600s+": 0.05}


@dataclass
class Made:
    counts: list[Count]
    hour_counts: list[HourCount]

    def read(self, since: date, until: date) -> list[Count]:
        return [c for c in self.counts if since <= c.key.day <= until]

    def hours(self) -> list[HourCount]:
        return self.hour_counts


def spread(total: float, weights: dict[str, float], rng: random.Random) -> Counter[str]:
    """`total` shared out by `weights`, each share a little off, as days are."""
    return Counter({name: n for name, weight in weights.items()
                    if (n := round(rng.gauss(total * weight, (total * weight) ** 0.5))) > 0})


def a_year(menus: Menus, last: date, rng: random.Random, calls_a_day: int = CALLS_A_DAY) -> Made:
    languages = dict(zip(menus.languages, SHARES, strict=False))
    main = menus.nodes[menus.settings.main_node]
    targets = {o.target: 1 / len(main.options) for o in main.options}
    contacts = {c: 1 / len(menus.contacts) for c in menus.contacts}
    topics = {n.id: 1 / max(1, sum(1 for m in menus.nodes.values() if m.keywords))
              for n in menus.nodes.values() if n.keywords}
    ends = {**targets, main.id: 0.3}
    counts: list[Count] = []
    for day in (last - timedelta(days=d) for d in range(DAYS)):
        def add(kind: str, n: int, channel: str = "voice", **fields: str) -> None:
            counts.append(Count(Key(day, channel, "", kind, **fields), n))  # noqa: B023

        add(ev.CALL, calls_a_day)
        for lang, calls in spread(calls_a_day, languages, rng).items():
            add(ev.LANGUAGE, calls, language=lang)
            for target, n in spread(calls * 1.3, targets, rng).items():
                add(ev.CHOICE, n, language=lang, node=main.id, outcome=target)
                add(ev.NODE, n, language=lang, node=target)
            for contact, n in spread(calls * 0.2, contacts, rng).items():
                add(ev.OFFERED, n, language=lang, node=contact, contact=contact)
                add(ev.FORWARD, round(n * 0.8), language=lang, node=contact, contact=contact)
                for outcome, m in spread(n * 0.8, OUTCOMES, rng).items():
                    add(ev.DIALLED, m, language=lang, node=contact, contact=contact,
                        outcome=outcome)
            for node, n in spread(calls, ends, rng).items():
                for length, m in spread(n, LENGTHS, rng).items():
                    add(ev.ENDED, m, language=lang, node=node, outcome=length)
            for topic, n in spread(calls * 0.05, topics, rng).items():
                add(ev.SMS_TOPIC, n, channel="sms", language=lang, node=topic)
    # Office hours busiest, nights quiet, a day's calls over the week's hours.
    weights = {str(h): (3 if 9 <= h % 24 < 17 else 1 if 7 <= h % 24 < 22 else 0.1)
               for h in range(168)}
    hours = spread(calls_a_day * DAYS, {h: w / sum(weights.values())
                                        for h, w in weights.items()}, rng)
    return Made(counts, [HourCount(int(h), "voice", ev.CALL, n) for h, n in hours.items()])


def timed(job, runs: int = 5) -> tuple[float, object]:
    seconds, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = job()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def main() -> None:
    menus, _ = load_menus(DEFAULT_MENUS_PATH)
    last = date(2026, 12, 31)
    since = last - timedelta(days=DAYS - 1)
    # A busy line, the goal; and a quiet one, whose many small counts the report protects.
    for calls_a_day, forms in ((CALLS_A_DAY, FORMS), (60, FORMS[:1] + FORMS[-1:])):
        store = a_year(menus, last, random.Random(23), calls_a_day)
        print(f"{len(store.counts):,} daily counts over {DAYS} days, "
              f"{sum(c.count for c in store.counts if c.key.kind == ev.CALL):,} calls")

        def report(render, store=store):
            return lambda: render(figures.build(store.read(since, last), store.hours(),
                                                since, last, menus.settings.main_node))

        for name, render in forms:
            seconds, made = timed(report(render), runs=5 if calls_a_day == CALLS_A_DAY else 1)
            size = f", {len(made):,} characters" if isinstance(made, str) else ""
            print(f"  {name:8} {seconds:6.2f} s{size}")
        made = report(lambda r: r)()
        print(f"  counts hidden: {sum(len(f.table.hidden) for f in made.figures.values())}")


FORMS = (("figures", lambda r: r), ("JSON", exports.as_json), ("CSV", exports.as_csv),
         ("HTML", page.html))


if __name__ == "__main__":
    main()
