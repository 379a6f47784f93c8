"""Deleting Twilio's records of the line's calls and texts once they are done.

The line keeps nothing about a caller, but Twilio does: a call's record holds the
caller's number until it is deleted (https://www.twilio.com/docs/voice/api/call-resource),
a message's record its numbers and body for 400 days by default ("Twilio SMS message and
traffic storage", help.twilio.com). The purge lists, through twilio's Client, the calls
to the line's numbers with their forwarded legs and the calls from them, and the messages
to and from them, and deletes each that is finished and old enough. What it prints and
logs are counts by kind and status: never a number, a body or a SID.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from ivr.web.rest_client import error_code, error_status

log = logging.getLogger("ivr.purge")

# Final statuses (https://www.twilio.com/docs/voice/api/call-resource#call-status-values,
# https://www.twilio.com/docs/messaging/api/message-resource#message-status-values).
FINAL = {
    "calls": frozenset({"completed", "busy", "no-answer", "failed", "canceled"}),
    "messages": frozenset({"delivered", "undelivered", "failed", "received", "read"}),
}
# "Cannot delete this resource before it is complete": wait at least a minute, in rare
# cases up to 14 days (https://www.twilio.com/docs/api/errors/20009).
NOT_YET_DELETABLE = 20009
PAGE_SIZE = 1000  # the most Twilio's lists give a page: the fewest requests
BUSY = frozenset({429, 500, 502, 503, 504})  # left for the next run, after the retries

# What became of a record, in the order the summary gives them.
DELETED, WOULD_DELETE = "deleted", "would be deleted"
NOT_FINAL_AT_TWILIO = "left for the next run: Twilio has not finished it (error 20009)"
TWILIO_BUSY = "left for the next run: Twilio too busy (429 or a server error)"
IN_PROGRESS, TOO_YOUNG = "kept: not finished", "kept: finished less than --older-than ago"
GONE, FAILED = "already deleted", "not deleted: an error"
OUTCOMES = (DELETED, WOULD_DELETE, NOT_FINAL_AT_TWILIO, TWILIO_BUSY, GONE, FAILED,
            IN_PROGRESS, TOO_YOUNG)
LEFT = frozenset({NOT_FINAL_AT_TWILIO, TWILIO_BUSY})
STATUS_RE = re.compile(r"[a-z][a-z-]{0,30}")  # Twilio's words; anything else is "other"

DURATION_RE = re.compile(r"(\d+)\s*([smhd])")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def duration(text: str) -> timedelta:
    """'10m', '90s', '1h' or '2d' as a timedelta; ValueError saying how to write it."""
    found = DURATION_RE.fullmatch(text.strip().lower())
    if not found:
        raise ValueError(f"{text!r} is not a duration: write it like 10m, 90s, 1h or 2d")
    return timedelta(**{UNITS[found[2]]: int(found[1])})


class PurgeError(Exception):
    """The run cannot go on (the credentials, the network); the message holds no number
    and no SID."""


@dataclass
class Tally:
    """How many records of each kind and status came to each outcome; and every listing
    left for the next run."""

    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    lists_left: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, record: Any, outcome: str) -> None:
        status = str(record.status or "")
        self.counts[kind, status if STATUS_RE.fullmatch(status) else "other", outcome] += 1

    def total(self, outcomes: Collection[str]) -> int:
        return sum(n for (_, _, outcome), n in self.counts.items() if outcome in outcomes)

    def lines(self) -> list[str]:
        """A line for each kind and outcome, with the statuses counted."""
        lines = []
        for kind in FINAL:
            for outcome in OUTCOMES:
                statuses = sorted((s, n) for (k, s, o), n in self.counts.items()
                                  if k == kind and o == outcome)
                if statuses:
                    count = sum(n for _, n in statuses)
                    each = ", ".join(f"{s} {n}" for s, n in statuses)
                    lines.append(f"{kind}: {count} {outcome} ({each})")
        if self.lists_left:
            lines.append(f"{self.lists_left} list(s) of Twilio's records left for the next "
                         "run: Twilio too busy (429 or a server error)")
        lines.extend(f"{n} x {error}" for error, n in sorted(self.errors.items()))
        return lines

    def summary(self, dry_run: bool) -> str:
        done = (f"{self.total({WOULD_DELETE})} would be deleted (dry run)" if dry_run
                else f"{self.total({DELETED})} deleted")
        return (f"purge: {done}, {self.total(LEFT)} left for the next run, "
                f"{self.total({IN_PROGRESS, TOO_YOUNG})} kept, {self.total({FAILED})} "
                "not deleted for an error")


@dataclass
class Purge:
    client: Client
    numbers: Collection[str]  # the line's own, E.164
    older_than: timedelta
    now: Callable[[], datetime]  # aware, UTC
    dry_run: bool = False

    def run(self) -> Tally:
        tally = Tally()
        records = self._records(tally)
        cutoff = self.now() - self.older_than
        # A forwarded leg before the call it belongs to.
        for kind, record in sorted(records.values(),
                                   key=lambda kr: not getattr(kr[1], "parent_call_sid", None)):
            tally.add(kind, record, self._judge(kind, record, cutoff, tally))
        return tally

    def _judge(self, kind: str, record: Any, cutoff: datetime, tally: Tally) -> str:
        if str(record.status or "") not in FINAL[kind]:
            return IN_PROGRESS
        when = record.date_updated or record.date_created
        if not isinstance(when, datetime) or when > cutoff:
            return TOO_YOUNG
        return WOULD_DELETE if self.dry_run else self._delete(record, tally)

    def _delete(self, record: Any, tally: Tally) -> str:
        try:
            record.delete()
        except TwilioException as exc:
            status, code = error_status(exc), error_code(exc)
            if code == NOT_YET_DELETABLE:
                return NOT_FINAL_AT_TWILIO
            if status == 404:
                return GONE
            if status in BUSY:
                return TWILIO_BUSY
            if status in (401, 403):
                raise PurgeError(_refused(status, code)) from None
            tally.errors[f"Twilio refused a delete: HTTP {status}, error {code}"] += 1
            return FAILED
        except requests.RequestException as exc:
            raise PurgeError(_unreachable(exc)) from None
        return DELETED

    def _records(self, tally: Tally) -> dict[str, tuple[str, Any]]:
        """Every call and message of the line's numbers, once each, by SID."""
        found: dict[str, tuple[str, Any]] = {}
        calls, messages = self.client.calls, self.client.messages
        for number in self.numbers:
            calls_to = self._list(tally, calls.list, to=number)
            for call in calls_to:
                found[call.sid] = ("calls", call)
            # A forwarded leg (<Dial>) is a call of its own, from the caller's number when
            # the contact sees it, else from the line's: found by its parent either way.
            for call in calls_to:
                for leg in self._list(tally, calls.list, parent_call_sid=call.sid):
                    found[leg.sid] = ("calls", leg)
            for call in self._list(tally, calls.list, from_=number):
                found[call.sid] = ("calls", call)
            for direction in ({"to": number}, {"from_": number}):
                for message in self._list(tally, messages.list, **direction):
                    found[message.sid] = ("messages", message)
        parents = {sid for sid, (kind, _) in found.items() if kind == "calls"}
        return {sid: (kind, record) for sid, (kind, record) in found.items()
                if _ours(record, self.numbers, parents)}

    @staticmethod
    def _list(tally: Tally, listing: Callable[..., list[Any]], **filters: str) -> list[Any]:
        """One filtered list, every page of it (twilio's list follows next_page_uri);
        after the client's retries a busy Twilio leaves it for the next run."""
        try:
            return listing(page_size=PAGE_SIZE, **filters)
        except TwilioException as exc:
            status = error_status(exc)
            if status in BUSY:
                tally.lists_left += 1
                return []
            raise PurgeError(_refused(status, error_code(exc))) from None
        except requests.RequestException as exc:
            raise PurgeError(_unreachable(exc)) from None


def _ours(record: Any, numbers: Collection[str], calls: Collection[str]) -> bool:
    """The record is the line's: to or from one of its numbers, or a leg of one of its
    calls. Checked again here, whatever the list's filter did, so that a proxy or an API
    that ignored a filter never costs another number's records."""
    # twilio-python names a call's sender `_from` and a message's `from_`.
    sender = getattr(record, "from_", None) or getattr(record, "_from", None)
    parent = getattr(record, "parent_call_sid", None)
    return record.to in numbers or sender in numbers or (parent is not None and parent in calls)


def _refused(status: int | None, code: object) -> str:
    hint = (": check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" if status in (401, 403)
            else "")
    return f"Twilio refused the purge's request (HTTP {status}, error {code}){hint}"


def _unreachable(exc: requests.RequestException) -> str:
    return (f"the Twilio API could not be reached ({type(exc).__name__}); nothing more "
            "was deleted in this run (is TWILIO_API_BASE_URL right, if set?)")


# -- when the purge runs ------------------------------------------------------------------

NEEDS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "LINE_NUMBERS")
# What Twilio keeps when nothing deletes it (docs/operations.md, "Twilio's records").
KEPT = ("Twilio keeps every call's record (the caller's number, the times) until it is "
        "deleted, and every text's (numbers and body) for 400 days unless the account's "
        "messaging data retention is shorter (docs/operations.md)")


def settings_problem(config: Mapping[str, Any]) -> str | None:
    """Why PURGE or PURGE_EVERY cannot be used, or None."""
    if str(config.get("PURGE") or "on").lower() not in ("on", "off"):
        return f"PURGE={config['PURGE']!r}: write PURGE=off to turn the purge off, or leave it out"
    try:
        every = duration(str(config.get("PURGE_EVERY") or "10m"))
    except ValueError as exc:
        return f"PURGE_EVERY: {exc}"
    if not every:
        return "PURGE_EVERY: give a duration of at least 1s, such as 10m"
    return None


def why_off(config: Mapping[str, Any]) -> str | None:
    """Why the purge does not run, or None when it does."""
    if str(config.get("PURGE") or "on").lower() == "off":
        return "PURGE=off"
    missing = [name for name in NEEDS if not config.get(name)]
    return f"{', '.join(missing)} not set" if missing else None


def start_warning(config: Mapping[str, Any]) -> str | None:
    """The warning at start when the purge is off on a line that takes real calls (signed
    by Twilio); None when it runs, or on a test line without a token (unless PURGE=off)."""
    why = why_off(config)
    if why is None or (why != "PURGE=off" and not config.get("TWILIO_AUTH_TOKEN")):
        return None
    return f"The purge of Twilio's records is off ({why}): {KEPT}"
