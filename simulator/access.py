"""Who may open the simulator, and the headers every answer of it carries.

On in development (`make run`, where Flask's debug flag is set) for this machine only; in
production off (no route at all) unless SIMULATOR_PASSWORD is set, and then behind HTTP
basic auth. It is a training tool, not a way into the line: it never sends a text.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response

from ivr.web import guesses

LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# What a proxy or tunnel adds to a request; a browser on this machine sends none of them.
PROXY_HEADERS = ("X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded")
REALM = 'Basic realm="Line simulator", charset="UTF-8"'


def enabled(config: Mapping[str, Any]) -> bool:
    return bool(config.get("SIMULATOR_PASSWORD")) or bool(config.get("DEBUG"))


def refuse(app: Flask, request: Request) -> Response | None:
    """None when the request may go on; otherwise the 401, 403 or 429 that says why not."""
    config = app.config
    password = config.get("SIMULATOR_PASSWORD")
    if password:
        # Wrong guesses are throttled (ivr.web.guesses); a right one is never slowed down,
        # except while someone is guessing too often.
        throttled = guesses.throttled(app, request, "simulator")
        if throttled is not None:
            return throttled
        given = request.authorization.password if request.authorization else None
        if given is not None and hmac.compare_digest(given.encode(), str(password).encode()):
            return None
        if request.authorization is not None:  # a guess; no header is the browser asking
            guesses.failed(app, request, "simulator")
        return Response("The simulator needs its password (SIMULATOR_PASSWORD).\n",
                        status=401, mimetype="text/plain", headers={"WWW-Authenticate": REALM})
    if from_this_machine(request):
        return None
    return Response("The simulator without SIMULATOR_PASSWORD answers only on this machine "
                    "(127.0.0.1); set SIMULATOR_PASSWORD to open it to others.\n",
                    status=403, mimetype="text/plain")


def from_this_machine(request: Request) -> bool:
    """Development without a password: only from this machine, whatever --host says.

    Decided by the socket itself, never by a header a client can write: the peer's address
    and Host as they were before ProxyFix replaced them from X-Forwarded-For and
    X-Forwarded-Host (which anyone can send when no proxy is in front). A tunnel (ngrok,
    often pointed at `make run` for Twilio) also connects from 127.0.0.1, but names its
    public host or adds X-Forwarded-* headers: refused. A Host that is not this machine's
    name is a page of another site whose name now points here (DNS rebinding): refused."""
    environ = request.environ
    original = environ.get("werkzeug.proxy_fix.orig") or environ
    if original.get("REMOTE_ADDR") not in LOOPBACK:
        return False
    if any(name in request.headers for name in PROXY_HEADERS):
        return False
    return urlsplit(f"//{original.get('HTTP_HOST') or ''}").hostname in LOCAL_HOSTS


def content_security_policy(audio_base_url: str) -> str:
    """Scripts, styles and data only from the app itself; recordings also from the CDN
    they are served from (AUDIO_BASE_URL). No inline script or style anywhere."""
    media = "'self'"
    parts = urlsplit(audio_base_url)
    if parts.scheme in ("http", "https") and parts.netloc:
        media += f" {parts.scheme}://{parts.netloc}"
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            f"connect-src 'self'; media-src {media}; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")


def secure(response: Response, csp: str) -> Response:
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response
