"""A deadline on reading a request's whole body, for gunicorn's gevent workers.

gunicorn reads a request's line and headers under a timeout (`keepalive`), but its body
only as the app reads it, with no deadline at all: a connection that sends its headers
and then a byte of its body now and then holds its greenlet, and one of the worker's
`worker_connections`, for as long as it likes. `BodyDeadline` reads the body before the
app sees it, all of it within `seconds` (a total, not a time per read), and answers 408
otherwise; the app then reads the copy. Twilio posts a few kilobytes at once.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

import gevent

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
TOO_SLOW = b"Request body too slow\n"


class BodyTooSlow(Exception):
    """The body did not arrive in time. An Exception rather than gevent.Timeout (a
    BaseException): gunicorn marks a body whose read raised one as failed and closes the
    connection after the answer, instead of reading the rest of the body first."""


class BodyDeadline:
    """WSGI middleware: the body read within `seconds`, up to `max_length` + 1 bytes (the
    app refuses a larger one with 413 by itself, unread if its Content-Length says so)."""

    def __init__(self, app: WSGIApp, seconds: float, max_length: int) -> None:
        self.app, self.seconds, self.max_length = app, seconds, max_length

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > self.max_length:
            return self.app(environ, start_response)
        try:
            with gevent.Timeout(self.seconds, BodyTooSlow):
                body = environ["wsgi.input"].read(self.max_length + 1)
        except BodyTooSlow:
            start_response("408 Request Timeout", [("Content-Type", "text/plain"),
                                                   ("Content-Length", str(len(TOO_SLOW)))])
            return [TOO_SLOW]
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)
