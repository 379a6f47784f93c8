"""What an answer adds to the usage counts: its events as the rows of one day and the
hours of the week, and where a call is, for the count of where it ended.

Pure: the events, the channel, the line's own number that was reached and the time in,
the rows out. Nothing here sees a request, a caller's number or a SID.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from ivr.content.hours import AMSTERDAM
from ivr.twiml.events import ENDED, FORWARD, NODE, Event
from ivr.usage.rows import Key

# Key's fields, in its order: what one daily count counts.
Row = tuple[date, str, str, str, str, str, str, str]
# (hour of the week, channel, kind): what one count of HourCount counts.
HourKey = tuple[int, str, str]
# (language, node): where a call is, the only thing kept of it until it ends.
Place = tuple[str, str]

# A call's place is kept this long whatever happens: a status callback that never comes
# (not set on the number, or lost) leaves nothing behind for longer.
CALL_SECONDS = 2 * 60 * 60
# How long a call lasted, in buckets (outcome of ENDED), shortest first: seconds below
# which each bucket ends, and its name.
BUCKETS = ((30, "under 30 s"), (60, "30-60 s"), (120, "1-2 min"), (300, "2-5 min"),
           (600, "5-10 min"), (None, "over 10 min"))
# Twilio's CallStatus values that end a call (https://www.twilio.com/docs/voice/api/
# call-resource#call-status-values); the others say it is still on its way.
ENDS = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
# Where a caller is, for where they hung up: the node whose text they heard last, or the
# forward they were put through to.
PLACES = frozenset({NODE, FORWARD})


@dataclass(slots=True)  # not frozen: made at every answer, and frozen takes longer
class Tally:
    """What to add: daily rows and hour-of-week rows, each with how many; and where the
    call now is (None: the answer moved it nowhere)."""

    days: dict[Row, int] = field(default_factory=dict)
    hours: dict[HourKey, int] = field(default_factory=dict)
    place: Place | None = None

    def __bool__(self) -> bool:
        return bool(self.days or self.place)

    def keys(self) -> dict[Key, int]:
        return {Key(*row): n for row, n in self.days.items()}


@dataclass(slots=True)
class Batch:
    """Tallies added up in a worker's memory, to be written to the store at once: one
    write a second instead of one an answer (ivr/web/usage_counts.py)."""

    days: dict[Row, int] = field(default_factory=dict)
    hours: dict[HourKey, int] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)  # a call's keyed hash: its place

    def __bool__(self) -> bool:
        return bool(self.days or self.places)

    def add(self, tally: Tally, call: str | None = None) -> None:
        days, hours = self.days, self.hours
        for row, n in tally.days.items():
            days[row] = days.get(row, 0) + n
        for key, n in tally.hours.items():
            hours[key] = hours.get(key, 0) + n
        if call and tally.place:
            self.places[call] = tally.place


def hour_of_week(now: datetime) -> int:
    """0 for Monday 00:00-01:00 in Europe/Amsterdam, 167 for Sunday 23:00-24:00."""
    local = now.astimezone(AMSTERDAM)
    return local.weekday() * 24 + local.hour


def tally(events: Iterable[Event], channel: str, line: str, now: datetime) -> Tally:
    """The rows an answer's events add, on the day and hour of `now` in Amsterdam.
    Plain tuples in Key's order, not Keys: made at every answer, they are what counting
    costs a webhook (a frozen dataclass takes several times as long to make)."""
    local = now.astimezone(AMSTERDAM)
    day, hour = local.date(), local.weekday() * 24 + local.hour
    days: dict[Row, int] = {}
    hours: dict[HourKey, int] = {}
    place = None
    for e in events:
        row = (day, channel, line, e.kind, e.language or "", e.node or "", e.contact or "",
               e.outcome or "")
        days[row] = days.get(row, 0) + 1
        key = (hour, channel, e.kind)
        hours[key] = hours.get(key, 0) + 1
        if e.kind in PLACES and e.language and e.node:
            place = (e.language, e.node)
    return Tally(days, hours, place)


def bucket(seconds: int) -> str:
    for below, name in BUCKETS:
        if below is None or seconds < below:
            return name
    raise AssertionError("the last bucket has no end")  # pragma: no cover


def ended(place: Place | None, status: str, duration: str) -> Event | None:
    """The event of a call's end, from Twilio's status callback: where the caller was
    (nothing: before any node, such as in the choice of language) and how long the call
    lasted; a call that was never answered by the line has its status instead. None for a
    status that does not end a call."""
    if status not in ENDS:
        return None
    if status != "completed":
        outcome = status
    else:
        outcome = bucket(int(duration)) if duration.isascii() and duration.isdigit() \
            else "unknown"
    language, node = place or ("", "")
    return Event(ENDED, language=language or None, node=node or None, outcome=outcome)
