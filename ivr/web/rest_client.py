"""The line's Twilio REST client: every request it makes (numbers by text, the purge of
Twilio's records) through one factory, so that TWILIO_API_BASE_URL can send them all to
another place: a fake of Twilio's API in the tests, or a proxy.

twilio-python's own settings cannot do that: its edge and region settings only choose
among Twilio's hosts (twilio.base.client_base.get_hostname), and each domain's base_url
is one domain's. Every request of every domain, the next pages of a list included, goes
through the client's http_client, with the URL complete: ApiHttpClient takes the scheme
and host from the base URL there and keeps the path (/2010-04-01/... for api.twilio.com,
/v1/... for voice.twilio.com), telling the Twilio host it meant in X-Forwarded-Host.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

log = logging.getLogger("ivr.rest")

# A 429 was never processed and is always safe to retry after backing off
# (https://www.twilio.com/docs/api/errors/20429); a server error only where doing it twice
# does no harm (GET, DELETE): a POST that failed may still have sent its text.
TOO_MANY = 429
SERVER_ERRORS = frozenset({500, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "DELETE"})
LONGEST_WAIT = 30.0  # seconds: a Retry-After beyond it is not waited for


def base_url_problem(url: str | None) -> str | None:
    """Why TWILIO_API_BASE_URL cannot be used, or None. The line's credentials go with
    every request: only over https, or to this machine (a test's fake)."""
    if not url:
        return None
    parts = urlsplit(url)
    safe = (parts.scheme == "https" and bool(parts.hostname)) or (
        parts.scheme == "http" and _loopback(parts.hostname))
    problem = None
    if not safe:
        problem = ("the account's credentials go with every request: give an https:// URL, "
                   "or http:// only to this machine (127.0.0.1, [::1] or localhost)")
    if problem is None and (parts.path.strip("/") or parts.query or parts.fragment):
        problem = ("give only the scheme, host and port: each request keeps its own path "
                   "(/2010-04-01/... for api.twilio.com)")
    return f"TWILIO_API_BASE_URL={url}: {problem}" if problem else None


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ApiHttpClient(TwilioHttpClient):
    """twilio's own HTTP client, sending to `base_url` (when given) and retrying a 429 (or
    a server error, where safe) `retries` times, waiting `backoff`, twice that, and so on (or the
    answer's Retry-After, up to LONGEST_WAIT) with `sleep`."""

    def __init__(self, base_url: str | None = None, timeout: float | None = None,
                 retries: int = 0, backoff: float = 1.0,
                 sleep: Callable[[float], Any] = time.sleep) -> None:
        super().__init__(timeout=timeout)
        self.base = urlsplit(base_url) if base_url else None
        self.retries, self.backoff, self.sleep = retries, backoff, sleep
        if self.base is not None and self.session is not None and _loopback(self.base.hostname):
            self.session.trust_env = False  # never through an HTTP_PROXY to this machine

    def request(self, method: str, url: str, params: Any = None, data: Any = None,
                headers: dict[str, str] | None = None, auth: Any = None,
                timeout: float | None = None, allow_redirects: bool = False) -> Response:
        if self.base is not None:
            meant = urlsplit(url)
            url = urlunsplit((self.base.scheme, self.base.netloc, meant.path, meant.query, ""))
            headers = {**(headers or {}), "X-Forwarded-Host": meant.netloc}
        attempt = 0
        while True:
            response = super().request(method, url, params=params, data=data, headers=headers,
                                       auth=auth, timeout=timeout,
                                       allow_redirects=allow_redirects)
            if attempt >= self.retries or not _retried(method, response.status_code):
                return response
            self.sleep(self._wait(attempt, response))
            attempt += 1

    def _wait(self, attempt: int, response: Response) -> float:
        wait = self.backoff * 2 ** attempt
        after = (response.headers or {}).get("Retry-After", "")
        if after.isdigit():
            wait = max(wait, float(after))
        return min(wait, LONGEST_WAIT)


def _retried(method: str, status: int) -> bool:
    return status == TOO_MANY or (status in SERVER_ERRORS and method.upper() in IDEMPOTENT)


def rest_client(config: Mapping[str, Any], timeout: float, retries: int = 0,
                sleep: Callable[[float], Any] = time.sleep) -> Client | None:
    """The REST client of the app's configuration, or None without TWILIO_ACCOUNT_SID and
    TWILIO_AUTH_TOKEN. A TWILIO_HTTP_CLIENT in the configuration (a test's) is used as
    it is."""
    if not (config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")):
        return None
    http = config.get("TWILIO_HTTP_CLIENT") or ApiHttpClient(
        config.get("TWILIO_API_BASE_URL"), timeout=timeout, retries=retries, sleep=sleep)
    return Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=http)


def error_status(exc: TwilioException) -> int | None:
    """The HTTP status of a failed request: a TwilioRestException's, or that of the
    response a failed page carries (twilio.base.page raises a bare TwilioException)."""
    status = getattr(exc, "status", None)
    if status is None and (response := failed_response(exc)):
        status = response.status_code
    return status if isinstance(status, int) else None


def error_code(exc: TwilioException) -> object:
    """Twilio's error code, from the exception or the JSON of a failed page."""
    code = getattr(exc, "code", None)
    if code is None and (response := failed_response(exc)):
        with contextlib.suppress(ValueError, AttributeError):
            code = json.loads(response.text).get("code")
    return code


def failed_response(exc: TwilioException) -> Response | None:
    found = exc.args[1] if len(exc.args) > 1 else None
    return found if isinstance(found, Response) else None
