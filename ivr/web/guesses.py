"""Throttling wrong guesses of the simulator's password and the metrics token: without
it, both answered about 1,200 wrong guesses a second.

Failed attempts are counted in the caps' store (limits' moving window, in the SQLite file
or Redis), per client and for all clients together: the client is the address the
trusted proxy saw (TRUSTED_PROXIES), which a client without a proxy in front could forge,
so the overall count bounds the guessing whatever the address. Counted on a keyed hash of
the address, as numbers are. A store that fails refuses: these pages can wait.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from flask import Flask, Request, Response
from limits import parse

from ivr.web import counters

log = logging.getLogger("ivr.guesses")

PER_CLIENT = parse("10 per minute")
OVERALL = parse("100 per minute")


def _client(app: Flask, request: Request) -> str:
    # The address the first trusted proxy appended to X-Forwarded-For, else the peer's.
    proxies = app.config["TRUSTED_PROXIES"]
    forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",")]
    address = request.remote_addr or ""
    if proxies and len(forwarded) >= proxies and forwarded[-proxies]:
        address = forwarded[-proxies]
    key = str(app.config["SECRET_KEY"]).encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


def throttled(app: Flask, request: Request, what: str) -> Response | None:
    """A 429 while this client, or all clients together, guessed too often lately."""
    limiter = app.extensions["limiter"]
    try:
        allowed = limiter.test(OVERALL, "guess", what) and limiter.test(
            PER_CLIENT, "guess", what, _client(app, request))
    except Exception as exc:  # the store is down: refuse rather than allow unthrottled
        log.warning("%s: the throttle's store failed (%s)", what, type(exc).__name__)
        allowed = False
    if allowed:
        return None
    counters.count(counters.RATE_LIMITED, f"{what} guesses")
    return Response("Too many wrong attempts; try again in a minute.\n", status=429,
                    mimetype="text/plain", headers={"Retry-After": "60"})


def failed(app: Flask, request: Request, what: str) -> None:
    """Counts a wrong password or token, for this client and for all."""
    limiter = app.extensions["limiter"]
    try:
        limiter.hit(OVERALL, "guess", what)
        limiter.hit(PER_CLIENT, "guess", what, _client(app, request))
    except Exception as exc:
        log.warning("%s: the throttle's store failed (%s)", what, type(exc).__name__)
