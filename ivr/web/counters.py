"""Counters of how the line is used, never of who used it.

Every label is an id from menus.yaml or a word Twilio defines (DialCallStatus): never a
phone number and never free text from a request. Under gunicorn the counters of all
workers are added up through PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess
mode, see gunicorn.conf.py); ivr.web.metrics serves them.
"""

from __future__ import annotations

from prometheus_client import Counter

CALLS = Counter("line_calls", "Calls answered")
LANGUAGES = Counter("line_languages_chosen", "Languages chosen by callers", ["language"])
NODES = Counter("line_node_visits", "Menus and forwards reached", ["node", "language"])
FORWARDS = Counter("line_forwards", "Forwards that ended, by contact and Twilio's status",
                   ["contact", "status"])
TEXTS = Counter("line_texts", "Text messages answered, by what they asked and the language",
                ["asked", "language"])
TEXTS_SENT = Counter("line_texts_sent", "Text messages sent through the REST API")
RATE_LIMITED = Counter("line_rate_limited", "Requests refused by a rate limit", ["what"])
ERRORS = Counter("line_errors", "Exceptions answered with the apology or the index",
                 ["channel"])

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
