"""What the line keeps between requests, made once by the app factory: one typed object in
app.extensions under one key, reached through `line_state()` (as flaskr's init_app sets
up one concern of the app in one place)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, current_app
from limits.strategies import RateLimiter

from ivr.content.model import Menus
from ivr.twiml.events import Answer
from ivr.web.sms_cookie import StateCookie
from ivr.web.texting import TextSender
from ivr.web.usage_counts import Counting
from sms.keywords import KeywordIndex

KEY = "line"


@dataclass
class Line:
    menus: Menus
    menus_version: str  # what /healthz reports: a hash of menus.yaml
    line_languages: Mapping[str, str]  # the line's numbers that have a language, and theirs
    keywords: KeywordIndex  # the SMS keywords of the menus
    # The answers to an exception, made at start-up, so that the error path of the error
    # path has nothing left to fail.
    last_resort: Answer[str]
    sms_last_resort: Answer[str]
    sms_cookie: StateCookie
    limiter: RateLimiter  # the caps on texts and the throttle of wrong guesses
    texts: TextSender
    # The usage counts (and, for the report, where they are read): None only in tests
    # of what a line without them does.
    usage: Counting | None = None


def init_app(app: Flask, state: Line) -> None:
    app.extensions[KEY] = state


def line_state(app: Flask | None = None) -> Line:
    """The line's state: of `app`, or of the app handling this request."""
    if app is None:
        # The app itself, then its attribute: an attribute read through the current_app
        # proxy costs about three times the look-up of the app (make bench-instructions),
        # and a webhook reads the line's state several times.
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    found: Line = app.extensions[KEY]
    return found
