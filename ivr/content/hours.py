"""Opening hours of a contact: a weekly schedule in Europe/Amsterdam, closed on Dutch
public holidays (from the `holidays` package). A contact without hours is always open."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RANGE_RE = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])")
LOOK_AHEAD_DAYS = 15  # long enough to pass a run of holidays


@dataclass(frozen=True)
class Opening:
    day: int  # 0 is Monday
    start: int  # minutes after midnight
    end: int

    @property
    def time(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}"

    @property
    def slug(self) -> str:
        return f"{DAYS[self.day]}.{self.start // 60:02d}{self.start % 60:02d}"


def parse_range(day: int, text: str) -> Opening | None:
    match = RANGE_RE.fullmatch(text.strip())
    if not match:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    return Opening(day, start, end) if start < end <= 24 * 60 else None


@functools.cache
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("NL", years=year)


def is_holiday(day: date) -> bool:
    return day in _holidays(day.year)


def is_open(hours: tuple[Opening, ...], now: datetime | None) -> bool:
    """Open at `now`; a contact without hours, or a call without a clock, is open."""
    if not hours or now is None:
        return True
    local = now.astimezone(AMSTERDAM)
    if is_holiday(local.date()):
        return False
    minute = local.hour * 60 + local.minute
    return any(o.day == local.weekday() and o.start <= minute < o.end for o in hours)


def next_opening(hours: tuple[Opening, ...], now: datetime) -> Opening | None:
    """The next time the contact opens after `now`, holidays skipped."""
    local = now.astimezone(AMSTERDAM)
    minute = local.hour * 60 + local.minute
    for offset in range(LOOK_AHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        if is_holiday(day):
            continue
        for opening in sorted((o for o in hours if o.day == day.weekday()),
                              key=lambda o: o.start):
            if offset > 0 or opening.start > minute:
                return opening
    return None
