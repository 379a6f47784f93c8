"""Checking X-Twilio-Signature against the URL Twilio called."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import Request, Response
from twilio.request_validator import RequestValidator
from werkzeug.exceptions import RequestEntityTooLarge

from ivr.web.forms import too_large

log = logging.getLogger("ivr.signature")


def signed_url(environ: Mapping[str, str], host_url: Callable[[], str],
               public_base_url: str | None) -> str:
    """The URL Twilio signed, byte for byte as Twilio requested it.

    The path comes from the raw request line (RAW_URI, REQUEST_URI): the decoded and
    re-encoded request.url can differ from what Twilio signed. Behind a TLS-terminating
    proxy the app sees http://internal-host/ where Twilio signed https://public-host/
    (twilio-python issues 751 and 715): host_url comes through ProxyFix, and
    PUBLIC_BASE_URL, when set, replaces scheme and host altogether, so that the Host
    header is then not read at all (`host_url` is only called without it).
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    path = raw.split("?", 1)[0]
    query = environ.get("QUERY_STRING", "")
    base = (public_base_url or host_url()).rstrip("/")
    return base + path + (f"?{query}" if query else "")


def sign(token: str, url: str, params: Mapping[str, str]) -> str:
    """The X-Twilio-Signature Twilio sends with a request of these form `params` to `url`
    (the full URL, query included): for the line's simulated phone, the tests and the
    benchmarks, which call the webhooks as Twilio does."""
    return RequestValidator(token).compute_signature(url, params)


def is_valid(token: str, url: str, params: Mapping[str, str] | str,
             signature: str | None) -> bool:
    """True when the signature matches; every posted parameter counts, known or not."""
    if not signature:
        return False
    validator = RequestValidator(token)
    # The URL exactly as Twilio requested it first: one HMAC, the signature Twilio's docs
    # describe (https://www.twilio.com/docs/usage/webhooks/webhooks-security). validate()
    # computes two every time, for the URL without and with its default port, and cost a
    # fifth of a webhook (make bench-instructions); it still decides when this one fails.
    # A signature that is not ASCII matches no HMAC (compare_digest would raise on it). A
    # body passed as text (JSON, with bodySHA256 in the URL) is left to validate(), which
    # also checks its hash; the webhooks pass the form.
    if isinstance(params, Mapping) and signature.isascii() and hmac.compare_digest(
            validator.compute_signature(url, params), signature):
        return True
    return validator.validate(url, params, signature)


def refuse_unsigned(req: Request, config: Mapping[str, Any]) -> Response | None:
    """A 403 for a request (the request itself, not flask.request's proxy) that Twilio did
    not sign, when the app's `config` has a TWILIO_AUTH_TOKEN.

    Used before every webhook, voice and SMS alike.
    """
    token = config.get("TWILIO_AUTH_TOKEN")
    if not token:
        return None
    # Twilio signs the POST body, every value of a repeated name included (the validator
    # reads a MultiDict whole); for GET the parameters are part of the signed URL.
    try:
        params = req.form if req.method == "POST" else {}
    except RequestEntityTooLarge:
        return too_large()
    # The host as it came (through ProxyFix), as Twilio signed it: not request.host_url,
    # which decodes punycode (a Host of 'xn--' made it raise UnicodeError)
    # and costs an IRI conversion. Fail closed all the same: whatever goes wrong while
    # checking refuses the request, never lets it through to the webhook.
    try:
        url = signed_url(req.environ, lambda: f"{req.scheme}://{req.host}",
                         config.get("PUBLIC_BASE_URL"))
        signature = req.headers.get("X-Twilio-Signature")
        # During a rotation of the auth token the one before it too, until it is removed.
        valid = any(is_valid(key, url, params, signature)
                    for key in (token, *(config.get("TWILIO_AUTH_TOKEN_FALLBACKS") or ())))
    except Exception as exc:
        log.warning("refused %s %s: the signature could not be checked (%s)", req.method,
                    req.path, type(exc).__name__)
        return _forbidden()
    if valid:
        return None
    log.warning("refused %s %s: missing or wrong X-Twilio-Signature", req.method, req.path)
    return _forbidden()


def _forbidden() -> Response:
    return Response("Forbidden: invalid Twilio signature\n", status=403, mimetype="text/plain")
