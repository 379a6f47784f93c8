"""The app factory for the human-trafficking information line.

`create_app` is what `flask --app app` finds and gunicorn serves (`'app:create_app()'` in
the Procfile). Importing this module builds nothing: no app, no menus read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from flask import Flask, Request, Response, jsonify, request
from flask.sessions import SessionInterface, SessionMixin
from limits import parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response as BaseResponse

from ivr.content.hours import AMSTERDAM
from ivr.content.problems import MenuError
from ivr.lines import DEFAULT_MENUS_PATH, load_menus
from ivr.tools import purge
from ivr.tools.cli import audio_cli, call_command, menus_cli, text_command, translations_cli
from ivr.tools.twilio_cli import twilio_cli
from ivr.tools.usage_cli import report_command
from ivr.web import (
    audio_views,
    line_numbers,
    metrics,
    sms_webhook,
    state,
    usage_counts,
    usage_view,
    voice_webhook,
)
from ivr.web.capstore import default_uri
from ivr.web.logs import JsonFormatter
from ivr.web.privacy import install_number_masking
from ivr.web.rest_client import base_url_problem, rest_client
from ivr.web.sms_cookie import StateCookie
from ivr.web.texting import TextSender
from simulator import access as simulator_access
from simulator import views as simulator_views
from sms.keywords import KeywordIndex

log = logging.getLogger("app")


class StartRefused(SystemExit):
    """The line must not start: exit status 1, with no message for Python to print as
    plain text (under gunicorn every line is one JSON object). `message` is
    what refuse() logged."""

    def __init__(self, message: str) -> None:
        super().__init__(1)
        self.message = message


def refuse(message: str, details: tuple[str, ...] = ()) -> NoReturn:
    """Log why the line does not start, what to fix and then each detail on a line of its
    own (all CRITICAL, so that no LOG_LEVEL hides one), and stop."""
    for line in (message, *details):
        log.critical("Refusing to start: %s", line)
    raise StartRefused("\n".join((message, *details)))


def _from_environment() -> dict[str, Any]:
    env = os.environ
    return {
        "MENUS_PATH": env.get("MENUS_PATH", str(DEFAULT_MENUS_PATH)),
        "AUDIO_DIR": env.get("AUDIO_DIR") or None,  # default: audio/ beside the menus
        "AUDIO_BASE_URL": env.get("AUDIO_BASE_URL") or None,
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN") or None,
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL") or None,
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "1") or 0),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,  # unset: /metrics is off
        # The usage report shows a count below this as "fewer than N", in every form.
        "USAGE_MIN_SHOWN": int(env.get("USAGE_MIN_SHOWN") or 5),
        # The line's numbers in E.164, comma-separated, each perhaps with "=LANG" (README).
        "LINE_NUMBERS": env.get("LINE_NUMBERS") or None,
        # Numbers by text: the REST API needs the account SID besides the auth token.
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID") or None,
        "TWILIO_HTTP_CLIENT": None,  # tests give a fake one: nothing touches the network
        # Every REST call to this scheme and host instead of Twilio's (a fake, a proxy).
        "TWILIO_API_BASE_URL": env.get("TWILIO_API_BASE_URL") or None,
        # `flask twilio purge --repeat` (the Procfile's purge process): on unless "off".
        "PURGE": env.get("PURGE") or None,
        "PURGE_EVERY": env.get("PURGE_EVERY") or "10m",
        "PURGE_SLEEP": time.sleep,  # tests give one that does not wait
        "SMS_ALLOWED_COUNTRIES": env.get("SMS_ALLOWED_COUNTRIES", "NL"),
        "SMS_PER_NUMBER": env.get("SMS_PER_NUMBER", "3 per day"),
        "SMS_OVERALL": env.get("SMS_OVERALL", "60 per hour"),
        # Unset: an SQLite file in the instance folder, shared by the workers (capstore).
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or None,
        # Unset: Flask's instance folder, instance/ beside this file.
        "INSTANCE_PATH": env.get("INSTANCE_PATH") or None,
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        # Keys SECRET_KEY had before, comma-separated: SMS cookies they signed still read
        # (Flask's own SECRET_KEY_FALLBACKS), so a rotation keeps the conversations going.
        "SECRET_KEY_FALLBACKS": _listed(env.get("SECRET_KEY_FALLBACKS")),
        # The auth token before a rotation, accepted beside TWILIO_AUTH_TOKEN: Twilio signs
        # with the primary token until the secondary one is promoted
        # (https://www.twilio.com/docs/usage/security), so for that while either may sign.
        "TWILIO_AUTH_TOKEN_FALLBACKS": _listed(env.get("TWILIO_AUTH_TOKEN_FALLBACKS")),
        # The usage counts: in Redis here (else in the caps' Redis, else usage.sqlite in the
        # instance folder), daily counts kept this many days (ivr/web/usage_counts.py).
        "REDIS_URL": env.get("REDIS_URL") or None,
        "USAGE_RETENTION_DAYS": env.get("USAGE_RETENTION_DAYS") or 400,
        # The browser simulator (/simulator): on with Flask's debug flag (make run), for
        # this machine only; elsewhere only with this password, behind basic auth.
        "SIMULATOR_PASSWORD": env.get("SIMULATOR_PASSWORD") or None,
        # Twilio posts a few kilobytes at most; anything far bigger is not Twilio: 413.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 64 * 1024)),
        # Twilio posts about 70 fields at most (an SMS with 10 media): more is not Twilio,
        # 413 before the form is parsed or its signature computed (ivr.web.forms).
        "MAX_FORM_PARTS": int(env.get("MAX_FORM_PARTS", 200)),
        # The time for opening hours; tests give a fixed clock.
        "CLOCK": lambda: datetime.now(AMSTERDAM),
        # Twilio keeps the SMS cookie four hours; the cookie says so too.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=4),
    }


def _listed(value: str | None) -> list[str]:
    """The comma-separated values of an environment variable, without blanks."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The line, configured from the environment and then `config`.

    A menus.yaml with errors stops the start with every problem listed.
    """
    app = Flask(__name__)
    app.config.update(_from_environment())
    app.config.update(config or {})
    _logging(app.config["LOG_LEVEL"])
    _check_public_base_url(app.config["PUBLIC_BASE_URL"])
    for problem in (base_url_problem(app.config["TWILIO_API_BASE_URL"]),
                    purge.settings_problem(app.config)):
        if problem:
            refuse(problem)
    # Absolute paths: Flask would read a relative one from the app's folder, the loader
    # from the current one.
    menus_path = Path(app.config["MENUS_PATH"]).resolve()
    app.config["MENUS_PATH"] = str(menus_path)
    app.config["AUDIO_DIR"] = Path(app.config["AUDIO_DIR"] or menus_path.parent / "audio").resolve()
    try:
        menus, warnings = load_menus(menus_path, app.config["AUDIO_DIR"])
    except MenuError as exc:
        # One line saying what to do, then every problem.
        refuse(f"fix {menus_path.name} (make check lists the problems).",
               tuple(str(exc).splitlines()))
    if app.config["AUDIO_BASE_URL"]:  # recordings from a CDN instead of this app
        menus = replace(menus, audio_base_url=app.config["AUDIO_BASE_URL"])
    for warning in warnings:
        app.logger.warning("%s", warning)
    try:
        line_languages, notes = line_numbers.parse(
            app.config["LINE_NUMBERS"], menus.languages,
            line_numbers.not_offered(menus.languages, warnings))
    except line_numbers.LineNumbersError as exc:
        refuse(str(exc))
    for note in notes:
        app.logger.warning("%s", note)
    if not app.config["SECRET_KEY"]:
        # With preload_app every gunicorn worker shares this key; another instance or a
        # restart does not, and a sender's language is then asked again. No harm beyond.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        app.logger.warning("SECRET_KEY is not set: the SMS line forgets a sender's language "
                           "when the app restarts; set it, the same on every instance")
    # The SMS state cookie, signed with the current key and read with any of the fallbacks.
    keys = [*(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.config["SECRET_KEY"]]
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    sms_cookie = StateCookie(keys, int(lifetime.total_seconds()))
    # No request opens Flask's session (the SMS state has its own cookie): Flask's would
    # read and verify the cookie at every request, voice too.
    app.session_interface = NoSession()
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # The client's address too (the throttle of wrong guesses), from the same proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies)
    # A 3xx makes Twilio drop the pressed key (it does not send Digits again after a
    # redirect: https://www.twilio.com/docs/voice/twiml/gather): answer '/voice//nl' and
    # '/voice/nl/' where they are, instead of redirecting to a tidier URL.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    app.register_blueprint(voice_webhook.bp)
    app.register_blueprint(sms_webhook.bp)
    app.register_blueprint(audio_views.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(usage_view.bp)
    if simulator_access.enabled(app.config):
        app.register_blueprint(simulator_views.bp)
    if app.config["INSTANCE_PATH"]:
        app.instance_path = str(Path(app.config["INSTANCE_PATH"]).resolve())
    limiter = _limiter(app.config, app.instance_path)
    try:
        usage = usage_counts.make(app.config, app.instance_path)
    except ValueError as exc:
        refuse(str(exc))
    state.init_app(app, state.Line(
        menus=menus, menus_version=hashlib.sha256(menus_path.read_bytes()).hexdigest()[:12],
        line_languages=line_languages, keywords=KeywordIndex(menus),
        last_resort=voice_webhook.last_resort(menus),
        sms_last_resort=sms_webhook.last_resort(menus), sms_cookie=sms_cookie,
        limiter=limiter, texts=_text_sender(app.config, limiter), usage=usage))
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(405, _not_found)
    app.cli.add_command(menus_cli)
    app.cli.add_command(audio_cli)
    app.cli.add_command(call_command)
    app.cli.add_command(text_command)
    app.cli.add_command(translations_cli)
    app.cli.add_command(report_command)
    app.cli.add_command(twilio_cli)
    if not app.config["TWILIO_AUTH_TOKEN"]:
        app.logger.warning("TWILIO_AUTH_TOKEN is not set: Twilio signatures are NOT checked")
    if purge_off := purge.start_warning(app.config):
        app.logger.warning("%s", purge_off)
    return app


def _text_sender(config: dict[str, Any], limiter: MovingWindowRateLimiter) -> TextSender:
    """Counts in an SQLite file of this machine by default; with RATELIMIT_STORAGE_URI
    (redis://...) across instances. No limit applies to the webhooks themselves: Twilio
    ignores 429s."""
    caps = {}
    for name in ("SMS_PER_NUMBER", "SMS_OVERALL"):
        try:
            caps[name] = parse(config[name])
        except ValueError:
            refuse(f"{name}={config[name]!r} is not a limit; write it like "
                   "'3 per day' or '60 per hour'.")

    countries = frozenset(c.strip().upper() for c in config["SMS_ALLOWED_COUNTRIES"].split(",")
                          if c.strip())
    return TextSender(limiter, str(config["SECRET_KEY"]).encode(), countries,
                      caps["SMS_PER_NUMBER"], caps["SMS_OVERALL"],
                      # Twilio waits 15 s for the webhook: the API call may take 5 of them.
                      lambda: rest_client(config, timeout=5))


def _limiter(config: dict[str, Any], instance: str) -> MovingWindowRateLimiter:
    """The caps' and the password throttle's counter. A moving window: no double burst at
    a window's edge. A Redis that does not answer within 2 s counts as a failure (the
    caller then hears the numbers), not as silence. `limits` itself, not Flask-Limiter:
    the webhooks have no limit of their own, and Flask-Limiter's hook would cost every
    request a few hundred microseconds for nothing."""
    given = config["RATELIMIT_STORAGE_URI"]
    uri = config["RATELIMIT_STORAGE_URI"] = given or default_uri(instance)
    options = {"socket_timeout": 2, "socket_connect_timeout": 2} if uri.startswith("redis") \
        else {}
    try:
        return MovingWindowRateLimiter(storage_from_string(uri, **options))
    except (ConfigurationError, ValueError) as exc:
        if given:
            refuse(f"RATELIMIT_STORAGE_URI={uri!r}: {exc}.")
        refuse(f"INSTANCE_PATH={instance!r}: {exc}. Set INSTANCE_PATH to such a folder, or "
               "RATELIMIT_STORAGE_URI.")


class NoSession(SessionInterface):
    """Flask's null session for every request: nothing read, nothing written."""

    def open_session(self, app: Flask, request: Request) -> None:
        return None

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None


def _healthz() -> Response:
    """Unsigned, for the platform's health check: the menus are loaded, and which version;
    and whether the shared stores answer (the caps', and the usage counts': Redis when
    set, else this instance's SQLite files). Always 200 while the app answers: calls work
    without either store, so a load balancer must not take every instance out of service
    when Redis restarts. Nothing else: no counts, no configuration, nothing about calls."""
    line = state.line_state()
    stores = {"caps": _answers(line.limiter.storage.check)}
    if line.usage is not None:
        stores["usage"] = _answers(line.usage.store.answers)
    status = "ok" if all(v == "ok" for v in stores.values()) else "degraded"
    return jsonify(status=status, menus_version=line.menus_version, stores=stores)


def _answers(check: Callable[[], bool]) -> str:
    try:
        return "ok" if check() else "down"
    except Exception:  # a store that fails its check is down, never the health check
        return "down"


def _not_found(exc: HTTPException) -> BaseResponse | HTTPException:
    """Under /voice and /sms Twilio gets an answer it can use, not an HTML error page."""
    path = request.path
    if path == "/voice" or path.startswith("/voice/"):
        return voice_webhook.unknown()
    if path == "/sms" or path.startswith("/sms/"):
        return sms_webhook.unknown()
    return exc


def _check_public_base_url(url: str | None) -> None:
    # The line's URLs are relative to the host ("/voice/nl/main"); a path in the base URL
    # would be signed over but lost in every next request.
    if url and urlsplit(url).path.strip("/"):
        refuse(f"PUBLIC_BASE_URL={url}: give only the scheme and host, such as "
               "https://line.example.org; the line must be served at the root")


def _logging(level: str) -> None:
    """Log lines to stderr, with any phone number masked, whoever logged it and wherever
    it is written: masked when the record is made, before any handler sees it."""
    install_number_masking()
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)
    # No line shows a record's thread, process or process name (JsonFormatter's fields):
    # the logging HOWTO's "Optimization" switches leave them out of every record, a
    # microsecond of each forward's event line (make bench-instructions).
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    # twilio's REST client logs each request with its form, the caller's number included.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
