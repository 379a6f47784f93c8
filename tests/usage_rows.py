"""Usage counts for the report's tests, and a store that holds them in memory: the report
reads any store through `read(since, until)` and `hours()`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from ivr.twiml import events as ev
from ivr.usage.rows import Count, HourCount, Key

FIRST = date(2026, 3, 2)  # a Monday


@dataclass
class MemoryStore:
    counts: list[Count]
    hour_counts: list[HourCount] = field(default_factory=list)
    asked: list[tuple[date, date]] = field(default_factory=list)

    def read(self, since: date, until: date) -> list[Count]:
        self.asked.append((since, until))
        return [c for c in self.counts if since <= c.key.day <= until]

    def hours(self) -> list[HourCount]:
        return list(self.hour_counts)


def count(day: int, kind: str, n: int, channel: str = "voice", **fields: str) -> Count:
    return Count(Key(FIRST + timedelta(days=day), channel, "", kind, **fields), n)


def two_weeks() -> MemoryStore:
    """14 days of a small line: Dutch 12 a day, Polish 6, Romanian 2 on day 3 only."""
    counts = []
    for day in range(14):
        counts += [count(day, ev.CALL, 18 + (2 if day == 3 else 0)),
                   count(day, ev.LANGUAGE, 12, language="nl"),
                   count(day, ev.LANGUAGE, 6, language="pl"),
                   count(day, ev.CHOICE, 7, language="nl", node="main", outcome="what"),
                   count(day, ev.CHOICE, 5, language="pl", node="main", outcome="help"),
                   count(day, ev.OFFERED, 6, language="nl", node="contacts", contact="police"),
                   count(day, ev.FORWARD, 5, language="nl", node="contacts", contact="police"),
                   count(day, ev.DIALLED, 5, language="nl", node="contacts", contact="police",
                         outcome="completed"),
                   count(day, ev.ENDED, 10, language="nl", node="what", outcome="60-120s"),
                   count(day, ev.ENDED, 8, language="pl", node="main", outcome="0-30s"),
                   count(day, ev.SMS_TOPIC, 9, channel="sms", language="pl", node="help")]
    counts += [count(3, ev.LANGUAGE, 2, language="ro"),
               count(3, ev.CHOICE, 2, language="ro", node="main", outcome="help"),
               count(5, ev.DIALLED, 3, language="nl", node="contacts", contact="comensha",
                     outcome="busy"),
               count(6, ev.CLOSED, 1, language="nl", node="contacts", contact="comensha"),
               count(8, ev.SMS_TOPIC, 4, channel="sms", language="en", node="what")]
    hours = [HourCount(24 * 2 + 10, "voice", ev.CALL, 40),  # Wednesday 10:00
             HourCount(24 * 2 + 11, "voice", ev.CALL, 30),
             HourCount(24 * 6 + 3, "voice", ev.CALL, 2),  # Sunday 03:00
             HourCount(24 * 4 + 9, "voice", ev.CALL, 187),
             HourCount(24 * 4 + 9, "sms", ev.SMS_TOPIC, 3)]
    return MemoryStore(counts, hours)


LAST = FIRST + timedelta(days=13)
