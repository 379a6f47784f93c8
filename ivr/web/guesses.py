"""Throttling wrong guesses of the simulator's password and the metrics token: without
it, both answered about 1,200 wrong guesses a second.

Failed attempts are counted in the caps' store (limits' moving window, in the SQLite file
or Redis), per client and for all clients together. The client is the address ProxyFix
leaves in REMOTE_ADDR: the socket's peer, or with TRUSTED_PROXIES=n the address the n-th
proxy from this end of X-Forwarded-For saw, which a client cannot choose while n is the
number of proxies really in front (docs/operations.md says what to set where).

- A client with 10 wrong guesses in a minute waits, whatever it sends next.
- Past 100 wrong guesses in a minute from all clients together, every client that guessed
  wrong in that minute waits too; a client that did not (the owner of the token, using it)
  is let in: wrong guesses from elsewhere lock nobody out.
- Past 1,000 in a minute, everyone waits: a flood only forged addresses or a large botnet
  make. It bounds the guessing when TRUSTED_PROXIES trusts a proxy that is not there.
Counted on a keyed hash of the address, as numbers are. A store that fails refuses: these
pages can wait.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from flask import Flask, Request, Response
from limits import parse

from ivr.web import counters
from ivr.web.state import line_state

log = logging.getLogger("ivr.guesses")

PER_CLIENT = parse("10 per minute")
ALL = parse("1000 per minute")  # past it, everyone waits
GUESSERS_WAIT = 100  # past this many of ALL, clients that guessed wrong wait


def _client(app: Flask, request: Request) -> str:
    key = str(app.config["SECRET_KEY"]).encode()
    address = (request.remote_addr or "").encode()
    return hmac.new(key, address, hashlib.sha256).hexdigest()[:32]


def throttled(app: Flask, request: Request, what: str) -> Response | None:
    """A 429 while this client, or all clients together, guessed too often lately."""
    limiter = line_state(app).limiter
    try:
        mine = PER_CLIENT.amount - limiter.get_window_stats(
            PER_CLIENT, "guess", what, _client(app, request)).remaining
        everyone = ALL.amount - limiter.get_window_stats(ALL, "guess", what).remaining
        allowed = (mine < PER_CLIENT.amount and everyone < ALL.amount
                   and (mine == 0 or everyone < GUESSERS_WAIT))
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
    limiter = line_state(app).limiter
    try:
        limiter.hit(ALL, "guess", what)
        limiter.hit(PER_CLIENT, "guess", what, _client(app, request))
    except Exception as exc:
        log.warning("%s: the throttle's store failed (%s)", what, type(exc).__name__)
