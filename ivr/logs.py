"""Log lines as JSON, one a webhook request: what happened, never who it happened to.

Each request gets its own random id (not Twilio's CallSid, which leads to the caller's
number in Twilio's console). Numbers are masked in every record anyway (privacy.py).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass, field

from flask import g, request

from .privacy import mask_number

# One encoder for every line: json.dumps(ensure_ascii=False) makes a new one each call.
_to_json = json.JSONEncoder(ensure_ascii=False).encode

FIELDS = ("request_id", "channel", "method", "path", "status", "node", "language", "outcome",
          "duration_ms")
DIAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")


class JsonFormatter(logging.Formatter):
    # One line a webhook request: its cost is paid on every request (issue 8).
    _second: tuple[int, str] = (-1, "")

    def _time(self, created: float) -> str:
        # The time to the second, formatted once a second rather than once a line.
        second = int(created)
        if self._second[0] != second:
            self._second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(second)))
        return self._second[1]

    def format(self, record: logging.LogRecord) -> str:
        data = {"time": self._time(record.created), "level": record.levelname,
                "logger": record.name, "message": record.getMessage()}
        fields = record.__dict__
        for name in FIELDS:
            if name in fields:
                value = fields[name]
                # The path is the requester's; the others are the line's own words and ids,
                # masked all the same: a microsecond, against a number in a log.
                data[name] = mask_number(value) if isinstance(value, str) else value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exception"] = record.exc_text
        return _to_json(data)


@dataclass
class Entry:
    """What one request did, for its log line; kept in flask.g while it runs."""

    started: float = field(default_factory=time.perf_counter)
    node: str | None = None
    language: str | None = None
    outcome: str | None = None


def begin() -> None:
    # The request's id is made with its log line (log_request): no random bytes for a
    # request that is not logged.
    g.log = Entry()


def entry() -> Entry:
    """This request's entry: begun by the webhook's guard, or made now (the 404 handler's
    answers under /voice and /sms run outside it)."""
    found = g.get("log")
    if found is None:
        found = g.log = Entry()
    return found


def note(**fields: str | None) -> None:
    """What this request did, for its log line: node, language, outcome."""
    current = entry()
    for name, value in fields.items():
        setattr(current, name, value)


def dial_outcome(status: str) -> str:
    # Only Twilio's known words reach the log, never free text from the request.
    return f"forward {status}" if status in DIAL_STATUSES else "forward other"


def log_request(logger: logging.Logger, channel: str, status: int) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return  # LOG_LEVEL=WARNING: not even the fields are gathered
    done, req = entry(), request._get_current_object()  # type: ignore[attr-defined]
    fields = {"request_id": secrets.token_hex(6), "channel": channel, "method": req.method,
              "path": req.path, "status": status, "node": done.node,
              "language": done.language, "outcome": done.outcome,
              "duration_ms": round((time.perf_counter() - done.started) * 1000, 1)}
    # makeRecord and handle are what logger.info() calls, less its walk up the stack for
    # the caller's file and line (findCaller), which no line shows: a sixth of its cost.
    # The record factory (masking), filters and handlers all run as usual.
    logger.handle(logger.makeRecord(logger.name, logging.INFO, __file__, 0, "webhook", (),
                                    None, func="log_request", extra=fields))
