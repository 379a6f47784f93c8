"""The usage counts as rows: what one count counts, and how many.

Every field is an id from menus.yaml, a word Twilio defines, an event kind of
ivr.twiml.events, a day, or an hour of the week: never a caller's number, a message, a
SID, or a time finer than the hour of the week. The store adds to these rows; the report
reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Key:
    """What one daily count counts. An empty string where a field does not apply."""

    day: date  # in Europe/Amsterdam
    channel: str  # "voice" or "sms"
    line: str  # which of the line's own numbers (LINE_NUMBERS) was reached, else ""
    kind: str  # an event kind (ivr.twiml.events)
    language: str = ""
    node: str = ""
    contact: str = ""
    outcome: str = ""


@dataclass(frozen=True, slots=True)
class Count:
    key: Key
    count: int


@dataclass(frozen=True, slots=True)
class HourCount:
    """A count per hour of the week, over all days: 0 is Monday 00:00-01:00 in
    Europe/Amsterdam, 167 Sunday 23:00-24:00. Kept apart from the days, so that no count
    says which day an hour was."""

    hour: int
    channel: str
    kind: str
    count: int
