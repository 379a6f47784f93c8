"""Log lines as JSON: what happened, never who it happened to.

Each request gets its own random id (not Twilio's CallSid, which leads to the caller's
number in Twilio's console). Numbers are masked in every record anyway (privacy.py).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from flask import g, request
from gunicorn.glogging import Logger as GunicornBaseLogger
from pythonjsonlogger.json import JsonEncoder
from pythonjsonlogger.orjson import OrjsonFormatter

from ivr.twiml import events as ev
from ivr.twiml.events import Event
from ivr.web.privacy import mask_fields

# Fields the line makes itself, with digits that are no phone number: a random request id
# that is hex (masked, it read '098e******23' in one line of ten), and the time.
UNMASKED = frozenset({"request_id", "time", "level", "logger"})
# What is logged at INFO: events, which someone running the line may need to know about.
# Every other webhook (a menu step, an SMS reply) is logged at DEBUG.
EVENTS = frozenset({"refused", "error", "closed", "miss limit"})
EVENT_PREFIXES = ("forward", "text ")
# A webhook's line (log_request) carries its fields, masked when it was made, under this
# name as well as each as an attribute: a name with a leading underscore, which
# python-json-logger leaves out of the line.
WEBHOOK_FIELDS = "_webhook_fields"
# The record's own attributes every line shows, and their names in it.
RECORD_FIELDS = {"asctime": "time", "levelname": "level", "name": "logger",
                 "message": "message"}


class JsonFormatter(OrjsonFormatter):
    """python-json-logger's orjson formatter: one JSON object a line, whatever a field holds (a
    newline or a NUL in a path is escaped, not written). Every string field but the line's
    own ids is masked like a phone number, whoever logged it: a microsecond a field."""

    def __init__(self) -> None:
        super().__init__(" ".join(f"%({name})s" for name in RECORD_FIELDS),
                         rename_fields={**RECORD_FIELDS, "exc_info": "exception"},
                         datefmt="%Y-%m-%dT%H:%M:%S%z")

    _second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        # The time to the second, formatted once a second rather than once a line: an
        # event line is written on a forward's every step.
        second = int(record.created)
        if self._second[0] != second:
            self._second = (second, super().formatTime(record, datefmt))
        return self._second[1]

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord,
                   message_dict: dict[str, Any]) -> None:
        own = vars(record).get(WEBHOOK_FIELDS)
        if own is None:  # every record but a webhook's line: its fields masked here
            super().add_fields(log_data, record, message_dict)
            mask_fields(log_data, UNMASKED)
            return
        # A webhook's line, its fields masked when it was made (log_request): the same
        # line, without python-json-logger's search of the record's every attribute for
        # extra fields, which has none to find besides these and cost a third of the line
        # (make bench-instructions).
        for name, shown in RECORD_FIELDS.items():
            log_data[shown] = vars(record).get(name)
        log_data.update((self.rename_fields.get(k, k), v) for k, v in message_dict.items())
        log_data.update(own)

    def jsonify_log_record(self, log_data: dict[str, Any]) -> str:
        # orjson, python-json-logger's fastest serialiser: a quarter of a log line's cost
        # went to the standard library's encoder, made anew for every line. What orjson
        # refuses (a lone surrogate, an integer over 64 bits, deep nesting) is written by
        # the standard library's, as before, rather than lost.
        try:
            return super().jsonify_log_record(log_data)
        except orjson.JSONEncodeError:
            return json.dumps(log_data, cls=JsonEncoder)


class GunicornLogger(GunicornBaseLogger):
    """gunicorn's logger (gunicorn.conf.py's logger_class), with its access log as fields
    of one JSON object a request instead of a line of text: the method, the path without
    its query, the status and the time; never the client's address, headers or the form."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        status = str(resp.status).split(None, 1)[0]
        self.access_log.info("request", extra={
            "method": environ.get("REQUEST_METHOD", ""), "path": environ.get("PATH_INFO", ""),
            "status": int(status) if status.isdigit() else status,
            "duration_ms": round(request_time.total_seconds() * 1000, 1)})


@dataclass
class Entry:
    """What one request did, for its log line; kept in flask.g while it runs."""

    started: float = field(default_factory=time.perf_counter)
    node: str | None = None
    language: str | None = None
    outcome: str | None = None


def begin() -> Entry:
    """This request's entry, new, given back so that what the guard notes first needs no
    second look-up of flask.g."""
    # The request's id is made with its log line (log_request): no random bytes for a
    # request that is not logged.
    begun = _g().log = Entry()
    return begun


def entry() -> Entry:
    """This request's entry: begun by the webhook's guard, or made now (the 404 handler's
    answers under /voice and /sms run outside it)."""
    here = _g()
    found = here.get("log")
    if found is None:
        found = here.log = Entry()
    return found


def _g() -> Any:
    """flask.g itself: each attribute read or set through the proxy looks it up again,
    which costs about three times the look-up (make bench-instructions)."""
    return g._get_current_object()


def note(**fields: str | None) -> None:
    """What this request did, for its log line: node, language, outcome."""
    current = entry()
    for name, value in fields.items():
        setattr(current, name, value)


# The log line's outcome: that of the first kind in this table among an answer's events
# (a forward before the text, a text before the menu that follows it), followed by the
# event's own outcome where the row says so ("forward busy", "text sent"); an answer with
# none of them is a step through the menus.
OUTCOMES = (
    (ev.ERROR, "error", False),
    (ev.FORWARD, "forward", False),
    (ev.DIALLED, "forward", True),
    (ev.TEXT, "text", True),
    (ev.CLOSED, "closed", False),
    (ev.MISS_LIMIT, "miss limit", False),
    (ev.SMS_SILENT, "no reply", False),
    (ev.SMS_TOPIC, "reply", False),
    (ev.SMS_OTHER, "reply", False),
)
RANKS = {kind: rank for rank, (kind, _, _) in enumerate(OUTCOMES)}
STEP = "menu"


def note_events(events: tuple[Event, ...]) -> None:
    """The log line's outcome from an answer's events; its language and node too, when the
    request's URL named none (an SMS: the topic)."""
    best, rank = None, len(OUTCOMES)
    for event in events:
        found = RANKS.get(event.kind, rank)
        if found < rank:
            best, rank = event, found
    current = entry()
    if best is None:
        current.outcome = STEP
        return
    _, text, detailed = OUTCOMES[rank]
    current.outcome = f"{text} {best.outcome}" if detailed else text
    if current.language is None and current.node is None:
        current.language, current.node = best.language, best.node


def is_event(outcome: str | None) -> bool:
    return outcome is not None and (outcome in EVENTS or outcome.startswith(EVENT_PREFIXES))


def log_request(logger: logging.Logger, channel: str, status: int) -> None:
    """One line for the request: at INFO for an event, at DEBUG for a step."""
    done = entry()
    level = logging.INFO if is_event(done.outcome) else logging.DEBUG
    if not logger.isEnabledFor(level):
        return  # not even the fields are gathered
    req = request._get_current_object()  # type: ignore[attr-defined]
    fields = {"request_id": secrets.token_hex(6), "channel": channel, "method": req.method,
              "path": req.path, "status": status, "node": done.node,
              "language": done.language, "outcome": done.outcome,
              "duration_ms": round((time.perf_counter() - done.started) * 1000, 1)}
    # Made by the record factory, as logger.info() makes a record, so that its masking of
    # numbers (privacy.py) and any other installed factory apply; its fields masked before
    # any handler sees them. Less what logger.info() adds for no line's sake: the walk up
    # the stack for the caller's line (findCaller), and makeRecord's check of each field
    # against the record's own names (the names here are this function's).
    record = logging.getLogRecordFactory()(logger.name, level, __file__, 0, "webhook", (),
                                            None, func="log_request")
    record.__dict__.update(mask_fields(fields, UNMASKED))
    record.__dict__[WEBHOOK_FIELDS] = fields
    logger.handle(record)
