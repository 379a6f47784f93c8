"""Counters of how the line is used, never of who used it.

Every label is an id from menus.yaml or a word Twilio defines (DialCallStatus): never a
phone number and never free text from a request. Under gunicorn the counters of all
workers are added up through PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess
mode, see gunicorn.conf.py); ivr.web.metrics serves them.

They count the events of the answers (ivr.twiml.events), read in one place (`record`), and
a few things that happen outside an answer (a text sent, a rate limit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import Counter

from ivr.twiml import events as ev
from ivr.twiml.events import Event

CALLS = Counter("line_calls", "Calls answered")
LANGUAGES = Counter("line_languages_chosen", "Languages chosen by callers", ["language"])
NODES = Counter("line_node_visits", "Nodes reached (their text said), by node and language",
                ["node", "language"])
FORWARDS = Counter("line_forwards", "Forwards that ended, by contact and Twilio's status",
                   ["contact", "status"])
TEXTS = Counter("line_texts", "Text messages answered, by what they asked and the language",
                ["asked", "language"])
TEXTS_SENT = Counter("line_texts_sent", "Text messages sent through the REST API")
RATE_LIMITED = Counter("line_rate_limited", "Requests refused by a rate limit", ["what"])
ERRORS = Counter("line_errors", "Exceptions answered with the apology or the index",
                 ["channel"])
MISS_LIMITS = Counter("line_miss_limits", "Calls whose wrong keys or silences ran out, by "
                      "language (unknown: before one was chosen)", ["language"])
TEXTS_NOT_SENT = Counter("line_texts_not_sent", "Numbers by text a caller asked for but did "
                         "not get, by why: refused, capped, failed", ["reason"])
CLOSED = Counter("line_closed_contacts", "Forwards chosen while their contact was closed",
                 ["contact"])

# (counter, label values) -> the counter's child for them; the values are ids and Twilio's
# words, so it stays small.
_children: dict[tuple[Counter, tuple[str, ...]], Counter] = {}


def count(counter: Counter, *labels: str) -> None:
    """counter.labels(*labels).inc(), looking the child up once: labels() checks its
    values and takes a lock at every call, a few microseconds of each webhook."""
    child = _children.get((counter, labels))
    if child is None:
        child = _children.setdefault((counter, labels), counter.labels(*labels))
    child.inc()


def record(channel: str, events: Iterable[Event]) -> None:
    """Each event of an answer, counted by its kind's counter (READERS)."""
    for event in events:
        read = READERS.get(event.kind)
        if read is not None:
            read(channel, event)


def _text(channel: str, event: Event) -> None:
    if event.outcome not in (ev.SENT, ev.SIMULATED):
        count(TEXTS_NOT_SENT, event.outcome or ev.FAILED)


def _sms(channel: str, event: Event) -> None:
    # What the text asked for: a topic, or the index, the languages, a choice, opt-out.
    asked = event.node if event.kind == ev.SMS_TOPIC else event.outcome
    count(TEXTS, asked or "other", event.language or "unknown")


# The counter each kind of event adds to (REFUSED and ENDED come with no answer).
READERS: dict[str, Callable[[str, Event], None]] = {
    ev.CALL: lambda channel, event: CALLS.inc(),
    ev.LANGUAGE: lambda channel, event: count(LANGUAGES, event.language or ""),
    ev.NODE: lambda channel, event: count(NODES, event.node or "", event.language or ""),
    ev.DIALLED: lambda channel, event: count(FORWARDS, event.contact or "",
                                             event.outcome or "other"),
    ev.CLOSED: lambda channel, event: count(CLOSED, event.contact or ""),
    ev.MISS_LIMIT: lambda channel, event: count(MISS_LIMITS, event.language or "unknown"),
    ev.TEXT: _text,
    ev.SMS_TOPIC: _sms,
    ev.SMS_OTHER: _sms,
    ev.SMS_SILENT: _sms,
    ev.ERROR: lambda channel, event: count(ERRORS, channel),
}
