"""Log lines as JSON, one a webhook request: what happened, never who it happened to.

Each request gets its own random id (not Twilio's CallSid, which leads to the caller's
number in Twilio's console). Numbers are masked in every record anyway (privacy.py).
"""

from __future__ import annotations

import json
import logging
import secrets
import time

from flask import g, request

from .privacy import mask_number

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
                # The path is the requester's choice: masked like every message.
                data[name] = mask_number(value) if isinstance(value, str) else value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exception"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


def begin() -> None:
    # The request's id is made with its log line (log_request): no random bytes for a
    # request that is not logged.
    g.started = time.perf_counter()


def note(**fields: str | None) -> None:
    """What this request did, for its log line: node, language, outcome."""
    for name, value in fields.items():
        setattr(g, f"log_{name}", value)


def dial_outcome(status: str) -> str:
    # Only Twilio's known words reach the log, never free text from the request.
    return f"forward {status}" if status in DIAL_STATUSES else "forward other"


def log_request(logger: logging.Logger, channel: str, status: int) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return  # LOG_LEVEL=WARNING: not even the fields are gathered
    started = g.get("started", time.perf_counter())
    logger.info("webhook", extra={
        "request_id": secrets.token_hex(6), "channel": channel, "method": request.method,
        "path": request.path, "status": status, "node": g.get("log_node"),
        "language": g.get("log_language"), "outcome": g.get("log_outcome"),
        "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
